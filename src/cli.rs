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
