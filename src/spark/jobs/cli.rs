//! The job subcommands: `jobs list`, `submit`, `run-jobs --all` and `runs`.
//!
//! Exit codes follow `main`: a job that FAILED or was CANCELLED is an error (1); an unknown job
//! or parameter is a usage error (2). Both are recorded in `job_runs` first.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde_json::Value;

use super::runner::{RunOutcome, run_job};
use super::runs::{self, JobRun, Status};
use super::spec::{self, JobSpec};
use crate::commands::outln;
use crate::config::Config;
use crate::hbase::HBase;
use crate::insights::ResultSet;

/// Flags of `ecomflow submit`.
#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// A job name from `ecomflow jobs list`, or a path to a .sql file (one without a header
    /// runs as an ad-hoc job named after the file)
    pub job: String,
    /// A parameter value, NAME=VALUE; repeat for several
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Result rows to print per result set (0 prints only the counts)
    #[arg(long, default_value_t = 5)]
    pub show: usize,
}

/// Flags of `ecomflow run-jobs`.
#[derive(Debug, clap::Args)]
pub struct RunJobsArgs {
    /// Run every job of `ecomflow jobs list` with its default parameters
    #[arg(long, required = true)]
    pub all: bool,
}

/// Flags of `ecomflow runs`.
#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    /// Only the runs of this job
    #[arg(long)]
    pub job: Option<String>,
    /// Show at most this many runs, the newest
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// `ecomflow jobs ...`
#[derive(Debug, clap::Subcommand)]
pub enum JobsCommand {
    /// The job files (jobs.dir) and the built-in jobs: sources, results, parameters
    List,
    /// One job as JSON: its sources (topic and schema), bound parameters and statements, for
    /// running the same SQL with another client (see scripts/bench/submit)
    Show {
        /// Job name or path to a .sql file
        job: String,
        /// A parameter value, NAME=VALUE; repeat for several
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
}

impl SubmitArgs {
    /// Runs the command.
    pub fn run(&self, config: &Config) -> anyhow::Result<()> {
        submit(config, &self.job, &self.params, self.show)
    }
}

impl RunJobsArgs {
    /// Runs the command.
    pub fn run(&self, config: &Config) -> anyhow::Result<()> {
        run_all(config)
    }
}

impl RunsArgs {
    /// Runs the command.
    pub fn run(&self, config: &Config) -> anyhow::Result<()> {
        list_runs(config, self.job.as_deref(), self.limit)
    }
}

impl JobsCommand {
    /// Runs the command.
    pub fn run(&self, config: &Config) -> anyhow::Result<()> {
        match self {
            JobsCommand::List => list(config),
            JobsCommand::Show { job, params } => show(config, job, params),
        }
    }
}

/// A flag that SIGINT and SIGTERM set, so a run ends as CANCELLED instead of dying mid-write.
pub fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// `ecomflow jobs list`.
pub fn list(config: &Config) -> anyhow::Result<()> {
    for job in spec::list(&config.jobs.dir)? {
        outln!("{}  ({})", job.name, job.origin);
        outln!("    {}", job.description);
        outln!("    sources: {}", job.sources.join(", "));
        outln!("    results: {}", job.result_names().join(", "));
        for p in &job.params {
            outln!("    param {} = {}  {}", p.name, p.default, p.description);
        }
        outln!("    output:  {}", job.output);
    }
    Ok(())
}

/// `ecomflow jobs show <job>`: the job as the runner would execute it, as JSON.
pub fn show(config: &Config, job: &str, params: &[String]) -> anyhow::Result<()> {
    let spec = spec::resolve(&config.jobs.dir, job)?;
    let values = spec.bind(params)?;
    let sources: Vec<Value> = spec
        .sources
        .iter()
        .map(|s| {
            let ddl = super::schema::for_source(s).unwrap_or_default();
            serde_json::json!({
                "view": s,
                "topic": spec::topic_for(&config.kafka.topics, s),
                "schema": ddl,
                "key": super::schema::field_names(ddl).first(),
            })
        })
        .collect();
    let sections: Vec<Value> = spec
        .sections
        .iter()
        .map(|s| {
            let kind = match s.kind {
                spec::SectionKind::View => "view",
                spec::SectionKind::Result => "result",
            };
            serde_json::json!({ "name": s.name, "kind": kind, "sql": s.sql })
        })
        .collect();
    let params: serde_json::Map<String, Value> =
        values.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
    let doc = serde_json::json!({
        "name": spec.name,
        "spark_url": config.spark.url,
        "kafka_bootstrap": config.spark_kafka_bootstrap(),
        "max_result_rows": config.jobs.max_result_rows,
        "sources": sources,
        "params": params,
        "sections": sections,
    });
    outln!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

/// `ecomflow submit <job | file.sql> [--param k=v]...`: runs one job and prints its results.
///
/// # Errors
/// A usage error for an unknown job or parameter; an error naming Spark's message when the
/// run failed.
pub fn submit(
    config: &Config,
    job: &str,
    params: &[String],
    show_rows: usize,
) -> anyhow::Result<()> {
    let spec = match spec::resolve(&config.jobs.dir, job) {
        Ok(spec) => spec,
        Err(e) => {
            record_rejected(config, job, params, &e);
            return Err(e);
        }
    };
    let stop = stop_flag()?;
    let outcome = run_job(config, &spec, params, &stop)?;
    print_outcome(&outcome, show_rows)?;
    check(&outcome.run)
}

/// `ecomflow run-jobs --all`: every job with its default parameters, one after the other.
///
/// # Errors
/// Fails after the last job when any job did not succeed.
pub fn run_all(config: &Config) -> anyhow::Result<()> {
    let stop = stop_flag()?;
    let jobs = spec::list(&config.jobs.dir)?;
    let mut failed = Vec::new();
    outln!("{:<22} {:<28} {:<10} {:>8} {:>9}", "job", "run id", "status", "rows", "seconds");
    for job in &jobs {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let outcome = run_job(config, job, &[], &stop)?;
        let r = &outcome.run;
        outln!(
            "{:<22} {:<28} {:<10} {:>8} {:>9.1}",
            r.job,
            r.id,
            r.status,
            r.rows_out,
            r.seconds().unwrap_or(0.0)
        );
        if r.status != Status::Succeeded {
            outln!("    {}", r.error.as_deref().unwrap_or("no message"));
            failed.push(r.job.clone());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} of {} jobs did not succeed: {}",
            failed.len(),
            jobs.len(),
            failed.join(", ")
        )
    }
}

/// `ecomflow runs [--job NAME] [--limit N]`: the recorded runs, newest last.
pub fn list_runs(config: &Config, job: Option<&str>, limit: usize) -> anyhow::Result<()> {
    let mut hbase = HBase::connect(&config.hbase)?;
    let all = runs::list(&mut hbase, config, job)?;
    let shown = &all[all.len().saturating_sub(limit)..];
    outln!(
        "{:<20} {:<26} {:<10} {:<24} {:>8} {:>8}  params / error",
        "job",
        "run id",
        "status",
        "submitted",
        "rows",
        "seconds"
    );
    for r in shown {
        let seconds = r.seconds().map_or("-".to_string(), |s| format!("{s:.1}"));
        let params = serde_json::to_string(&r.params)?;
        outln!(
            "{:<20} {:<26} {:<10} {:<24} {:>8} {:>8}  {params}",
            r.job,
            r.id,
            r.status,
            r.submitted.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            r.rows_out,
            seconds
        );
        if let Some(e) = &r.error {
            outln!("    {}", first_line(e));
        }
    }
    if all.len() > shown.len() {
        outln!("({} older runs not shown; raise --limit)", all.len() - shown.len());
    }
    Ok(())
}

/// Records a run that never reached Spark (unknown job) so `ecomflow runs` shows the attempt.
/// Best effort: when HBase is down the usage error is still what the user needs to see.
fn record_rejected(config: &Config, job: &str, params: &[String], e: &anyhow::Error) {
    let name = if spec::valid_name(job) { job.to_string() } else { "unknown_job".to_string() };
    let params = params
        .iter()
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), Value::from(v))
        })
        .collect();
    let mut run = JobRun::queued(&name, job, params);
    run.status = Status::Failed;
    run.finished = Some(chrono::Utc::now());
    run.error = Some(e.to_string());
    let saved = HBase::connect(&config.hbase).and_then(|mut hb| run.save(&mut hb, config));
    if let Err(err) = saved {
        tracing::warn!(error = %format!("{err:#}"), "could not record the rejected run");
    }
}

fn check(run: &JobRun) -> anyhow::Result<()> {
    match run.status {
        Status::Succeeded => Ok(()),
        status => anyhow::bail!(
            "job {} run {} {}: {}",
            run.job,
            run.id,
            status,
            run.error.as_deref().unwrap_or("no message")
        ),
    }
}

fn print_outcome(outcome: &RunOutcome, show_rows: usize) -> anyhow::Result<()> {
    let r = &outcome.run;
    outln!(
        "{} run {}: {} ({} rows in {} result sets, {:.1} s)",
        r.job,
        r.id,
        r.status,
        r.rows_out,
        outcome.results.len(),
        r.seconds().unwrap_or(0.0)
    );
    for rs in &outcome.results {
        print_result(rs, show_rows)?;
    }
    Ok(())
}

fn print_result(rs: &ResultSet, show_rows: usize) -> anyhow::Result<()> {
    outln!("\n{} ({} rows)", rs.name, rs.rows.len());
    if show_rows == 0 {
        return Ok(());
    }
    outln!("  {}", rs.columns.join(" | "));
    for row in rs.rows.iter().take(show_rows) {
        let cells: Vec<String> = row.iter().map(cell).collect();
        outln!("  {}", cells.join(" | "));
    }
    if rs.rows.len() > show_rows {
        outln!("  ... {} more", rs.rows.len() - show_rows);
    }
    Ok(())
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => format!("{f:.6}"),
            _ => n.to_string(),
        },
        Value::Null => "NULL".into(),
        other => other.to_string(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// The parsed spec of a job name or file, for callers that want to inspect it first.
pub fn resolve(config: &Config, job: &str) -> anyhow::Result<JobSpec> {
    spec::resolve(&config.jobs.dir, job)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_print_compactly() {
        assert_eq!(cell(&serde_json::json!(3)), "3");
        assert_eq!(cell(&serde_json::json!(0.125)), "0.125000");
        assert_eq!(cell(&serde_json::json!("Air")), "Air");
        assert_eq!(cell(&Value::Null), "NULL");
    }

    #[test]
    fn failed_runs_become_errors_with_their_message() {
        let mut run = JobRun::queued("eda", "builtin:eda", Default::default());
        run.status = Status::Failed;
        run.error = Some("[PARSE_SYNTAX_ERROR] near SELEC".into());
        let e = check(&run).unwrap_err().to_string();
        assert!(e.contains("FAILED") && e.contains("PARSE_SYNTAX_ERROR"), "{e}");
        run.status = Status::Succeeded;
        assert!(check(&run).is_ok());
    }
}
