//! Subcommands that glue a pipeline stage to the terminal: parse, run, print a summary.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::config::Config;
use crate::error::usage;
use crate::hbase::HBase;
use crate::hbase::query::{self, RecordTable};
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

/// `ecomflow hbase get`: the stored JSON of each id, in the order given.
///
/// Ids that have no row are named on stderr after the others are printed, and the command
/// exits 1, so a script can tell a partial answer from a full one.
pub fn hbase_get(config: &Config, args: &crate::cli::HbaseGetArgs) -> anyhow::Result<()> {
    let table = RecordTable::named(&args.table, &config.hbase.table_prefix)?;
    if args.ids.iter().any(String::is_empty) {
        return Err(usage(format!(
            "an empty id; ids are the records' {} values",
            table.topic.key_field()
        )));
    }
    let mut hbase = HBase::connect(&config.hbase)?;
    hbase.require_tables([&table.table])?;
    let ids: Vec<Vec<u8>> = args.ids.iter().map(|id| id.as_bytes().to_vec()).collect();
    let mut missing = Vec::new();
    for (id, record) in args.ids.iter().zip(query::records(&mut hbase, &table, &ids)?) {
        match record {
            Some(json) => outln!("{}", String::from_utf8_lossy(&json)),
            None => missing.push(id.as_str()),
        }
    }
    if !missing.is_empty() {
        anyhow::bail!(
            "{} has no record with id {}; ids are the records' {} values",
            table.table,
            missing.join(", "),
            table.topic.key_field()
        );
    }
    Ok(())
}

/// `ecomflow hbase scan`: records in a time range, through the table's time index.
pub fn hbase_scan(config: &Config, args: &crate::cli::HbaseScanArgs) -> anyhow::Result<()> {
    let table = RecordTable::named(&args.table, &config.hbase.table_prefix)?;
    let from = query::time_bound("--from", &args.from, table.dated)?;
    let to = args.to.as_deref().map(|t| query::time_bound("--to", t, table.dated)).transpose()?;
    let (start, stop) = query::range_keys(&from, to.as_deref())?;
    let limit = (args.limit > 0).then_some(args.limit);

    let mut hbase = HBase::connect(&config.hbase)?;
    hbase.require_tables([&table.table, &table.index_table])?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // One record past the limit is read, not printed: it tells a range cut short by --limit
    // from one that holds exactly that many records.
    let mut printed = 0u64;
    let read = query::scan_time_range(
        &mut hbase,
        &table,
        (&start, &stop),
        limit.map(|l| l.saturating_add(1)),
        |json| {
            if limit != Some(printed) {
                out.write_all(json)?;
                out.write_all(b"\n")?;
                printed += 1;
            }
            Ok(())
        },
    )?;
    out.flush()?;
    if read > printed {
        eprintln!(
            "stopped after --limit {printed} records; `--limit 0` prints every record in the range"
        );
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
    let missing: Vec<&str> =
        topics.iter().copied().filter(|t| !parts.iter().any(|p| p.topic == *t)).collect();
    if !missing.is_empty() {
        eprintln!(
            "note: not on the cluster, so not counted: {} (check kafka.topics, or produce first)",
            missing.join(", ")
        );
    }
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
