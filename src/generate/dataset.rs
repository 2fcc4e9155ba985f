//! The data set as a sequence of independent chunks: the streaming API that `generate` writes to
//! files and `produce` sends to Kafka.
//!
//! A [`DatasetSpec`] (size or rows, seed, dates, fraud shares, rare boost) becomes a [`Dataset`],
//! which plans a fixed number of chunks. Chunk `i` holds up to [`CHUNK_ORDERS`] orders and
//! [`CHUNK_LINES`] shipment lines, covers the `i`-th slice of the date range, and draws from its
//! own random streams seeded by `(seed, i)`. A chunk is therefore a pure function of the spec and
//! its index: rendering chunks on any number of threads, in any order, and concatenating them in
//! index order gives byte-identical output.
//!
//! ```no_run
//! use ecomflow::generate::{Dataset, DatasetSpec, Format, Topic, Volume};
//!
//! let spec = DatasetSpec { volume: Volume::Rows(10_000), ..DatasetSpec::default() };
//! let dataset = Dataset::new(spec, Format::Jsonl)?;
//! dataset.for_each_chunk(Format::Jsonl, 2, |_id, batches| {
//!     for record in batches[Topic::FraudAnalysis].records() {
//!         // send record.key / record.value to Kafka
//!         let _ = record;
//!     }
//!     Ok(())
//! })?;
//! # anyhow::Ok(())
//! ```

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use anyhow::bail;
use chrono::NaiveDate;

use super::batch::{Format, TopicBatches, int_key, text_key};
use super::model::{FreightFact, Order, ProductLine, Shipment, Topic};
use super::orders::{ChunkCtx, OrderModel, Window, to_order};
use super::oversample::{Oversampling, chunk_orders};
use super::rng::{self, Stream};
use super::shipments::ShipmentModel;
use crate::error::usage;

/// Orders in a full chunk. Together with [`CHUNK_LINES`] it fixes chunk boundaries, ids and
/// random streams, so changing it changes the data set.
pub const CHUNK_ORDERS: usize = 4096;
/// Shipment lines in a full chunk: a quarter of the orders, as in rows mode.
pub const CHUNK_LINES: usize = CHUNK_ORDERS / 4;

const DAY: i64 = 86_400;

/// How much to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Volume {
    /// About this many bytes over the four topics (JSON Lines or CSV, as encoded), within a few
    /// percent.
    Bytes(u64),
    /// Exactly this many orders (`fraud_analysis`), and a quarter as many, rounded up, shipment
    /// lines (`pharmaceutical_supply_chain`, `product_group_analytics`); `freight_cost_analytics`
    /// gets one record per shipment.
    Rows(u64),
}

/// Everything that decides the content of a data set, plus the thread count.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetSpec {
    /// Size or row count.
    pub volume: Volume,
    /// Seed of every random stream.
    pub seed: u64,
    /// First day of order times and scheduled deliveries.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// Fraud share of the base sample, in [0, 1].
    pub fraud_share: f64,
    /// Fraud share after oversampling, in [0, 1]; below `fraud_share` it changes nothing.
    pub fraud_target: f64,
    /// Rare-value boost factor, 1 (off) to 10.
    pub rare_boost: f64,
    /// Worker threads; does not change the data.
    pub threads: usize,
}

/// Defaults shared with the CLI: 1.25 GB, seed 42, the year 2024, 3 % base fraud raised to 8 %,
/// rare values boosted twofold, every core.
impl Default for DatasetSpec {
    fn default() -> Self {
        DatasetSpec {
            volume: Volume::Bytes(1_250_000_000),
            seed: 42,
            start: date(2024, 1, 1),
            end: date(2024, 12, 31),
            fraud_share: 0.03,
            fraud_target: 0.08,
            rare_boost: 2.0,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl DatasetSpec {
    /// Checks ranges and consistency.
    ///
    /// # Errors
    ///
    /// A usage error (exit code 2) naming the offending value and what is accepted.
    pub fn validate(&self) -> anyhow::Result<()> {
        match self.volume {
            Volume::Bytes(0) => return Err(usage("the size must be positive, e.g. 1.25GB")),
            Volume::Rows(0) => return Err(usage("--rows must be at least 1")),
            _ => {}
        }
        // Keeps every derived date (quotes up to a year before, deliveries after) representable.
        let (first, last) = (date(1900, 1, 1), date(2999, 12, 31));
        for (name, day) in [("--start", self.start), ("--end", self.end)] {
            if day < first || day > last {
                return Err(usage(format!(
                    "{name} {day} is outside the supported range {first} to {last}"
                )));
            }
        }
        if self.end < self.start {
            return Err(usage(format!(
                "--end {} is before --start {}; give an end date on or after the start",
                self.end, self.start
            )));
        }
        for (name, value) in
            [("--fraud-share", self.fraud_share), ("--fraud-target", self.fraud_target)]
        {
            if !(0.0..=1.0).contains(&value) {
                return Err(usage(format!(
                    "{name} {value} is outside [0, 1]; give a share such as 0.03"
                )));
            }
        }
        if !(1.0..=10.0).contains(&self.rare_boost) {
            return Err(usage(format!(
                "--rare-boost {} is outside [1, 10]; 1 turns the boost off",
                self.rare_boost
            )));
        }
        if self.threads == 0 {
            return Err(usage("--threads must be at least 1"));
        }
        Ok(())
    }
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    // Only called with constant, valid dates.
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

/// Index of a chunk, from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChunkId(pub u64);

/// One chunk's typed records, for callers that want structs rather than bytes (tests, analytics
/// checks).
#[derive(Clone, Debug, Default)]
pub struct ChunkRecords {
    /// `fraud_analysis`, sorted by event time.
    pub orders: Vec<Order>,
    /// `pharmaceutical_supply_chain`.
    pub shipments: Vec<Shipment>,
    /// `freight_cost_analytics`.
    pub freight: Vec<FreightFact>,
    /// `product_group_analytics`.
    pub product_lines: Vec<ProductLine>,
}

/// How many records the whole data set holds.
#[derive(Clone, Copy, Debug)]
struct Plan {
    orders: u64,
    lines: u64,
    chunks: u64,
}

impl Plan {
    fn new(orders: u64, lines: u64) -> Self {
        let chunks = orders.div_ceil(CHUNK_ORDERS as u64).max(lines.div_ceil(CHUNK_LINES as u64));
        Plan { orders, lines, chunks }
    }
}

/// A planned data set: the models, the chunk plan and the size estimate.
pub struct Dataset {
    spec: DatasetSpec,
    orders: OrderModel,
    shipments: ShipmentModel,
    /// `--start` midnight to the midnight after `--end`.
    span: Window,
    plan: Plan,
    /// Encoded bytes of a full chunk, measured on chunk 0 in the size format.
    full_chunk_bytes: u64,
}

impl Dataset {
    /// Validates `spec` and plans the chunks. In size mode, `format` is the encoding whose bytes
    /// are counted (the size differs between JSON Lines and CSV).
    ///
    /// # Errors
    ///
    /// A usage error when `spec` is invalid.
    pub fn new(spec: DatasetSpec, format: Format) -> anyhow::Result<Self> {
        spec.validate()?;
        let start = spec.start.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        let span = Window {
            start: start.timestamp(),
            end: start.timestamp() + ((spec.end - spec.start).num_days() + 1) * DAY,
        };
        let mut dataset = Dataset {
            orders: OrderModel::new(spec.seed, span, spec.fraud_share),
            shipments: ShipmentModel::new(),
            span,
            plan: Plan::new(CHUNK_ORDERS as u64, CHUNK_LINES as u64),
            full_chunk_bytes: 0,
            spec,
        };

        // Measure a full chunk once; it sizes size-mode runs and the disk-space check.
        let mut probe = TopicBatches::default();
        dataset.render_chunk_into(ChunkId(0), format, &mut probe);
        dataset.full_chunk_bytes = probe.total_bytes() as u64;

        let (orders, lines) = match dataset.spec.volume {
            Volume::Rows(n) => (n, n.div_ceil(4)),
            Volume::Bytes(target) => {
                let chunks = target as f64 / dataset.full_chunk_bytes as f64;
                let orders = (chunks * CHUNK_ORDERS as f64).round().max(1.0) as u64;
                (orders, (chunks * CHUNK_LINES as f64).round() as u64)
            }
        };
        dataset.plan = Plan::new(orders, lines);
        Ok(dataset)
    }

    /// The spec this data set was planned from.
    pub fn spec(&self) -> &DatasetSpec {
        &self.spec
    }

    /// Number of chunks.
    pub fn chunk_count(&self) -> u64 {
        self.plan.chunks
    }

    /// Every chunk id, in output order.
    pub fn chunks(&self) -> impl Iterator<Item = ChunkId> + use<> {
        (0..self.plan.chunks).map(ChunkId)
    }

    /// Orders in the whole data set (`fraud_analysis` records).
    pub fn total_orders(&self) -> u64 {
        self.plan.orders
    }

    /// Shipment lines in the whole data set (`pharmaceutical_supply_chain` and
    /// `product_group_analytics` records each).
    pub fn total_lines(&self) -> u64 {
        self.plan.lines
    }

    /// Expected encoded size of the whole data set in the format given to [`Dataset::new`].
    pub fn estimated_bytes(&self) -> u64 {
        let chunks = self.plan.orders as f64 / CHUNK_ORDERS as f64;
        (chunks * self.full_chunk_bytes as f64) as u64
    }

    /// Orders and lines in chunk `id`.
    fn chunk_sizes(&self, id: ChunkId) -> (usize, usize) {
        let take = |total: u64, per: usize| {
            total.saturating_sub(id.0.saturating_mul(per as u64)).min(per as u64) as usize
        };
        (take(self.plan.orders, CHUNK_ORDERS), take(self.plan.lines, CHUNK_LINES))
    }

    /// The slice of the date range that chunk `id` covers.
    fn window(&self, id: ChunkId) -> Window {
        let span = i128::from(self.span.end - self.span.start);
        let n = i128::from(self.plan.chunks.max(1));
        let at = |i: i128| self.span.start + (span * i / n) as i64;
        let i = i128::from(id.0);
        Window { start: at(i), end: at(i + 1).max(at(i) + 1) }
    }

    /// The typed records of chunk `id`.
    pub fn records(&self, id: ChunkId) -> ChunkRecords {
        let (order_count, line_count) = self.chunk_sizes(id);
        let window = self.window(id);
        let params = Oversampling {
            fraud_target: self.spec.fraud_target.max(self.spec.fraud_share),
            rare_boost: self.spec.rare_boost,
        };

        let mut rng = rng::stream(self.spec.seed, Stream::Orders, id.0);
        let mut ctx = ChunkCtx::new(window, id.0);
        let drafts = chunk_orders(&self.orders, &mut rng, &mut ctx, order_count, params);
        let first_order = id.0 * CHUNK_ORDERS as u64 + 1;
        let orders = drafts.iter().zip(first_order..).map(|(d, tx)| to_order(d, tx)).collect();

        let mut rng = rng::stream(self.spec.seed, Stream::Shipments, id.0);
        let first = id.0 * CHUNK_LINES as u64 + 1;
        let shipments =
            self.shipments.chunk(&mut rng, window, line_count, self.spec.rare_boost, first, first);

        ChunkRecords {
            orders,
            shipments: shipments.lines,
            freight: shipments.freight,
            product_lines: shipments.products,
        }
    }

    /// Renders chunk `id` in `format`.
    pub fn render_chunk(&self, id: ChunkId, format: Format) -> TopicBatches {
        let mut out = TopicBatches::default();
        self.render_chunk_into(id, format, &mut out);
        out
    }

    /// Renders chunk `id` into `out`, reusing its buffers. The first chunk of a CSV data set
    /// carries the header rows.
    pub fn render_chunk_into(&self, id: ChunkId, format: Format, out: &mut TopicBatches) {
        let records = self.records(id);
        let header = id.0 == 0;
        out.get_mut(Topic::PharmaceuticalSupplyChain).encode(
            format,
            header,
            &records.shipments,
            |s, k| int_key(s.id, k),
        );
        out.get_mut(Topic::FraudAnalysis)
            .encode(format, header, &records.orders, |o, k| int_key(o.transaction_id, k));
        out.get_mut(Topic::FreightCostAnalytics).encode(
            format,
            header,
            &records.freight,
            |f, k| text_key(&f.shipment_id, k),
        );
        out.get_mut(Topic::ProductGroupAnalytics).encode(
            format,
            header,
            &records.product_lines,
            |p, k| int_key(p.line_id, k),
        );
    }

    /// Renders every chunk on `threads` worker threads and hands them to `sink` on the calling
    /// thread, in chunk order.
    ///
    /// At most `2 * threads` chunks are rendered ahead of the one `sink` is waiting for, so
    /// memory stays bounded whatever the data set size; buffers are recycled between chunks.
    ///
    /// # Errors
    ///
    /// The first error `sink` returns; rendering stops soon after it.
    pub fn for_each_chunk<F>(
        &self,
        format: Format,
        threads: usize,
        mut sink: F,
    ) -> anyhow::Result<()>
    where
        F: FnMut(ChunkId, &TopicBatches) -> anyhow::Result<()>,
    {
        let threads = threads.max(1);
        let ahead = 2 * threads as u64;
        let total = self.plan.chunks;
        let shared = Shared {
            state: Mutex::new(State { next: 0, written: 0, stop: false, spare: Vec::new() }),
            wake: Condvar::new(),
        };
        let (tx, rx) = mpsc::channel::<(u64, TopicBatches)>();

        std::thread::scope(|scope| {
            for _ in 0..threads {
                let tx = tx.clone();
                let shared = &shared;
                scope.spawn(move || {
                    let _guard = StopOnPanic(shared);
                    while let Some((id, mut batches)) = shared.claim(total, ahead) {
                        self.render_chunk_into(ChunkId(id), format, &mut batches);
                        if tx.send((id, batches)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);

            let mut pending = BTreeMap::new();
            let mut next = 0;
            let result = (|| {
                while next < total {
                    let Ok((id, batches)) = rx.recv() else {
                        bail!("a generator thread stopped before chunk {next} was rendered");
                    };
                    pending.insert(id, batches);
                    while let Some(batches) = pending.remove(&next) {
                        sink(ChunkId(next), &batches)?;
                        next += 1;
                        let mut state = shared.lock();
                        state.written = next;
                        state.spare.push(batches);
                        shared.wake.notify_all();
                    }
                }
                Ok(())
            })();
            if result.is_err() {
                shared.lock().stop = true;
                shared.wake.notify_all();
            }
            drop(rx);
            result
        })
    }
}

/// Coordination between the workers and the ordered consumer.
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    /// Next chunk to hand to a worker.
    next: u64,
    /// Chunks already consumed, in order.
    written: u64,
    stop: bool,
    /// Consumed batches whose buffers workers reuse.
    spare: Vec<TopicBatches>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a worker panicked; the state is still consistent, and the
        // panic itself resurfaces when the scope joins the thread.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next chunk to render and a buffer for it, once it is within the window ahead of the
    /// consumer; `None` when all are claimed or the run stopped.
    fn claim(&self, total: u64, ahead: u64) -> Option<(u64, TopicBatches)> {
        let mut state = self.lock();
        loop {
            if state.stop || state.next >= total {
                return None;
            }
            if state.next < state.written + ahead {
                break;
            }
            state = self.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let id = state.next;
        state.next += 1;
        Some((id, state.spare.pop().unwrap_or_default()))
    }
}

/// Stops the run if a worker panics, so the other workers and the consumer do not wait for a
/// chunk that will never come.
struct StopOnPanic<'a>(&'a Shared);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().stop = true;
            self.0.wake.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn rows(n: u64) -> DatasetSpec {
        DatasetSpec { volume: Volume::Rows(n), threads: 2, ..DatasetSpec::default() }
    }

    fn collect(dataset: &Dataset, format: Format, threads: usize) -> Vec<u8> {
        let mut out = Vec::new();
        dataset
            .for_each_chunk(format, threads, |_, batches| {
                for (_, batch) in batches.iter() {
                    out.extend_from_slice(batch.bytes());
                }
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn rows_mode_gives_exact_counts() {
        for n in [1, 10, 4095, 4097, 9000] {
            let dataset = Dataset::new(rows(n), Format::Jsonl).unwrap();
            let (mut orders, mut lines) = (0, 0);
            for id in dataset.chunks() {
                let r = dataset.records(id);
                orders += r.orders.len() as u64;
                lines += r.shipments.len() as u64;
                assert_eq!(r.shipments.len(), r.product_lines.len());
            }
            assert_eq!(orders, n);
            assert_eq!(lines, n.div_ceil(4));
        }
    }

    #[test]
    fn output_does_not_depend_on_thread_count() {
        let dataset = Dataset::new(rows(20_000), Format::Jsonl).unwrap();
        assert!(dataset.chunk_count() > 4);
        let one = collect(&dataset, Format::Jsonl, 1);
        assert_eq!(one, collect(&dataset, Format::Jsonl, 3));
        let csv = Dataset::new(rows(9000), Format::Csv).unwrap();
        assert_eq!(collect(&csv, Format::Csv, 1), collect(&csv, Format::Csv, 2));
    }

    #[test]
    fn seeds_change_the_data() {
        let a = Dataset::new(rows(500), Format::Jsonl).unwrap();
        let b = Dataset::new(DatasetSpec { seed: 7, ..rows(500) }, Format::Jsonl).unwrap();
        assert_ne!(collect(&a, Format::Jsonl, 1), collect(&b, Format::Jsonl, 1));
    }

    #[test]
    fn size_mode_lands_near_the_target() {
        let target = 40_000_000;
        let spec = DatasetSpec { volume: Volume::Bytes(target), ..rows(1) };
        let dataset = Dataset::new(spec, Format::Jsonl).unwrap();
        let got = collect(&dataset, Format::Jsonl, 2).len() as f64;
        let error = (got - target as f64).abs() / target as f64;
        assert!(error < 0.03, "{got} bytes for a {target} target");
        assert!((dataset.estimated_bytes() as f64 - got).abs() / got < 0.03);
    }

    #[test]
    fn ids_are_unique_across_chunks_and_times_inside_the_range() {
        let dataset = Dataset::new(rows(12_000), Format::Jsonl).unwrap();
        let (start, end) = (dataset.span.start, dataset.span.end);
        let mut tx = HashSet::new();
        let mut lines = HashSet::new();
        for id in dataset.chunks() {
            let r = dataset.records(id);
            for o in &r.orders {
                assert!(tx.insert(o.transaction_id));
                let t = o.event_time.timestamp();
                assert!(t >= start && t < end);
            }
            for s in &r.shipments {
                assert!(lines.insert(s.id));
            }
        }
    }

    #[test]
    fn sink_errors_stop_the_run() {
        let dataset = Dataset::new(rows(40_000), Format::Jsonl).unwrap();
        let mut seen = 0;
        let err = dataset
            .for_each_chunk(Format::Jsonl, 2, |id, _| {
                seen += 1;
                if id.0 == 2 { bail!("disk full") } else { Ok(()) }
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(seen, 3);
    }

    #[test]
    fn invalid_specs_are_usage_errors() {
        let bad = [
            DatasetSpec { volume: Volume::Rows(0), ..rows(1) },
            DatasetSpec { fraud_share: 1.5, ..rows(1) },
            DatasetSpec { fraud_target: -0.1, ..rows(1) },
            DatasetSpec { rare_boost: 0.5, ..rows(1) },
            DatasetSpec { threads: 0, ..rows(1) },
            DatasetSpec { end: date(2023, 1, 1), ..rows(1) },
            DatasetSpec { start: date(1800, 1, 1), ..rows(1) },
        ];
        for spec in bad {
            let err = Dataset::new(spec.clone(), Format::Jsonl).err().unwrap();
            assert!(err.downcast_ref::<crate::error::UsageError>().is_some(), "{spec:?}");
        }
    }
}
