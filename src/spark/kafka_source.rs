//! Kafka topics as Spark DataFrames, read by Spark's own Kafka connector on the server.

use spark_connect::{DataFrame, SparkSession};

/// A batch read of `topic` from the earliest to the latest offset.
///
/// The DataFrame has the connector's columns (`key`, `value` as binary, `topic`, `partition`,
/// `offset`, `timestamp`, ...). Nothing runs until an action such as `count` is called.
pub fn batch_read(session: &SparkSession, bootstrap: &str, topic: &str) -> DataFrame {
    session
        .read()
        .format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("endingOffsets", "latest")
        // A topic deleted or compacted between runs must not fail an analytics job.
        .option("failOnDataLoss", "false")
        .load(None)
}
