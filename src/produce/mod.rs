//! `ecomflow produce`: the data set into its four Kafka topics.
//!
//! Records come straight from the generator (rendered in parallel, sent in chunk order, so the
//! same seed always sends the same records in the same order) or from the JSON Lines files that
//! `ecomflow generate` wrote. Each record is keyed by its entity id, so a given order or
//! shipment always lands in the same partition.

pub mod sender;

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use tracing::info;

use crate::config::Config;
use crate::error::usage;
use crate::generate::{Dataset, DatasetArgs, Format, Topic};
use sender::{ProduceSummary, Sender, pacing_delay};

/// Compression codecs librdkafka is built with here.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Compression {
    None,
    Lz4,
    Zstd,
    Gzip,
    Snappy,
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
        }
    }
}

/// Flags of `ecomflow produce`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProduceArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,

    /// Send the `<topic>.jsonl` files `ecomflow generate` wrote to DIR instead of generating
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,

    /// Records per second over all topics, to simulate a live stream: N or N/s [default: as
    /// fast as possible]
    #[arg(long, value_name = "N", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// Compression of record batches
    #[arg(long, value_enum, default_value_t = Compression::Lz4)]
    pub compression: Compression,
}

/// `--rate`: records per second, written `N` or `N/s`, more than zero.
fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.trim().strip_suffix("/s").unwrap_or(text.trim());
    match number.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err("expected records per second > 0, as N or N/s (e.g. 5000/s)".into()),
    }
}

/// Runs `produce` and prints its summary.
///
/// # Errors
/// A usage error for bad flags or an unreadable `--from`; a run-time error when Kafka refuses
/// the topics or does not acknowledge every record.
pub fn run(config: &Config, args: &ProduceArgs) -> anyhow::Result<ProduceSummary> {
    let names = config.kafka.topics.all();
    // Validate every input before touching Kafka, so bad input creates nothing.
    let source = match &args.from {
        Some(dir) => Source::Files(input_files(dir, &names)?),
        None => Source::Generator(Box::new(Dataset::new(args.dataset.to_spec()?, Format::Jsonl)?)),
    };
    crate::kafka::admin::ensure_topics(&config.kafka, &names)?;
    let mut sender = Sender::new(&config.kafka, args.compression.name())?;
    let rate = args.rate.unwrap_or(0.0);
    let started = Instant::now();
    let mut sent = 0u64;

    match source {
        Source::Generator(dataset) => {
            // Freight records depend on how lines group into shipments, so the record count is
            // known only once generated; chunks are known up front and measure progress exactly.
            let bar = progress_bar(dataset.chunk_count());
            info!(chunks = dataset.chunk_count(), "producing generated data");
            let threads = dataset.spec().threads;
            dataset.for_each_chunk(Format::Jsonl, threads, |_, batches| {
                for (topic, batch) in batches.iter() {
                    let name = names[topic.index()];
                    for r in batch.records() {
                        sender.send(name, r.key, r.value)?;
                        sent += 1;
                        pace(sent, rate, started);
                    }
                }
                bar.inc(1);
                bar.set_message(format!("{sent} records"));
                Ok(())
            })?;
            bar.finish_and_clear();
        }
        Source::Files(files) => {
            let total: u64 =
                files.iter().filter_map(|(_, p)| p.metadata().ok()).map(|m| m.len()).sum();
            let bar = progress_bar(total);
            let mut read = 0u64;
            for (topic, path) in files {
                let name = names[topic.index()];
                let file = std::fs::File::open(&path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                for (n, line) in BufReader::with_capacity(1 << 20, file).split(b'\n').enumerate() {
                    let line = line?;
                    read += line.len() as u64 + 1;
                    if line.is_empty() {
                        continue;
                    }
                    let key = record_key(topic, &line).ok_or_else(|| {
                        usage(format!(
                            "{}:{}: not a {} record (no `{}` field); produce sends JSON Lines \
                             written by `ecomflow generate --format jsonl`",
                            path.display(),
                            n + 1,
                            topic.name(),
                            topic.key_field()
                        ))
                    })?;
                    sender.send(name, key.as_bytes(), &line)?;
                    sent += 1;
                    pace(sent, rate, started);
                    if sent % 10_000 == 0 {
                        bar.set_position(read);
                        bar.set_message(format!("{sent} records"));
                    }
                }
            }
            bar.finish_and_clear();
        }
    }
    sender.finish()
}

enum Source {
    Generator(Box<Dataset>),
    Files(Vec<(Topic, PathBuf)>),
}

/// The four `<topic>.jsonl` files in `dir`; every one must exist.
fn input_files(dir: &Path, names: &[&str; 4]) -> anyhow::Result<Vec<(Topic, PathBuf)>> {
    if !dir.is_dir() {
        return Err(usage(format!("--from {}: not a directory", dir.display())));
    }
    let mut out = Vec::new();
    for topic in Topic::ALL {
        // `generate` names files after the built-in topic names, whatever the configuration.
        let path = dir.join(format!("{}.jsonl", topic.name()));
        if !path.is_file() {
            return Err(usage(format!(
                "--from {}: missing {}; expected the four .jsonl files of `ecomflow generate \
                 --format jsonl` ({})",
                dir.display(),
                path.file_name().unwrap_or_default().to_string_lossy(),
                names.join(", ")
            )));
        }
        out.push((topic, path));
    }
    Ok(out)
}

/// The key field of a JSON record as text, the way the generator keys its records.
fn record_key(topic: Topic, line: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(line).ok()?;
    match value.get(topic.key_field())? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn pace(sent: u64, rate: f64, started: Instant) {
    // Checking every record would make the clock the bottleneck; every 100 is smooth enough.
    if rate > 0.0 && sent % 100 == 0 {
        std::thread::sleep(pacing_delay(sent, rate, started.elapsed()));
    }
}

/// A bar over `len` units of input (chunks or bytes), with the records sent as its message.
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} produce [{bar:40}] {percent:>3}% {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_the_topic_key_field() {
        assert_eq!(record_key(Topic::FraudAnalysis, br#"{"transaction_id":42}"#).unwrap(), "42");
        assert_eq!(
            record_key(Topic::FreightCostAnalytics, br#"{"shipment_id":"ASN-7"}"#).unwrap(),
            "ASN-7"
        );
        assert!(record_key(Topic::FraudAnalysis, br#"{"id":1}"#).is_none());
        assert!(record_key(Topic::FraudAnalysis, b"not json").is_none());
    }

    #[test]
    fn rates_are_positive_records_per_second() {
        assert_eq!(parse_rate("5000"), Ok(5000.0));
        assert_eq!(parse_rate("5000/s"), Ok(5000.0));
        assert_eq!(parse_rate("0.5/s"), Ok(0.5));
        for bad in ["0", "-3", "fast", "5000/min", "NaN", "inf", ""] {
            assert!(parse_rate(bad).unwrap_err().contains("N or N/s"), "{bad}");
        }
    }
}
