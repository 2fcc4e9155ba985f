//! The Kafka side of `produce`: an idempotent, batching producer that accounts for every record.
//!
//! Every record handed to [`Sender::send`] ends up either acknowledged by the broker or counted
//! as failed; [`Sender::finish`] waits for the last delivery report and fails when any record was
//! not acknowledged, so the command can never report success for a partial delivery.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use tracing::{error, warn};

use crate::config::KafkaConfig;

/// Delivery accounting, updated by librdkafka's delivery-report thread.
#[derive(Default)]
pub struct Deliveries {
    acked: AtomicU64,
    failed: AtomicU64,
    /// The first few failure reasons, for the error message.
    reasons: Mutex<Vec<String>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => {
                self.acked.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, _)) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                let mut reasons = self.reasons.lock().unwrap_or_else(|p| p.into_inner());
                if reasons.len() < 3 {
                    reasons.push(e.to_string());
                }
            }
        }
    }
}

/// Counts of one `produce` run, by topic.
#[derive(Debug, Clone, Default)]
pub struct ProduceSummary {
    /// Records and value bytes handed to Kafka, by topic.
    pub records: BTreeMap<String, (u64, u64)>,
    pub acked: u64,
    pub seconds: f64,
}

impl ProduceSummary {
    /// Records over all topics.
    pub fn total_records(&self) -> u64 {
        self.records.values().map(|(n, _)| n).sum()
    }

    /// Value bytes over all topics.
    pub fn total_bytes(&self) -> u64 {
        self.records.values().map(|(_, b)| b).sum()
    }
}

/// An idempotent producer plus its accounting.
pub struct Sender {
    producer: ThreadedProducer<Deliveries>,
    summary: ProduceSummary,
    started: Instant,
    flush_timeout: Duration,
}

impl Sender {
    /// Builds the producer. `options` are raw librdkafka settings applied last (from the
    /// `--kafka-option` flag); one that contradicts a setting delivery depends on is refused.
    ///
    /// # Errors
    /// Fails when librdkafka rejects the configuration.
    pub fn new(cfg: &KafkaConfig, compression: &str) -> anyhow::Result<Sender> {
        let mut pc = crate::kafka::base_config(cfg);
        pc.set("enable.idempotence", "true")
            // Idempotence needs acks from every in-sync replica; it keeps order and drops
            // duplicates of retried batches, so every record lands exactly once per send.
            .set("acks", "all")
            .set("compression.type", compression)
            // Throughput: fill large batches, wait a little for them to fill.
            .set("linger.ms", "20")
            .set("batch.size", "1000000")
            .set("batch.num.messages", "100000")
            // A 256 MiB local queue keeps memory bounded; `send` backs off when it is full.
            .set("queue.buffering.max.kbytes", "262144")
            .set("queue.buffering.max.messages", "1000000")
            .set("message.timeout.ms", "120000");
        let producer = pc
            .create_with_context(Deliveries::default())
            .map_err(|e| anyhow::anyhow!("cannot create the Kafka producer: {e}"))?;
        Ok(Sender {
            producer,
            summary: ProduceSummary::default(),
            started: Instant::now(),
            flush_timeout: Duration::from_secs(120),
        })
    }

    /// Queues one record, waiting while librdkafka's local queue is full.
    ///
    /// # Errors
    /// Fails at once for errors no retry can fix, such as a record over the size limit.
    pub fn send(&mut self, topic: &str, key: &[u8], value: &[u8]) -> anyhow::Result<()> {
        let mut record = BaseRecord::to(topic).key(key).payload(value);
        loop {
            match self.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    // The delivery thread drains the queue; give it a moment.
                    record = r;
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err((e, _)) => {
                    error!(topic, error = %e, "record refused by the producer");
                    anyhow::bail!("cannot send a record to {topic}: {e}");
                }
            }
        }
        let entry = self.summary.records.entry(topic.to_string()).or_default();
        entry.0 += 1;
        entry.1 += value.len() as u64;
        Ok(())
    }

    /// Records acknowledged so far.
    pub fn acked(&self) -> u64 {
        self.producer.context().acked.load(Ordering::Relaxed)
    }

    /// Waits for every delivery report and checks that each record was acknowledged.
    ///
    /// # Errors
    /// Says how many records were not acknowledged and why, when any were not.
    pub fn finish(mut self) -> anyhow::Result<ProduceSummary> {
        if let Err(e) = self.producer.flush(self.flush_timeout) {
            warn!(error = %e, "flush did not complete");
        }
        let ctx = self.producer.context();
        let sent = self.summary.total_records();
        let acked = ctx.acked.load(Ordering::Relaxed);
        let failed = ctx.failed.load(Ordering::Relaxed);
        self.summary.acked = acked;
        self.summary.seconds = self.started.elapsed().as_secs_f64();
        if acked != sent {
            let reasons = ctx.reasons.lock().unwrap_or_else(|p| p.into_inner()).join("; ");
            anyhow::bail!(
                "{} of {sent} records were not acknowledged by Kafka ({failed} failed, {} \
                 unanswered){}",
                sent - acked,
                sent - acked - failed.min(sent - acked),
                if reasons.is_empty() { String::new() } else { format!(": {reasons}") }
            );
        }
        Ok(self.summary)
    }
}

/// How long to wait so that `sent` records take at least `sent / rate` seconds in all.
pub fn pacing_delay(sent: u64, rate_per_sec: f64, elapsed: Duration) -> Duration {
    if rate_per_sec <= 0.0 {
        return Duration::ZERO;
    }
    let due = Duration::from_secs_f64(sent as f64 / rate_per_sec);
    due.saturating_sub(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacing_holds_back_only_when_ahead() {
        assert_eq!(
            pacing_delay(100, 100.0, Duration::from_millis(400)),
            Duration::from_millis(600)
        );
        assert_eq!(pacing_delay(100, 100.0, Duration::from_secs(2)), Duration::ZERO);
        assert_eq!(pacing_delay(100, 0.0, Duration::ZERO), Duration::ZERO);
    }
}
