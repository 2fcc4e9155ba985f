//! HBase through its Thrift (thrift1) gateway.

pub mod client;

pub use client::HBase;
