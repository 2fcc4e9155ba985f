//! `ecomflow pipeline run`: the whole job on real servers, one stage after the other.
//!
//! check servers -> create HBase tables -> generate files -> produce them to Kafka -> ingest into
//! HBase until caught up -> run every Spark job -> render the report. A stage that fails stops
//! the run with its error; the table of finished stages is printed either way.
//!
//! Each run starts from empty topics (they are deleted and created again) and ingests with a
//! consumer group of its own, so the analytics count exactly the records of this run. HBase
//! rows are keyed by record id, so rows of an earlier run with the same seed are overwritten.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use tracing::info;

use crate::commands::outln;
use crate::config::Config;
use crate::generate::{DatasetArgs, Format, GenerateArgs};
use crate::ingest::{self, IngestOptions};
use crate::produce::{self, Compression, ProduceArgs};

/// Flags of `ecomflow pipeline run`.
#[derive(Debug, Clone, clap::Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,

    /// About 50 MB of data instead of --size (a quick look at the whole pipeline)
    #[arg(long, conflicts_with_all = ["size", "rows"])]
    pub quick: bool,

    /// Where the generated files go
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,

    /// Where the report goes
    #[arg(long, value_name = "DIR", default_value = "report")]
    pub out: PathBuf,
}

/// One finished stage.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: &'static str,
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
    pub seconds: f64,
}

/// Runs every stage and prints the stage table.
///
/// # Errors
/// The first stage's error, after printing the stages that finished.
pub fn run(config: &Config, args: &PipelineArgs) -> anyhow::Result<()> {
    let mut stages = Vec::new();
    // SIGINT/SIGTERM set this flag instead of killing the process: ingest commits what it
    // stored, a running job is recorded as CANCELLED, and no later stage starts.
    let stop = crate::spark::jobs::cli::stop_flag()?;
    let result = run_stages(config, args, &mut stages, &stop);
    print_stages(&stages, result.as_ref().err())?;
    result
}

fn run_stages(
    config: &Config,
    args: &PipelineArgs,
    stages: &mut Vec<Stage>,
    stop: &Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let mut dataset = args.dataset.clone();
    if args.quick {
        dataset.size = "50MB".into();
    }
    // Validate the data set flags before any server is touched.
    dataset.to_spec()?;

    stage(stages, stop, "check servers", || {
        let failed: Vec<String> = crate::doctor::run_checks(config)
            .into_iter()
            .filter_map(|c| c.result.err().map(|e| format!("{} ({}): {e:#}", c.service, c.address)))
            .collect();
        if failed.is_empty() {
            Ok((None, None))
        } else {
            anyhow::bail!("servers not ready: {}", failed.join("; "))
        }
    })?;

    stage(stages, stop, "hbase tables", || {
        let mut hbase = crate::hbase::HBase::connect(&config.hbase)?;
        let tables = crate::hbase::schema::create_tables(&mut hbase, &config.hbase)?;
        Ok((Some(tables.len() as u64), None))
    })?;

    stage(stages, stop, "generate", || {
        let gen_args = GenerateArgs {
            dataset: dataset.clone(),
            format: Format::Jsonl,
            out: args.data.clone(),
        };
        let (rows, bytes) = crate::generate::run(&gen_args)?;
        Ok((Some(rows), Some(bytes)))
    })?;

    stage(stages, stop, "produce", || {
        let names = config.kafka.topics.all();
        crate::kafka::admin::delete_topics(&config.kafka, &names)?;
        let produce_args = ProduceArgs {
            dataset: dataset.clone(),
            from: Some(args.data.clone()),
            rate: None,
            compression: Compression::Lz4,
        };
        let summary = produce::run(config, &produce_args)?;
        Ok((Some(summary.total_records()), Some(summary.total_bytes())))
    })?;

    stage(stages, stop, "ingest into hbase", || {
        let mut cfg = config.clone();
        // A group of its own: offsets committed by an earlier run on the deleted topics would
        // otherwise make the new topics look consumed already.
        cfg.ingest.group_id = format!("{}-{}", config.ingest.group_id, run_suffix());
        let opts = IngestOptions { until_caught_up: true, stop: Arc::clone(stop) };
        let summary = ingest::run(&cfg, &opts)?;
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            anyhow::bail!("interrupted; the stored records' offsets are committed");
        }
        let dead: u64 = summary.dead_lettered.values().sum();
        if dead > 0 {
            anyhow::bail!(
                "{dead} generated records were refused by the ingester; see the .dlq topics"
            );
        }
        Ok((Some(summary.stored.values().sum()), None))
    })?;

    stage(stages, stop, "spark jobs", || {
        let jobs = crate::spark::jobs::spec::list(&config.jobs.dir)?;
        let mut rows = 0;
        for job in &jobs {
            let outcome = crate::spark::jobs::runner::run_job(config, job, &[], stop)?;
            let run = &outcome.run;
            info!(job = %run.job, run_id = %run.id, status = %run.status, rows = run.rows_out, "job finished");
            if run.status != crate::spark::jobs::runs::Status::Succeeded {
                anyhow::bail!(
                    "job {} ended {}: {}",
                    run.job,
                    run.status,
                    run.error.as_deref().unwrap_or("no message")
                );
            }
            rows += run.rows_out;
        }
        Ok((Some(rows), None))
    })?;

    stage(stages, stop, "report", || {
        let summary = crate::report::render(config, &args.out)?;
        Ok((Some(summary.files.len() as u64), None))
    })?;
    Ok(())
}

/// Runs one stage, timing it and recording it when it succeeds.
fn stage(
    stages: &mut Vec<Stage>,
    stop: &AtomicBool,
    name: &'static str,
    f: impl FnOnce() -> anyhow::Result<(Option<u64>, Option<u64>)>,
) -> anyhow::Result<()> {
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        anyhow::bail!("interrupted before stage `{name}`");
    }
    info!(stage = name, "stage started");
    let started = Instant::now();
    let (rows, bytes) = f().map_err(|e| e.context(format!("stage `{name}` failed")))?;
    let seconds = started.elapsed().as_secs_f64();
    info!(stage = name, rows, bytes, seconds, "stage finished");
    stages.push(Stage { name, rows, bytes, seconds });
    Ok(())
}

fn run_suffix() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string()
}

fn print_stages(stages: &[Stage], error: Option<&anyhow::Error>) -> anyhow::Result<()> {
    let dash = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    outln!("{:<20} {:>12} {:>14} {:>9}", "stage", "rows", "bytes", "seconds");
    for s in stages {
        outln!("{:<20} {:>12} {:>14} {:>9.1}", s.name, dash(s.rows), dash(s.bytes), s.seconds);
    }
    let total: f64 = stages.iter().map(|s| s.seconds).sum();
    match error {
        None => outln!("{:<20} {:>12} {:>14} {:>9.1}", "total", "", "", total),
        Some(e) => outln!("stopped after {} stage(s), {total:.1} s: {e:#}", stages.len()),
    }
    Ok(())
}
