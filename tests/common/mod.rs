//! Helpers shared by the live-stack tests: configuration and unique names.
//!
//! These tests talk to real servers (`scripts/stack up` or docker compose). They never skip:
//! a server that is not there fails the test with its name and address.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ecomflow::config::{Config, Overrides};

/// The configuration the binary would use here: defaults, ecomflow.toml, ECOMFLOW_* variables.
pub fn config() -> Config {
    Config::load(None, &Overrides::default()).expect("test configuration must load")
}

/// A name no other test or earlier run uses, so tests can run in parallel.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}
