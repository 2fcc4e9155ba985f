//! Spark over Spark Connect (gRPC), through the Apache Spark project's own Rust client.

pub mod client;

pub use client::connect;
