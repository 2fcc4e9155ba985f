//! `ecomflow ingest`: Kafka topics into HBase tables, each record stored once.
//!
//! Delivery is at least once, made exactly-once in effect by idempotent writes:
//! 1. poll a batch of records from the four topics (one consumer group);
//! 2. check each record against its topic's schema; refused records go to `<topic>.dlq` with
//!    the reason in the `ecomflow.error` header;
//! 3. write the accepted records to HBase in `mutateRows` calls, retrying with backoff while the
//!    Thrift gateway is unreachable;
//! 4. only once HBase and the dead-letter topic acknowledged everything, commit the offsets after
//!    the batch, synchronously.
//!
//! Steps 1-2 run on the calling thread and 3-4 on a writer thread, one batch apart, so Kafka
//! reads and record checks overlap HBase writes.
//!
//! A crash between 3 and 4 re-reads the batch, which rewrites the same row keys and cells, so no
//! row is added twice. This holds because a partition's records are processed in order and the
//! committed offset is always one past the highest stored record.

pub mod lag;
pub mod validate;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{Header, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tracing::{debug, info, warn};

use crate::config::{Config, IngestConfig};
use crate::generate::model::Topic;
use crate::hbase::HBase;
use crate::hbase::client::Cell;
use crate::hbase::schema::{INDEX_FAMILY, Schema, time_key};
use crate::kafka::outage::OutageLog;

/// The ingest group's consumer; broker outages are logged as throttled warnings.
type GroupConsumer = BaseConsumer<OutageLog>;

/// Rows to write, by table: row key and cells.
type TableRows = BTreeMap<String, Vec<(Vec<u8>, Vec<Cell>)>>;

/// Qualifier of the cell that holds a record's JSON in its table's data family.
pub const RECORD_QUALIFIER: &str = "record";

/// Header of a dead-letter record that says why it was refused.
pub const DLQ_REASON_HEADER: &str = "ecomflow.error";

/// How the ingester runs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Stop once the group's lag is zero on every topic, instead of running until signalled.
    pub until_caught_up: bool,
    /// Set by SIGINT/SIGTERM: finish the current batch, commit, and return.
    pub stop: Arc<AtomicBool>,
}

/// Counts of one ingest run.
#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    /// Records stored in HBase, by topic.
    pub stored: BTreeMap<String, u64>,
    /// Records sent to a dead-letter topic, by source topic.
    pub dead_lettered: BTreeMap<String, u64>,
    /// HBase rows written: each record's row plus its time-index row.
    pub rows: u64,
    pub batches: u64,
    pub seconds: f64,
}

struct Route {
    topic: Topic,
    table: String,
    index_table: Option<String>,
    family: String,
    keys: validate::KeyFields,
}

/// Runs the ingester on the calling thread until caught up or stopped.
///
/// # Errors
/// Fails when Kafka refuses the subscription or a commit, when a dead-letter record is not
/// acknowledged, or when stopped while HBase is unreachable (nothing is committed then, so the
/// records are read again on the next run).
pub fn run(config: &Config, opts: &IngestOptions) -> anyhow::Result<IngestSummary> {
    let started = Instant::now();
    let routes = routes(config)?;
    let names: Vec<&str> = routes.keys().map(String::as_str).collect();

    // Say what is missing before consuming anything.
    let tables = routes.values().flat_map(|r| std::iter::once(&r.table).chain(&r.index_table));
    HBase::connect(&config.hbase)?.require_tables(tables)?;

    // Dead-letter topics are made up front with a large record limit: the broker's default
    // would refuse exactly the oversized records that need setting aside.
    let dlq_names: Vec<String> = names.iter().map(|n| crate::kafka::admin::dlq_topic(n)).collect();
    let mut all: Vec<&str> = names.clone();
    all.extend(dlq_names.iter().map(String::as_str));
    crate::kafka::admin::ensure_topics(&config.kafka, &all)?;

    let consumer = consumer(config)?;
    let lag_reader = lag::LagReader::new(&config.kafka, &config.ingest.group_id)?;
    consumer
        .subscribe(&names)
        .map_err(|e| anyhow::anyhow!("cannot subscribe to {names:?}: {e}"))?;
    let dlq = DeadLetters::new(config)?;
    info!(topics = ?names, group = %config.ingest.group_id, "ingest started");

    // Reading and writing overlap: while one batch is in HBase, the next is polled and checked.
    // One writer thread stores batches in the order they were read and commits after each, so
    // the committed offset never passes a record that is not stored.
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<Prepared>(1);
    // Set when the writer returns, so a reader with nothing more to hand over (where a failed
    // send would tell it) does not poll on for good after the writer failed.
    let writer_quit = AtomicBool::new(false);
    let mut summary = std::thread::scope(|scope| {
        let writer = std::thread::Builder::new()
            .name("hbase-writer".into())
            .spawn_scoped(scope, || {
                let written = write_batches(config, &consumer, &dlq, batches, &opts.stop);
                writer_quit.store(true, Ordering::Relaxed);
                written
            })
            .map_err(|e| anyhow::anyhow!("cannot start the HBase writer thread: {e}"))?;
        let reader = Reader { config, opts, consumer: &consumer, lag_reader: &lag_reader };
        let read = read_batches(&reader, &routes, &names, to_writer, &writer_quit);
        // The writer's error explains a reader that stopped early, so it comes first.
        let summary =
            writer.join().map_err(|_| anyhow::anyhow!("the HBase writer thread panicked"))??;
        read.map(|()| summary)
    })?;

    summary.seconds = started.elapsed().as_secs_f64();
    let stored: u64 = summary.stored.values().sum();
    let dead: u64 = summary.dead_lettered.values().sum();
    info!(stored, dead_lettered = dead, seconds = summary.seconds, "ingest finished");
    Ok(summary)
}

/// One polled batch, checked and turned into rows, on its way to the writer.
struct Prepared {
    rows: TableRows,
    refused: Vec<(OwnedMessage, String)>,
    /// Per partition, the offset after the batch's last record: what to commit once stored.
    next_offsets: HashMap<(String, i32), i64>,
    stored: BTreeMap<String, u64>,
    records: usize,
    poll_ms: u64,
}

/// Polls and checks batches and hands them to the writer until stopped, caught up, or the
/// writer has quit (its error is what `run` returns then).
/// What the reading side works with.
struct Reader<'a> {
    config: &'a Config,
    opts: &'a IngestOptions,
    consumer: &'a GroupConsumer,
    lag_reader: &'a lag::LagReader,
}

fn read_batches(
    reader: &Reader<'_>,
    routes: &HashMap<String, Route>,
    names: &[&str],
    to_writer: std::sync::mpsc::SyncSender<Prepared>,
    writer_quit: &AtomicBool,
) -> anyhow::Result<()> {
    let Reader { config, opts, consumer, lag_reader } = *reader;
    let mut carry = Vec::new();
    // Per partition, the offset after the last record handed to the writer.
    let mut handed: HashMap<(String, i32), i64> = HashMap::new();
    while !opts.stop.load(Ordering::Relaxed) && !writer_quit.load(Ordering::Relaxed) {
        let polled = Instant::now();
        let (max, wait) = (config.ingest.batch_size, config.ingest.batch_timeout);
        let batch = poll_batch(consumer, std::mem::take(&mut carry), max, wait);
        let poll_ms = polled.elapsed().as_millis() as u64;
        if batch.is_empty() {
            if let Some(markers) = past_markers(consumer, &handed) {
                handed.extend(markers.next_offsets.clone());
                if !hand_over(consumer, &to_writer, markers, &mut carry)? {
                    return Ok(());
                }
                continue;
            }
            if opts.until_caught_up {
                // The lag counts committed offsets, so a batch still in the writer keeps it
                // above zero. A new group's coordinator may not be ready yet (NotCoordinator,
                // loading); that only delays the check, so try again after the next poll.
                match lag_reader.read(names) {
                    Ok(parts) => {
                        let lag: i64 = parts.iter().map(lag::PartitionLag::lag).sum();
                        debug!(lag, "no records in the last poll");
                        if lag == 0 {
                            return Ok(());
                        }
                    }
                    Err(e) => warn!(error = %e, "cannot read the group's lag yet; retrying"),
                }
            }
            continue;
        }
        let prepared = prepare(config, routes, batch, poll_ms);
        handed.extend(prepared.next_offsets.clone());
        if !hand_over(consumer, &to_writer, prepared, &mut carry)? {
            return Ok(());
        }
    }
    Ok(())
}

/// A batch with nothing to store that commits the consumer's positions where they have moved
/// past the last record handed over (or where nothing was handed over yet), or `None`.
///
/// A transactional producer ends each transaction with a control record, which takes an offset
/// but is never delivered. Committing only "last record + 1" would leave the lag at one per
/// marker for good, and `--until-caught-up` would never see zero. Called after an empty poll,
/// when every record polled so far has been handed over in order, so the writer commits these
/// positions only after storing everything before them.
fn past_markers(
    consumer: &GroupConsumer,
    handed: &HashMap<(String, i32), i64>,
) -> Option<Prepared> {
    let positions = consumer.position().ok()?;
    let next_offsets: HashMap<(String, i32), i64> = positions
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(at) => Some(((e.topic().to_string(), e.partition()), at)),
            _ => None,
        })
        .filter(|(key, at)| handed.get(key).is_none_or(|h| at > h))
        .collect();
    (!next_offsets.is_empty()).then(|| Prepared {
        rows: BTreeMap::new(),
        refused: Vec::new(),
        next_offsets,
        stored: BTreeMap::new(),
        records: 0,
        poll_ms: 0,
    })
}

/// Hands a batch to the writer; false once the writer has quit.
///
/// # Errors
/// Fails when paused partitions cannot be resumed.
///
/// Normally the writer takes it within one HBase write. While it stays busy longer (HBase or
/// the broker is away and it is retrying), the partitions are paused and the consumer keeps
/// polling: that serves the group's heartbeats and rebalances, so the outage does not cost the
/// group membership, and the writer's next commit is not refused for it. A record that a poll
/// still returns meanwhile is kept in `carry` for the next batch.
fn hand_over(
    consumer: &GroupConsumer,
    to_writer: &std::sync::mpsc::SyncSender<Prepared>,
    mut batch: Prepared,
    carry: &mut Vec<OwnedMessage>,
) -> anyhow::Result<bool> {
    use std::sync::mpsc::TrySendError;

    let waiting = Instant::now();
    let mut paused = false;
    let handed = loop {
        batch = match to_writer.try_send(batch) {
            Ok(()) => break true,
            Err(TrySendError::Disconnected(_)) => break false,
            Err(TrySendError::Full(b)) => b,
        };
        if waiting.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        if !paused {
            paused = consumer.assignment().and_then(|tpl| consumer.pause(&tpl)).is_ok();
            debug!(paused, "the HBase writer is busy; serving the consumer group meanwhile");
        }
        if !paused {
            // Polling unpaused would fetch without limit while nothing is written.
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(msg)) => carry.push(msg.detach()),
            Some(Err(e)) => debug!(error = %e, "Kafka poll error while paused"),
            None => {}
        }
    };
    if paused {
        // Both calls are local to librdkafka; failing here would leave the partitions paused
        // for good, so stop rather than wait for records that would never come.
        consumer
            .assignment()
            .and_then(|tpl| consumer.resume(&tpl))
            .map_err(|e| anyhow::anyhow!("cannot resume the paused Kafka partitions: {e}"))?;
    }
    Ok(handed)
}

/// Checks every record of a batch and builds the HBase rows of the accepted ones.
fn prepare(
    config: &Config,
    routes: &HashMap<String, Route>,
    batch: Vec<OwnedMessage>,
    poll_ms: u64,
) -> Prepared {
    let mut out = Prepared {
        rows: BTreeMap::new(),
        refused: Vec::new(),
        next_offsets: HashMap::new(),
        stored: BTreeMap::new(),
        records: batch.len(),
        poll_ms,
    };
    for msg in batch {
        let route = &routes[msg.topic()];
        out.next_offsets.insert((msg.topic().to_string(), msg.partition()), msg.offset() + 1);
        let max = config.ingest.max_record_bytes;
        match validate::validate(route.topic, msg.payload(), max, &route.keys) {
            Ok(keys) => {
                add_rows(route, keys, msg.payload().unwrap_or_default(), &mut out.rows);
                *out.stored.entry(msg.topic().to_string()).or_default() += 1;
            }
            Err(rejection) => out.refused.push((msg, rejection.0)),
        }
    }
    out
}

/// Stores each batch in HBase, sets its refused records aside, then commits its offsets.
fn write_batches(
    config: &Config,
    consumer: &GroupConsumer,
    dlq: &DeadLetters,
    batches: std::sync::mpsc::Receiver<Prepared>,
    stop: &AtomicBool,
) -> anyhow::Result<IngestSummary> {
    let mut store = Store { config, hbase: None };
    let mut summary = IngestSummary::default();
    for batch in batches {
        let write_started = Instant::now();
        let rows: usize = batch.rows.values().map(Vec::len).sum();
        store.write(batch.rows, stop)?;
        summary.rows += rows as u64;
        let write_ms = write_started.elapsed().as_millis() as u64;
        for (msg, reason) in &batch.refused {
            debug!(topic = msg.topic(), partition = msg.partition(), offset = msg.offset(), %reason, "dead-lettered");
            dlq.send(msg, reason)?;
            *summary.dead_lettered.entry(msg.topic().to_string()).or_default() += 1;
        }
        if !batch.refused.is_empty() {
            dlq.flush(config, stop)?;
        }
        let step = Step {
            what: "Kafka offset commit",
            addr: &config.kafka.bootstrap_servers,
            if_stopped: "the batch is stored in HBase but its offsets are not committed; the \
                         next run stores it again, which adds no rows"
                .into(),
        };
        retry(&config.ingest, stop, &step, || commit(consumer, &batch.next_offsets))?;

        for (topic, n) in batch.stored {
            *summary.stored.entry(topic).or_default() += n;
        }
        summary.batches += 1;
        debug!(
            records = batch.records,
            refused = batch.refused.len(),
            poll_ms = batch.poll_ms,
            write_ms,
            batch_ms = write_started.elapsed().as_millis() as u64,
            "batch stored and committed"
        );
    }
    Ok(summary)
}

/// Maps each configured topic name to its table.
fn routes(config: &Config) -> anyhow::Result<HashMap<String, Route>> {
    let schema = Schema::builtin();
    let prefix = &config.hbase.table_prefix;
    let mut out = HashMap::new();
    for (topic, name) in Topic::ALL.into_iter().zip(config.kafka.topics.all()) {
        let spec = schema
            .for_topic(topic.name())
            .ok_or_else(|| anyhow::anyhow!("hbase/tables.toml has no table for {}", topic.name()))?
            .clone();
        let route = Route {
            topic,
            table: format!("{prefix}{}", spec.name),
            index_table: spec
                .time_field
                .as_ref()
                .map(|_| format!("{prefix}{}", spec.index_table())),
            family: spec.data_family().to_string(),
            keys: validate::KeyFields {
                id: spec.id_field.clone().unwrap_or_else(|| "id".into()),
                time: spec.time_field.clone(),
            },
        };
        out.insert(name.to_string(), route);
    }
    Ok(out)
}

fn consumer(config: &Config) -> anyhow::Result<GroupConsumer> {
    let mut cc = crate::kafka::base_config(&config.kafka);
    cc.set("group.id", &config.ingest.group_id)
        // Offsets are committed by hand, after HBase acknowledged the batch.
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // A dead broker must not stall shutdown for librdkafka's default of a minute and more.
        .set("session.timeout.ms", "30000");
    cc.create_with_context(OutageLog::new(&config.kafka.bootstrap_servers))
        .map_err(|e| anyhow::anyhow!("cannot create the ingest consumer: {e}"))
}

/// Adds records to `batch` until it holds `max` or `wait` passed without a new record.
fn poll_batch(
    consumer: &GroupConsumer,
    mut batch: Vec<OwnedMessage>,
    max: usize,
    wait: Duration,
) -> Vec<OwnedMessage> {
    batch.reserve(max.min(4096));
    let deadline = Instant::now() + wait;
    while batch.len() < max {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() && !batch.is_empty() {
            break;
        }
        match consumer.poll(left.max(Duration::from_millis(1))) {
            Some(Ok(msg)) => batch.push(msg.detach()),
            // librdkafka reconnects by itself and the consumer's context has logged the error;
            // a broker restart shows up here and passes. Pause briefly rather than spin on the
            // stream of errors an outage produces.
            Some(Err(e)) => {
                debug!(error = %e, "Kafka poll error");
                if !batch.is_empty() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            None => break,
        }
    }
    batch
}

/// Turns one accepted record into its main row and, with a time field, its index row.
///
/// The record is stored as the producer's JSON bytes, in one cell. HBase's cost is per cell:
/// one cell per field made ingest about 2.3 times slower in our measurements, for no gain to
/// point lookups, which read the whole record anyway.
fn add_rows(route: &Route, keys: validate::Keys, payload: &[u8], rows: &mut TableRows) {
    if let (Some(index), Some(time)) = (&route.index_table, &keys.time) {
        let key = time_key(&String::from_utf8_lossy(time), &String::from_utf8_lossy(&keys.id));
        let cell = (INDEX_FAMILY.to_string(), "id".to_string(), keys.id.clone());
        rows.entry(index.clone()).or_default().push((key, vec![cell]));
    }
    let cells = vec![(route.family.clone(), RECORD_QUALIFIER.to_string(), payload.to_vec())];
    rows.entry(route.table.clone()).or_default().push((keys.id, cells));
}

/// The HBase side: one connection, reopened after any failure.
struct Store<'a> {
    config: &'a Config,
    hbase: Option<HBase>,
}

impl Store<'_> {
    /// Writes every row, retrying with backoff until it succeeds or `stop` is set.
    fn write(&mut self, rows: TableRows, stop: &AtomicBool) -> anyhow::Result<()> {
        let pending: usize = rows.values().map(Vec::len).sum();
        let if_stopped = format!(
            "{pending} rows were not stored and their offsets not committed, so the next run \
             reads them again"
        );
        let step = Step { what: "HBase write", addr: &self.config.hbase.thrift_addr, if_stopped };
        retry(&self.config.ingest, stop, &step, || {
            let written = self.try_write(&rows);
            if written.is_err() {
                // A half-finished Thrift exchange leaves the connection unusable.
                self.hbase = None;
            }
            written
        })
    }

    fn try_write(&mut self, rows: &TableRows) -> anyhow::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if self.hbase.is_none() {
            self.hbase = Some(HBase::connect(&self.config.hbase)?);
        }
        let hbase = self.hbase.as_mut().expect("connected just above");
        for (table, rows) in rows {
            for chunk in rows.chunks(self.config.ingest.batch_size) {
                hbase.put_rows(table, chunk.to_vec())?;
            }
        }
        Ok(())
    }
}

/// A step that is retried while a server is away, for its log lines and its final error.
struct Step<'a> {
    what: &'a str,
    addr: &'a str,
    /// What the records' state is when the run is stopped before the step succeeded.
    if_stopped: String,
}

/// Runs `op` until it succeeds, waiting with exponential backoff between attempts, and gives up
/// only once `stop` is set: a server that restarts delays ingest but loses nothing.
fn retry<T>(
    cfg: &IngestConfig,
    stop: &AtomicBool,
    step: &Step<'_>,
    mut op: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(cfg.retry_initial_backoff)
        .with_max_delay(cfg.retry_max_backoff)
        .without_max_times()
        .build();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let e = match op() {
            Ok(v) => {
                if attempt > 1 {
                    info!(addr = step.addr, attempt, "{} succeeded after retries", step.what);
                }
                return Ok(v);
            }
            Err(e) => e,
        };
        let delay = delays.next().unwrap_or(cfg.retry_max_backoff);
        warn!(
            addr = step.addr, attempt, error = %e, retry_in_ms = delay.as_millis() as u64,
            "{} failed; nothing committed past it, retrying", step.what
        );
        // A signal can interrupt a call half-way; once stopped, make one more attempt before
        // giving up.
        if !sleep_unless_stopped(delay, stop) {
            return op().map_err(|last| {
                anyhow::anyhow!(
                    "stopped while the {} to {} was failing ({last}); {}",
                    step.what,
                    step.addr,
                    step.if_stopped
                )
            });
        }
    }
}

/// Sleeps `d` in short steps; false when `stop` was set meanwhile.
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
    }
    !stop.load(Ordering::Relaxed)
}

fn commit(consumer: &GroupConsumer, next: &HashMap<(String, i32), i64>) -> anyhow::Result<()> {
    let mut tpl = TopicPartitionList::new();
    for ((topic, partition), offset) in next {
        tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset))?;
    }
    consumer
        .commit(&tpl, CommitMode::Sync)
        .map_err(|e| anyhow::anyhow!("cannot commit offsets after storing the batch: {e}"))
}

/// Counts dead-letter deliveries that failed, so a lost one fails the batch before its commit.
struct DeliveryCounter {
    failed: AtomicU64,
    outage: OutageLog,
}

impl ClientContext for DeliveryCounter {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        self.outage.log(level, fac, message);
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        self.outage.error(error, reason);
    }
}

impl ProducerContext for DeliveryCounter {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {
        if let Err((e, _)) = result {
            warn!(error = %e, "dead-letter record not delivered");
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The producer of `<topic>.dlq` records.
struct DeadLetters {
    producer: BaseProducer<DeliveryCounter>,
}

impl DeadLetters {
    fn new(config: &Config) -> anyhow::Result<DeadLetters> {
        let mut pc = crate::kafka::base_config(&config.kafka);
        pc.set("enable.idempotence", "true")
            .set("acks", "all")
            // Refused records can be large (that may be why they were refused).
            .set("message.max.bytes", "16777216");
        let producer = pc
            .create_with_context(DeliveryCounter {
                failed: AtomicU64::new(0),
                outage: OutageLog::new(&config.kafka.bootstrap_servers),
            })
            .map_err(|e| anyhow::anyhow!("cannot create the dead-letter producer: {e}"))?;
        Ok(DeadLetters { producer })
    }

    fn send(&self, msg: &OwnedMessage, reason: &str) -> anyhow::Result<()> {
        let topic = crate::kafka::admin::dlq_topic(msg.topic());
        let headers = OwnedHeaders::new()
            .insert(Header { key: DLQ_REASON_HEADER, value: Some(reason) })
            .insert(Header {
                key: "ecomflow.source",
                value: Some(&format!("{}/{}@{}", msg.topic(), msg.partition(), msg.offset())),
            });
        let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&topic).headers(headers);
        if let Some(k) = msg.key() {
            record = record.key(k);
        }
        if let Some(p) = msg.payload() {
            record = record.payload(p);
        }
        let mut record = record;
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((e, r)) if is_queue_full(&e) => {
                    self.producer.poll(Duration::from_millis(100));
                    record = r;
                }
                Err((e, _)) => anyhow::bail!("cannot queue a dead-letter record for {topic}: {e}"),
            }
        }
    }

    /// Waits until every dead-letter record is acknowledged, through broker restarts.
    fn flush(&self, config: &Config, stop: &AtomicBool) -> anyhow::Result<()> {
        let step = Step {
            what: "dead-letter delivery",
            addr: &config.kafka.bootstrap_servers,
            if_stopped: "offsets not committed; the next run reads the batch again".into(),
        };
        let timeout = config.kafka.timeout;
        retry(&config.ingest, stop, &step, || {
            self.producer.flush(timeout).map_err(|e| {
                anyhow::anyhow!("dead-letter records not acknowledged in {timeout:?}: {e}")
            })
        })?;
        // A record librdkafka gave up on (after message.timeout.ms) is not sent again by a later
        // flush: fail the batch so that nothing after it is committed.
        let failed = self.producer.context().failed.swap(0, Ordering::Relaxed);
        if failed > 0 {
            anyhow::bail!("{failed} dead-letter records were not delivered; offsets not committed");
        }
        Ok(())
    }
}

fn is_queue_full(e: &rdkafka::error::KafkaError) -> bool {
    e.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::QueueFull)
}
