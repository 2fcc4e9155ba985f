//! Spark over Spark Connect (gRPC), through the Apache Spark project's own Rust client.

pub mod client;
pub mod kafka_source;

pub use client::connect;
