//! The Kafka side of `produce`: an idempotent, batching producer that accounts for every record.
//!
//! Every record handed to [`Sender::send`] ends up either acknowledged by the broker or counted
//! as failed; [`Sender::finish`] waits for the last delivery report and fails when any record was
//! not acknowledged, so the command can never report success for a partial delivery.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use tracing::{error, warn};

use crate::config::KafkaConfig;
use crate::kafka::admin::MAX_MESSAGE_BYTES;

/// The largest record, key and value together, that the producer and the topics accept.
///
/// The topics' `max.message.bytes` limits a whole record batch, so this leaves room for the
/// batch header (61 bytes) and the record's framing (at most 36). Batches stop growing at
/// `batch.size` (1 MB) unless one record alone is larger, so such a record travels alone and
/// fits with its framing.
/// A further 64 KiB stays free for the headers a record gains when ingest sets it aside in a
/// dead-letter topic, which has the same limit.
pub const MAX_RECORD_BYTES: usize = decimal(MAX_MESSAGE_BYTES) - 64 * 1024;

/// `text` as a decimal number, at compile time; a typo in the constant fails the build.
const fn decimal(text: &str) -> usize {
    let digits = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < digits.len() {
        assert!(digits[i].is_ascii_digit(), "not a decimal number");
        n = n * 10 + (digits[i] - b'0') as usize;
        i += 1;
    }
    n
}

/// Delivery accounting, updated by librdkafka's delivery-report thread.
#[derive(Default)]
pub struct Deliveries {
    acked: AtomicU64,
    /// Acknowledged and failed records by topic, so a failure can name the topics it hit.
    by_topic: Mutex<HashMap<String, Delivered>>,
    /// The first few distinct failure reasons, each prefixed with its topic.
    reasons: Mutex<Vec<String>>,
}

/// Delivery reports of one topic.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Delivered {
    acked: u64,
    failed: u64,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let topic = match result {
            Ok(m) | Err((_, m)) => m.topic(),
        };
        // One report at a time arrives here, from librdkafka's single polling thread, so the
        // lock is never contended while records flow; `finish` reads it after the flush.
        let mut by_topic = self.by_topic.lock().unwrap_or_else(|p| p.into_inner());
        if !by_topic.contains_key(topic) {
            by_topic.insert(topic.to_string(), Delivered::default());
        }
        let counts = by_topic.get_mut(topic).expect("inserted just above");
        match result {
            Ok(_) => {
                counts.acked += 1;
                self.acked.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, _)) => {
                counts.failed += 1;
                let reason = format!("{topic}: {e}");
                let mut reasons = self.reasons.lock().unwrap_or_else(|p| p.into_inner());
                if reasons.len() < 3 && !reasons.contains(&reason) {
                    reasons.push(reason);
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
    /// When the first record was queued; the summary's seconds count from there, so creating
    /// topics after the producer does not count as sending time.
    started: Option<Instant>,
    flush_timeout: Duration,
}

impl Sender {
    /// Builds the producer. It does not contact the broker yet, so building it before creating
    /// the topics lets a bad setting (an unsupported compression, say) fail before anything
    /// exists on the broker.
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
            // The topics' limit; librdkafka's own default (1 MB) would refuse records the
            // topics were made to take.
            .set("message.max.bytes", MAX_MESSAGE_BYTES)
            // Throughput: fill large batches, wait a little for them to fill.
            .set("linger.ms", "20")
            .set("batch.size", "1000000")
            .set("batch.num.messages", "100000")
            // A 256 MiB local queue keeps memory bounded; `send` backs off when it is full.
            .set("queue.buffering.max.kbytes", "262144")
            .set("queue.buffering.max.messages", "1000000")
            .set("message.timeout.ms", "120000");
        let producer = pc.create_with_context(Deliveries::default()).map_err(|e| {
            anyhow::anyhow!("cannot create the Kafka producer with compression {compression}: {e}")
        })?;
        Ok(Sender {
            producer,
            summary: ProduceSummary::default(),
            started: None,
            flush_timeout: Duration::from_secs(120),
        })
    }

    /// Queues one record, waiting while librdkafka's local queue is full.
    ///
    /// # Errors
    /// Fails at once for errors no retry can fix, such as a record over the size limit.
    pub fn send(&mut self, topic: &str, key: &[u8], value: &[u8]) -> anyhow::Result<()> {
        self.started.get_or_insert_with(Instant::now);
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
    /// Names each topic with records that were not acknowledged, how many failed or went
    /// unanswered, and the first reasons.
    pub fn finish(mut self) -> anyhow::Result<ProduceSummary> {
        if let Err(e) = self.producer.flush(self.flush_timeout) {
            warn!(error = %e, "flush did not complete");
        }
        let ctx = self.producer.context();
        self.summary.acked = ctx.acked.load(Ordering::Relaxed);
        self.summary.seconds = self.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let delivered = ctx.by_topic.lock().unwrap_or_else(|p| p.into_inner());
        let reasons = ctx.reasons.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(message) = undelivered(&self.summary.records, &delivered, &reasons) {
            anyhow::bail!(message);
        }
        Ok(self.summary)
    }
}

/// The error message for records that were sent but not acknowledged, naming each topic with
/// its failed and unanswered counts; `None` when every record was acknowledged.
fn undelivered(
    sent: &BTreeMap<String, (u64, u64)>,
    delivered: &HashMap<String, Delivered>,
    reasons: &[String],
) -> Option<String> {
    let mut missing = 0;
    let mut topics = Vec::new();
    for (topic, &(records, _)) in sent {
        let d = delivered.get(topic).copied().unwrap_or_default();
        let short = records.saturating_sub(d.acked);
        if short > 0 {
            let unanswered = short.saturating_sub(d.failed);
            topics.push(format!(
                "{topic} {short} of {records} ({} failed, {unanswered} unanswered)",
                d.failed
            ));
            missing += short;
        }
    }
    if missing == 0 {
        return None;
    }
    let total: u64 = sent.values().map(|(n, _)| n).sum();
    let mut message = format!(
        "{missing} of {total} records were not acknowledged by Kafka: {}",
        topics.join(", ")
    );
    if !reasons.is_empty() {
        message += &format!("; first errors: {}", reasons.join("; "));
    }
    Some(message)
}

/// How many records to send between two clock checks at `rate_per_sec`: every record at low
/// rates, a tenth of a second's worth at most, and never more than 100, because reading the
/// clock for every record would slow the fast path without making it any smoother.
pub fn pacing_interval(rate_per_sec: f64) -> u64 {
    // The float-to-int cast saturates (NaN gives 0), so the clamp always yields 1..=100.
    ((rate_per_sec / 10.0) as u64).clamp(1, 100)
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

    #[test]
    fn pacing_spaces_records_at_low_rates() {
        // 2/s: the first record goes at once, each next one half a second after the one before.
        assert_eq!(pacing_delay(1, 2.0, Duration::from_millis(3)), Duration::from_millis(497));
        assert_eq!(pacing_delay(2, 2.0, Duration::from_millis(501)), Duration::from_millis(499));
        assert_eq!(pacing_delay(20, 2.0, Duration::from_millis(9_600)), Duration::from_millis(400));
        // 0.5/s: one record every two seconds.
        assert_eq!(
            pacing_delay(3, 0.5, Duration::from_millis(4_250)),
            Duration::from_millis(1_750)
        );
        // 5000/s, checked every 100 records: 100 records are due at 20 ms.
        assert_eq!(pacing_delay(100, 5000.0, Duration::from_millis(5)), Duration::from_millis(15));
    }

    #[test]
    fn low_rates_check_the_clock_for_every_record() {
        // Regression: pacing used to look at the clock every 100 records only, so 20 records at
        // 2/s went out in one burst.
        for rate in [0.5, 2.0, 10.0, 19.9] {
            assert_eq!(pacing_interval(rate), 1, "{rate}");
        }
        assert_eq!(pacing_interval(50.0), 5);
        assert_eq!(pacing_interval(500.0), 50);
        assert_eq!(pacing_interval(1000.0), 100);
        assert_eq!(pacing_interval(1e9), 100);
        assert_eq!(pacing_interval(f64::NAN), 1);
    }

    #[test]
    fn the_record_limit_leaves_room_for_batch_framing() {
        assert_eq!(decimal("16777216"), 16 << 20);
        assert_eq!(MAX_RECORD_BYTES, (16 << 20) - 64 * 1024);
    }

    #[test]
    fn undelivered_records_name_their_topics() {
        let sent: BTreeMap<String, (u64, u64)> =
            [("pf_fraud".to_string(), (50, 1)), ("pf_sc".to_string(), (13, 1))].into();
        let mut delivered = HashMap::new();
        delivered.insert("pf_fraud".to_string(), Delivered { acked: 40, failed: 8 });
        delivered.insert("pf_sc".to_string(), Delivered { acked: 13, failed: 0 });
        let reasons = ["pf_fraud: Message production error: MessageSizeTooLarge".to_string()];
        assert_eq!(
            undelivered(&sent, &delivered, &reasons).unwrap(),
            "10 of 63 records were not acknowledged by Kafka: pf_fraud 10 of 50 (8 failed, 2 \
             unanswered); first errors: pf_fraud: Message production error: MessageSizeTooLarge"
        );

        // A topic that never got a report at all still shows up, as unanswered.
        delivered.remove("pf_sc");
        let message = undelivered(&sent, &delivered, &[]).unwrap();
        assert!(message.ends_with("pf_sc 13 of 13 (0 failed, 13 unanswered)"), "{message}");

        delivered.insert("pf_fraud".to_string(), Delivered { acked: 50, failed: 0 });
        delivered.insert("pf_sc".to_string(), Delivered { acked: 13, failed: 0 });
        assert_eq!(undelivered(&sent, &delivered, &[]), None);
    }
}
