//! HBase through its Thrift (thrift1) gateway.

pub mod client;
pub mod schema;

pub use client::HBase;
