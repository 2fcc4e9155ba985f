//! Subcommands that glue a pipeline stage to the terminal: parse, run, print a summary.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::config::Config;
use crate::hbase::HBase;
use crate::hbase::schema::create_tables;
use crate::ingest::{self, IngestOptions};

/// `println!` that returns write errors instead of panicking, so `main` can treat a closed pipe
/// (`ecomflow lag | head`) as success.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}
pub(crate) use outln;

/// `ecomflow hbase init`: creates every table of `hbase/tables.toml` that is missing.
pub fn hbase_init(config: &Config) -> anyhow::Result<()> {
    let mut hbase = HBase::connect(&config.hbase)?;
    for t in create_tables(&mut hbase, &config.hbase)? {
        let status = if t.created { "created" } else { "exists" };
        let regions = if t.regions == 1 { "region" } else { "regions" };
        outln!("{status:<8} {}  ({} {regions})", t.table, t.regions);
    }
    Ok(())
}

/// `ecomflow ingest`.
pub fn ingest(config: &Config, until_caught_up: bool) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let summary = ingest::run(config, &IngestOptions { until_caught_up, stop })?;
    outln!("{:<32} {:>12} {:>12}", "topic", "stored", "dead-letter");
    for topic in config.kafka.topics.all() {
        outln!(
            "{topic:<32} {:>12} {:>12}",
            summary.stored.get(topic).unwrap_or(&0),
            summary.dead_lettered.get(topic).unwrap_or(&0)
        );
    }
    let total: u64 = summary.stored.values().sum();
    let secs = summary.seconds.max(1e-9);
    outln!(
        "stored {total} records as {} HBase rows in {:.1} s ({:.0} records/s, {:.0} rows/s)",
        summary.rows,
        summary.seconds,
        total as f64 / secs,
        summary.rows as f64 / secs
    );
    Ok(())
}

/// `ecomflow lag`.
pub fn lag(config: &Config) -> anyhow::Result<()> {
    let topics = config.kafka.topics.all();
    let parts = ingest::lag::group_lag(&config.kafka, &config.ingest.group_id, &topics)?;
    outln!("{:<32} {:>9} {:>12} {:>12} {:>10}", "topic", "partition", "committed", "end", "lag");
    for p in &parts {
        let committed = p.committed.map_or("-".to_string(), |c| c.to_string());
        outln!("{:<32} {:>9} {committed:>12} {:>12} {:>10}", p.topic, p.partition, p.high, p.lag());
    }
    outln!("total lag {}", parts.iter().map(|p| p.lag()).sum::<i64>());
    Ok(())
}

/// `ecomflow produce`: sends, then prints one line per topic.
pub fn produce(config: &Config, args: &crate::produce::ProduceArgs) -> anyhow::Result<()> {
    let summary = crate::produce::run(config, args)?;
    outln!("{:<32} {:>12} {:>14}", "topic", "records", "bytes");
    for (topic, (n, bytes)) in &summary.records {
        outln!("{topic:<32} {n:>12} {bytes:>14}");
    }
    let mb = summary.total_bytes() as f64 / 1e6;
    outln!(
        "acknowledged {} of {} records, {mb:.1} MB in {:.1} s ({:.1} MB/s, {:.0} records/s)",
        summary.acked,
        summary.total_records(),
        summary.seconds,
        mb / summary.seconds.max(1e-9),
        summary.total_records() as f64 / summary.seconds.max(1e-9)
    );
    Ok(())
}
