//! Synthetic data: the first stage of the pipeline, feeding the four Kafka topics.
//!
//! `ecomflow generate` writes a deterministic data set of e-commerce orders (with fraud labels)
//! and pharmaceutical shipments (modelled on the USAID SCMS delivery history) to one file per
//! topic; `ecomflow produce` sends the same records to Kafka through the streaming API, without
//! files. `docs/data-model.md` documents every field.
//!
//! Layout:
//! - [`model`]: the record structs and the [`Topic`] enum;
//! - `catalog`, `orders`, `shipments`: what is drawn and how (the fraud model, freight costs);
//! - `oversample`: the rare-value boost and SMOTE-like fraud neighbours;
//! - [`Dataset`]: the chunk plan and the ordered, parallel, bounded-memory rendering;
//! - `batch`: encoding into JSON Lines or CSV buffers with per-record keys;
//! - `writer` and [`cmd`]: files with temporary names, the CLI flags, progress and summary.
//!
//! Determinism: chunk `i` draws only from streams seeded by `(seed, i)`, and chunk sizes never
//! depend on the thread count, so the same seed and options give byte-identical output however
//! many threads run.

mod batch;
mod catalog;
pub mod cmd;
mod dataset;
pub mod model;
mod orders;
mod oversample;
mod rng;
mod shipments;
mod size;
mod writer;

pub use batch::{Batch, Format, Record, TopicBatches};
pub use cmd::{DatasetArgs, GenerateArgs, run};
pub use dataset::{CHUNK_LINES, CHUNK_ORDERS, ChunkId, ChunkRecords, Dataset, DatasetSpec, Volume};
pub use model::{
    DocKind, DocRef, FreightFact, FreightStatus, Measure, Order, ProductGroup, ProductLine,
    Shipment, ShipmentMode, Text, Topic,
};
pub use size::parse_size;
pub use writer::FileSummary;
