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

/// Removes what one test made, the Kafka topics and HBase tables named `<id>`, `<id>_…` or
/// `<id>.…`,
/// when dropped at the end of the test, so repeated runs do not pile up tables in the stack.
/// A failed test keeps them, for a look at what it left.
pub struct Cleanup {
    id: String,
}

impl Cleanup {
    pub fn new(id: &str) -> Cleanup {
        Cleanup { id: id.to_string() }
    }

    /// For a configuration of [`isolated_config`], whose table prefix is `<id>_`.
    pub fn of(config: &Config) -> Cleanup {
        Cleanup::new(config.hbase.table_prefix.trim_end_matches('_'))
    }

    fn owns(&self, name: &str) -> bool {
        name.strip_prefix(&self.id)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['_', '.']))
    }

    fn remove(&self) -> anyhow::Result<(usize, usize)> {
        use rdkafka::consumer::{BaseConsumer, Consumer};

        let config = config();
        let mut hbase = ecomflow::hbase::HBase::connect(&config.hbase)?;
        let tables: Vec<String> =
            hbase.table_names()?.into_iter().filter(|t| self.owns(t)).collect();
        for table in &tables {
            hbase.drop_table(table)?;
        }
        let consumer: BaseConsumer = ecomflow::kafka::base_config(&config.kafka).create()?;
        let metadata = consumer.fetch_metadata(None, config.kafka.timeout)?;
        let topics: Vec<&str> =
            metadata.topics().iter().map(|t| t.name()).filter(|t| self.owns(t)).collect();
        if !topics.is_empty() {
            ecomflow::kafka::admin::delete_topics(&config.kafka, &topics)?;
        }
        Ok((tables.len(), topics.len()))
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept the topics and tables named {}* of this failed test", self.id);
            return;
        }
        // A cleanup that fails leaves names no other test uses; it must not fail the test.
        if let Err(e) = self.remove() {
            eprintln!("could not remove the topics and tables named {}*: {e:#}", self.id);
        }
    }
}
