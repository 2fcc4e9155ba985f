//! Spark over Spark Connect (gRPC), through the Apache Spark project's own Rust client.

pub mod client;
pub mod jobs;
pub mod kafka_source;
pub mod stream;

pub use client::connect;
