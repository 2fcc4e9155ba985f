//! `ecomflow produce`: the data set into its four Kafka topics.
//!
//! Records come straight from the generator (rendered in parallel, sent in chunk order, so the
//! same seed always sends the same records in the same order) or from the JSON Lines files that
//! `ecomflow generate` wrote. Each record is keyed by its entity id, so a given order or
//! shipment always lands in the same partition.

pub mod sender;

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use tracing::info;

use crate::config::Config;
use crate::error::usage;
use crate::generate::{Dataset, DatasetArgs, Format, Topic};
use sender::{MAX_RECORD_BYTES, ProduceSummary, Sender, pacing_delay, pacing_interval};

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
/// A usage error for bad flags or a `--from` file with a line that is not a record of its topic
/// (found before anything is sent); a run-time error when Kafka refuses the topics or does not
/// acknowledge every record.
pub fn run(config: &Config, args: &ProduceArgs) -> anyhow::Result<ProduceSummary> {
    let names = config.kafka.topics.all();
    // Validate every input before touching Kafka, so bad input creates and sends nothing.
    let source = match &args.from {
        Some(dir) => {
            let files = input_files(dir, &names)?;
            check_files(&files)?;
            Source::Files(files)
        }
        None => Source::Generator(Box::new(Dataset::new(args.dataset.to_spec()?, Format::Jsonl)?)),
    };
    // Topics first: a producer starts connecting as soon as it exists, and with no broker there
    // it would log every failed attempt while topic creation waits for its timeout.
    crate::kafka::admin::ensure_topics(&config.kafka, &names)?;
    let mut sender = Sender::new(&config.kafka, args.compression.name())?;
    let mut pacer = Pacer::new(args.rate);
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
                        pacer.pace(sent);
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
            let mut line = Vec::new();
            for (topic, path) in files {
                let name = names[topic.index()];
                let mut lines = open(&path)?;
                let mut n = 0u64;
                while let Some(len) = next_line(&mut lines, &mut line)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
                {
                    n += 1;
                    read += len + 1;
                    if line.is_empty() {
                        continue;
                    }
                    // `check_files` passed every line, so this fails only when the file was
                    // changed since; what was sent by then stays sent.
                    let key = record_key(topic, &line).map_err(|bad| {
                        anyhow::anyhow!(
                            "{}:{n}: {bad}; the file changed after it was checked, and the \
                             {sent} records before this line were sent",
                            path.display()
                        )
                    })?;
                    sender.send(name, key.as_bytes(), &line)?;
                    sent += 1;
                    pacer.pace(sent);
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

/// Holds sending back to `--rate` records per second, counted from its creation.
struct Pacer {
    rate: f64,
    /// Records between two clock checks, from [`pacing_interval`].
    every: u64,
    started: Instant,
}

impl Pacer {
    fn new(rate: Option<f64>) -> Pacer {
        let rate = rate.unwrap_or(0.0);
        Pacer { rate, every: pacing_interval(rate), started: Instant::now() }
    }

    /// Called after each record with the count sent so far.
    fn pace(&mut self, sent: u64) {
        if self.rate > 0.0 && sent % self.every == 0 {
            std::thread::sleep(pacing_delay(sent, self.rate, self.started.elapsed()));
        }
    }
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

/// Checks every line of `files` the way the sending pass reads it, so that a bad file is
/// refused before the first record goes out instead of after part of it was sent.
///
/// # Errors
/// A usage error naming the file and line of the first line that is not a record of its topic
/// or is over [`MAX_RECORD_BYTES`], and what is accepted instead.
fn check_files(files: &[(Topic, PathBuf)]) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut line = Vec::new();
    let mut records = 0u64;
    for (topic, path) in files {
        let mut lines = open(path)?;
        let mut n = 0u64;
        while let Some(len) = next_line(&mut lines, &mut line)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
        {
            n += 1;
            if len == 0 {
                continue;
            }
            let checked = if line.len() as u64 != len {
                Err(BadRecord::TooLarge(len))
            } else {
                record_key(*topic, &line).and_then(|key| {
                    let size = key.len() + line.len();
                    if size > MAX_RECORD_BYTES {
                        Err(BadRecord::TooLarge(size as u64))
                    } else {
                        Ok(())
                    }
                })
            };
            if let Err(bad) = checked {
                return Err(usage(format!(
                    "{}:{n}: {bad}; nothing was sent; produce accepts one JSON object per line \
                     with a string or number `{}` field, at most {MAX_RECORD_BYTES} bytes with \
                     its key, as `ecomflow generate --format jsonl` writes",
                    path.display(),
                    topic.key_field()
                )));
            }
            records += 1;
        }
    }
    info!(records, seconds = started.elapsed().as_secs_f64(), "checked the input files");
    Ok(())
}

fn open(path: &Path) -> anyhow::Result<BufReader<File>> {
    let file =
        File::open(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Reads the next line into `line`, without its newline, and returns its length; `None` at the
/// end of the input. A line over [`MAX_RECORD_BYTES`] is skipped rather than held in memory:
/// `line` then keeps only its start, and the length returned is the whole line's.
fn next_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<Option<u64>> {
    line.clear();
    let read = input.by_ref().take(MAX_RECORD_BYTES as u64 + 1).read_until(b'\n', line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(Some(line.len() as u64));
    }
    if line.len() <= MAX_RECORD_BYTES {
        // The last line, without a newline at its end.
        return Ok(Some(line.len() as u64));
    }
    let mut len = line.len() as u64;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(Some(len));
        }
        if let Some(end) = buf.iter().position(|&b| b == b'\n') {
            input.consume(end + 1);
            return Ok(Some(len + end as u64));
        }
        let skipped = buf.len();
        input.consume(skipped);
        len += skipped as u64;
    }
}

/// Why a line is not a record that `produce` can send.
#[derive(Debug, Clone, Copy, PartialEq)]
enum BadRecord {
    /// Not valid JSON; the column of the first error.
    Json(usize),
    NotAnObject,
    NoKey(&'static str),
    /// The key field holds something other than a string or a number.
    KeyType(&'static str),
    /// Key and value together are this many bytes, over [`MAX_RECORD_BYTES`].
    TooLarge(u64),
}

impl fmt::Display for BadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadRecord::Json(column) => write!(f, "not valid JSON (column {column})"),
            BadRecord::NotAnObject => f.write_str("not a JSON object"),
            BadRecord::NoKey(field) => write!(f, "no `{field}` field"),
            BadRecord::KeyType(field) => write!(f, "`{field}` is not a string or a number"),
            BadRecord::TooLarge(bytes) => write!(f, "a record of {bytes} bytes"),
        }
    }
}

/// The key field of a JSON record as text, the way the generator keys its records.
///
/// Only the key is decoded; every other value is checked for valid JSON and skipped, which costs
/// far less than building a `serde_json::Value` for the whole line. A key without escapes is
/// borrowed from `line`.
fn record_key(topic: Topic, line: &[u8]) -> Result<Cow<'_, str>, BadRecord> {
    let field = topic.key_field();
    // A visitor that took only objects would report other values as a type error, which reads
    // like a problem with the key; looking at the first byte keeps the two apart.
    if line.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<IgnoredAny>(line) {
            Ok(_) => Err(BadRecord::NotAnObject),
            Err(e) => Err(BadRecord::Json(e.column())),
        };
    }
    let mut de = serde_json::Deserializer::from_slice(line);
    let key = KeyOf(field)
        .deserialize(&mut de)
        .and_then(|key| de.end().map(|()| key))
        .map_err(|e| BadRecord::Json(e.column()))?;
    match key {
        Some(Some(key)) => Ok(key),
        Some(None) => Err(BadRecord::KeyType(field)),
        None => Err(BadRecord::NoKey(field)),
    }
}

/// Finds the field named `.0` in a JSON object: `None` when there is none, `Some(None)` when
/// it is not a string or a number.
struct KeyOf(&'static str);

impl<'de> DeserializeSeed<'de> for KeyOf {
    type Value = Option<Option<Cow<'de, str>>>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeyOf {
    type Value = Option<Option<Cow<'de, str>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut key = None;
        while let Some(is_key) = map.next_key_seed(IsField(self.0))? {
            if is_key {
                // A repeated field counts by its last value, as serde_json's own maps do.
                key = Some(map.next_value::<KeyText>()?.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(key)
    }
}

/// Compares an object's field name with `.0` without allocating it.
struct IsField(&'static str);

impl<'de> DeserializeSeed<'de> for IsField {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for IsField {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<bool, E> {
        Ok(name == self.0)
    }
}

/// A key value as text: strings as they are, numbers as serde_json prints them; `None` for
/// any other JSON value, which is still read through to check it.
struct KeyText<'de>(Option<Cow<'de, str>>);

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(KeyTextVisitor)
    }
}

struct KeyTextVisitor;

impl<'de> Visitor<'de> for KeyTextVisitor {
    type Value = KeyText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(KeyText(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(KeyText(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(KeyText(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(KeyText(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(KeyText(serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string()))))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(KeyText(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(KeyText(None))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(KeyText(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(KeyText(None))
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
        assert_eq!(record_key(Topic::FraudAnalysis, br#"{"transaction_id":-3}"#).unwrap(), "-3");
        assert_eq!(record_key(Topic::FraudAnalysis, br#"{"transaction_id":2.5}"#).unwrap(), "2.5");
        // Escapes are decoded, so the key is the string's text, not its JSON spelling.
        assert_eq!(
            record_key(Topic::FraudAnalysis, br#"{"transaction_id":"a\"b"}"#).unwrap(),
            "a\"b"
        );
        // Nested values and other fields, including one named like the key, are skipped.
        let line = br#" {"a":{"transaction_id":1},"b":[1,{"c":null}],"transaction_id":"T-9"} "#;
        assert_eq!(record_key(Topic::FraudAnalysis, line).unwrap(), "T-9");
    }

    #[test]
    fn lines_that_are_not_records_say_why() {
        let key = |line: &[u8]| record_key(Topic::FraudAnalysis, line).unwrap_err();
        assert_eq!(key(br#"{"id":1}"#), BadRecord::NoKey("transaction_id"));
        assert_eq!(key(br#"{"transaction_id":null}"#), BadRecord::KeyType("transaction_id"));
        assert_eq!(key(br#"{"transaction_id":{"x":1}}"#), BadRecord::KeyType("transaction_id"));
        assert_eq!(key(b"garbage line"), BadRecord::Json(1));
        assert_eq!(key(br#"{"transaction_id":1,}"#), BadRecord::Json(21));
        assert_eq!(key(br#"{"transaction_id":1} x"#), BadRecord::Json(22));
        assert_eq!(key(br#"{"transaction_id":1"#), BadRecord::Json(19));
        assert_eq!(key(br#"{"transaction_id":1,"v":[1,2}"#), BadRecord::Json(29));
        assert_eq!(key(br#"[{"transaction_id":1}]"#), BadRecord::NotAnObject);
        assert_eq!(key(b"42"), BadRecord::NotAnObject);
    }

    #[test]
    fn long_lines_are_measured_without_being_kept() {
        let long = "x".repeat(MAX_RECORD_BYTES + 10);
        let text = format!("{{\"id\":1}}\n\n{long}\nlast");
        let mut input = std::io::Cursor::new(text.as_bytes());
        let mut line = Vec::new();
        assert_eq!(next_line(&mut input, &mut line).unwrap(), Some(8));
        assert_eq!(line, br#"{"id":1}"#);
        assert_eq!(next_line(&mut input, &mut line).unwrap(), Some(0));
        assert_eq!(next_line(&mut input, &mut line).unwrap(), Some(long.len() as u64));
        assert_eq!(line.len(), MAX_RECORD_BYTES + 1);
        assert_eq!(next_line(&mut input, &mut line).unwrap(), Some(4));
        assert_eq!(line, b"last");
        assert_eq!(next_line(&mut input, &mut line).unwrap(), None);

        // A line just at the limit is kept whole.
        let fits = "y".repeat(MAX_RECORD_BYTES);
        let mut input = std::io::Cursor::new(fits.as_bytes());
        assert_eq!(next_line(&mut input, &mut line).unwrap(), Some(MAX_RECORD_BYTES as u64));
        assert_eq!(line.len(), MAX_RECORD_BYTES);
    }

    /// The four input files in a temporary directory, with `fraud` as the fraud_analysis file.
    fn input_dir(fraud: &str) -> (tempfile::TempDir, Vec<(Topic, PathBuf)>) {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for topic in Topic::ALL {
            let path = dir.path().join(format!("{}.jsonl", topic.name()));
            let text = match topic {
                Topic::FraudAnalysis => fraud.to_string(),
                _ => format!("{{\"{}\":1}}\n", topic.key_field()),
            };
            std::fs::write(&path, text).unwrap();
            files.push((topic, path));
        }
        (dir, files)
    }

    #[test]
    fn a_bad_line_anywhere_refuses_the_files_before_sending() {
        // Regression: a bad line in the middle used to stop `produce` after the lines before
        // it were already sent.
        let good = "{\"transaction_id\":1}\n".repeat(1499);
        let (_dir, files) = input_dir(&format!("{good}garbage line\n{good}"));
        let err = check_files(&files).unwrap_err();
        assert!(err.downcast_ref::<crate::error::UsageError>().is_some(), "exit code 2");
        let message = err.to_string();
        assert!(
            message.contains("fraud_analysis.jsonl:1500: not valid JSON (column 1)"),
            "{message}"
        );
        assert!(message.contains("nothing was sent"), "{message}");
        assert!(message.contains("`transaction_id`"), "{message}");
        assert!(!message.contains('\n'), "{message}");

        let (_dir, files) = input_dir(&format!("{good}\n{good}"));
        check_files(&files).unwrap();
    }

    #[test]
    fn records_over_the_topic_limit_are_refused_before_sending() {
        // Regression: a 1.2 MB line used to fail in Kafka with MessageSizeTooLarge.
        let big = format!("{{\"transaction_id\":\"k\",\"v\":\"{}\"}}\n", "x".repeat(1_200_000));
        let (_dir, files) = input_dir(&big);
        check_files(&files).unwrap();

        let pad = MAX_RECORD_BYTES - r#"{"transaction_id":"k","v":""}"#.len();
        let at_limit = format!("{{\"transaction_id\":\"k\",\"v\":\"{}\"}}\n", "x".repeat(pad));
        let (_dir, files) = input_dir(&at_limit);
        let message = check_files(&files).unwrap_err().to_string();
        // The key counts too: the line fits, the record with its key does not.
        let size = MAX_RECORD_BYTES + 1;
        assert!(message.contains(&format!(":1: a record of {size} bytes")), "{message}");
        assert!(message.contains(&format!("at most {MAX_RECORD_BYTES} bytes")), "{message}");

        let (_dir, files) = input_dir(&format!("{{}}{}\n", " ".repeat(MAX_RECORD_BYTES + 5)));
        let message = check_files(&files).unwrap_err().to_string();
        let size = MAX_RECORD_BYTES + 7;
        assert!(message.contains(&format!(":1: a record of {size} bytes")), "{message}");
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
