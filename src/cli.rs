//! Command-line interface: global flags that override the configuration, and the subcommands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Overrides;

/// ecomflow: synthetic e-commerce data through Kafka, HBase and Spark Connect.
///
/// Exit codes: 0 success, 1 a failure at run time (a server error, records not delivered),
/// 2 bad input or usage.
#[derive(Debug, Parser)]
#[command(name = "ecomflow", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file [default: ./ecomflow.toml when it exists]
    #[arg(long, global = true, env = "ECOMFLOW_CONFIG")]
    pub config: Option<PathBuf>,

    /// Kafka bootstrap servers, host:port[,host:port] (overrides kafka.bootstrap_servers)
    #[arg(long, global = true)]
    pub kafka: Option<String>,

    /// HBase Thrift gateway, host:port (overrides hbase.thrift_addr)
    #[arg(long, global = true)]
    pub hbase: Option<String>,

    /// Spark Connect URL, sc://host:port (overrides spark.url)
    #[arg(long, global = true)]
    pub spark: Option<String>,

    /// More log output on stderr (-v debug, -vv trace); RUST_LOG overrides it
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands; each is a plain function that `main` dispatches to.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that Kafka, HBase (Thrift) and Spark Connect answer, one line per server
    Doctor,
    /// Print the effective configuration (defaults, file, environment and flags merged) as TOML
    Config,
    /// HBase administration
    #[command(subcommand)]
    Hbase(HbaseCommand),
    /// The whole job: check servers, generate, produce, ingest, run every Spark job, report
    #[command(subcommand)]
    Pipeline(PipelineCommand),
    /// Write the synthetic data set to one file per topic
    Generate(crate::generate::GenerateArgs),
    /// Send the data set (generated on the fly, or --from files) to the four Kafka topics
    Produce(crate::produce::ProduceArgs),
    /// Consume the four topics into HBase; runs until SIGINT/SIGTERM unless --until-caught-up
    Ingest(IngestArgs),
    /// Per-partition lag of the ingest consumer group
    Lag,
    /// Run one analytics job on Spark: a name from `jobs list` or a path to a .sql file
    Submit(crate::spark::jobs::cli::SubmitArgs),
    /// Run the analytics jobs one after the other
    RunJobs(crate::spark::jobs::cli::RunJobsArgs),
    /// Recorded analytics job runs (HBase job_runs), oldest first
    Runs(crate::spark::jobs::cli::RunsArgs),
    /// Analytics job files
    #[command(subcommand)]
    Jobs(crate::spark::jobs::cli::JobsCommand),
    /// The real-time fraud query: Spark Structured Streaming to insights.realtime_fraud
    #[command(subcommand)]
    Stream(crate::spark::stream::StreamCommand),
    /// Render the latest insights as PNG/SVG charts and an offline index.html
    Report(crate::report::ReportArgs),
}

/// `ecomflow pipeline ...`
#[derive(Debug, Subcommand)]
pub enum PipelineCommand {
    /// Run every stage once and print a table of stages with rows, bytes and seconds
    Run(crate::pipeline::PipelineArgs),
}

/// `ecomflow hbase ...`
#[derive(Debug, Subcommand)]
pub enum HbaseCommand {
    /// Create the tables described in hbase/tables.toml (existing tables are kept)
    Init,
    /// Print stored records by id, one JSON line each (point lookup)
    Get(HbaseGetArgs),
    /// Print the records whose time lies in [--from, --to), oldest first, one JSON line each
    Scan(HbaseScanArgs),
}

/// Flags of `ecomflow hbase get`.
#[derive(Debug, clap::Args)]
pub struct HbaseGetArgs {
    /// Record table: pharmaceutical_supply_chain, fraud_analysis, freight_cost_analytics or
    /// product_group_analytics (hbase.table_prefix is added)
    pub table: String,
    /// Record ids (transaction_id, id, shipment_id or line_id)
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

/// Flags of `ecomflow hbase scan`.
#[derive(Debug, clap::Args)]
pub struct HbaseScanArgs {
    /// Record table, as for `hbase get`
    pub table: String,
    /// Start of the range, inclusive: an ISO-8601 prefix such as 2024, 2024-03, 2024-03-01 or
    /// 2024-03-01T10:30 (UTC)
    #[arg(long, value_name = "TIME")]
    pub from: String,
    /// End of the range, exclusive, in the same forms [default: no end]
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Print at most N records; 0 prints them all
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: u64,
}

/// Flags of `ecomflow ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Stop when the group's lag is zero on every topic (for batch runs and orchestrators)
    #[arg(long)]
    pub until_caught_up: bool,
}

impl Cli {
    /// The flags that override configuration values.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            kafka_bootstrap_servers: self.kafka.clone(),
            hbase_thrift_addr: self.hbase.clone(),
            spark_url: self.spark.clone(),
        }
    }
}

/// A command-line error as one line: clap's message with its details, without the usage block
/// and the pointer to `--help`, which it spreads over several lines.
pub fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut parts = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more"));
    let mut line = parts.next().unwrap_or("error: invalid arguments").to_string();
    // A message that ends in a colon lists what it is about on the lines below it.
    let listing = line.ends_with(':');
    for (i, part) in parts.enumerate() {
        if part.starts_with("tip:") {
            line.push_str(&format!(" ({part})"));
        } else {
            line.push_str(if listing && i > 0 { ", " } else { " " });
            line.push_str(part);
        }
    }
    line.push_str("; see --help");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(args: &[&str]) -> String {
        let e = Cli::try_parse_from(std::iter::once("ecomflow").chain(args.iter().copied()))
            .unwrap_err();
        one_line(&e)
    }

    #[test]
    fn usage_errors_are_one_line() {
        assert_eq!(
            error_of(&["generate", "--format", "xml"]),
            "error: invalid value 'xml' for '--format <FORMAT>' [possible values: jsonl, csv]; \
             see --help"
        );
        assert_eq!(
            error_of(&["hbase", "scan", "fraud_analysis"]),
            "error: the following required arguments were not provided: --from <TIME>; see --help"
        );
        assert_eq!(
            error_of(&["ingest", "--until"]),
            "error: unexpected argument '--until' found (tip: a similar argument exists: \
             '--until-caught-up'); see --help"
        );
        assert_eq!(
            error_of(&["produce", "--rate", "fast"]),
            "error: invalid value 'fast' for '--rate <N>': expected records per second > 0, as N \
             or N/s (e.g. 5000/s); see --help"
        );
    }
}
