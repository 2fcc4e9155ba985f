//! HBase through its Thrift gateways: thrift1 for reads and writes, thrift2 to create
//! pre-split tables.

pub mod client;
pub mod ddl;
pub mod query;
pub mod schema;

pub use client::HBase;
