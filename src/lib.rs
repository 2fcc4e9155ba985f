//! ecomflow: a synthetic e-commerce data set streamed through Kafka into HBase and analysed by
//! Spark over Spark Connect.
//!
//! The binary in `main.rs` is a thin shell over these modules; each pipeline stage owns its
//! module, its configuration and its tests.

pub mod charts;
pub mod cli;
pub mod commands;
pub mod config;
pub mod doctor;
pub mod error;
pub mod generate;
pub mod hbase;
pub mod ingest;
pub mod insights;
pub mod kafka;
pub mod pipeline;
pub mod produce;
pub mod report;
pub mod spark;
pub mod telemetry;
