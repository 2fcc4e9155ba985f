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

/// The test configuration with topics, HBase tables and insights topics of its own, named after
/// `tag` and a unique id, so a test never reads or writes another test's data.
pub fn isolated_config(tag: &str) -> Config {
    let mut config = config();
    let id = unique(tag);
    config.kafka.topics.fraud = format!("{id}_orders");
    config.kafka.topics.supply_chain = format!("{id}_shipments");
    config.kafka.topics.freight_cost = format!("{id}_freight");
    config.kafka.topics.product_group = format!("{id}_lines");
    config.hbase.table_prefix = format!("{id}_");
    config.jobs.insights_topic_prefix = format!("{id}.insights.");
    config
}

/// Queues `records` as JSON to `topic`, keyed by `kind`'s key field. The caller flushes.
pub fn send<T: serde::Serialize>(
    producer: &rdkafka::producer::BaseProducer,
    topic: &str,
    kind: ecomflow::generate::Topic,
    records: &[T],
) {
    use rdkafka::producer::BaseRecord;

    for r in records {
        let value = serde_json::to_value(r).unwrap();
        let key = value[kind.key_field()].to_string();
        let payload = value.to_string();
        // A full local queue only means librdkafka has not sent yet: serve it and retry.
        while producer.send(BaseRecord::to(topic).key(&key).payload(&payload)).is_err() {
            producer.poll(std::time::Duration::from_millis(20));
        }
    }
}
