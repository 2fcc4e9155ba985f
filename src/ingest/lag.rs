//! Consumer-group lag: how far the ingest group's committed offsets trail each partition's end.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::config::KafkaConfig;
use crate::kafka::outage::OutageLog;

/// One partition's position.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    /// Next offset the group will read; `None` when it has committed nothing yet.
    pub committed: Option<i64>,
    /// Offset of the first record still in the log.
    pub low: i64,
    /// Offset the next produced record will get.
    pub high: i64,
}

impl PartitionLag {
    /// Records not yet stored by the group.
    pub fn lag(&self) -> i64 {
        // With nothing committed the group starts at the earliest record still kept.
        let from = self.committed.unwrap_or(self.low).max(self.low);
        (self.high - from).max(0)
    }
}

/// Reads committed offsets and watermarks of every partition of `topics` for `group`.
///
/// Topics that do not exist yet are skipped: nothing in them is waiting.
pub fn group_lag(
    cfg: &KafkaConfig,
    group: &str,
    topics: &[&str],
) -> anyhow::Result<Vec<PartitionLag>> {
    LagReader::new(cfg, group)?.read(topics)
}

/// A Kafka client of its own for reading a group's lag, kept apart from the group's consumer.
///
/// Asking the consumer itself is slow: librdkafka queues each watermark request behind the
/// consumer's pending fetch, which the broker holds for up to `fetch.wait.max.ms` (500 ms) when
/// the topics are drained, so the 16 partitions of the default topics took 8 s per check. This
/// client fetches nothing and never joins the group; it only reads its committed offsets.
pub struct LagReader {
    client: BaseConsumer<OutageLog>,
    timeout: Duration,
    addr: String,
}

impl LagReader {
    /// Creates the client; it connects on its first request.
    ///
    /// # Errors
    /// Fails when librdkafka refuses the configuration.
    pub fn new(cfg: &KafkaConfig, group: &str) -> anyhow::Result<LagReader> {
        let mut cc = super::super::kafka::base_config(cfg);
        cc.set("group.id", group).set("enable.auto.commit", "false");
        let client = cc
            .create_with_context(OutageLog::new(&cfg.bootstrap_servers))
            .map_err(|e| anyhow::anyhow!("cannot create a Kafka client to read lag: {e}"))?;
        Ok(LagReader { client, timeout: cfg.timeout, addr: cfg.bootstrap_servers.clone() })
    }

    /// Reads the lag of every partition of `topics`, sorted by topic and partition.
    ///
    /// # Errors
    /// Fails when the cluster does not answer within the Kafka timeout.
    pub fn read(&self, topics: &[&str]) -> anyhow::Result<Vec<PartitionLag>> {
        lag_with(&self.client, self.timeout, &self.addr, topics)
    }
}

fn lag_with(
    consumer: &BaseConsumer<OutageLog>,
    timeout: Duration,
    addr: &str,
    topics: &[&str],
) -> anyhow::Result<Vec<PartitionLag>> {
    let metadata = consumer
        .fetch_metadata(None, timeout)
        .map_err(|e| crate::kafka::no_broker(addr, timeout, format_args!(": {e}")))?;
    let mut tpl = TopicPartitionList::new();
    for t in metadata.topics().iter().filter(|t| topics.contains(&t.name())) {
        for p in t.partitions() {
            tpl.add_partition(t.name(), p.id());
        }
    }
    if tpl.count() == 0 {
        return Ok(Vec::new());
    }
    let committed = consumer
        .committed_offsets(tpl, timeout)
        .map_err(|e| anyhow::anyhow!("cannot read the group's committed offsets: {e}"))?;
    let mut out = Vec::new();
    for e in committed.elements() {
        let (low, high) =
            consumer.fetch_watermarks(e.topic(), e.partition(), timeout).map_err(|err| {
                anyhow::anyhow!("cannot read offsets of {}/{}: {err}", e.topic(), e.partition())
            })?;
        let committed = match e.offset() {
            Offset::Offset(o) => Some(o),
            _ => None,
        };
        out.push(PartitionLag {
            topic: e.topic().to_string(),
            partition: e.partition(),
            committed,
            low,
            high,
        });
    }
    out.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(committed: Option<i64>, low: i64, high: i64) -> PartitionLag {
        PartitionLag { topic: "t".into(), partition: 0, committed, low, high }
    }

    #[test]
    fn lag_counts_from_the_commit_or_the_log_start() {
        assert_eq!(p(Some(40), 0, 100).lag(), 60);
        assert_eq!(p(None, 0, 100).lag(), 100);
        assert_eq!(p(None, 30, 100).lag(), 70, "deleted records are not waiting");
        assert_eq!(p(Some(10), 30, 100).lag(), 70);
        assert_eq!(p(Some(100), 0, 100).lag(), 0);
        assert_eq!(p(None, 0, 0).lag(), 0);
    }
}
