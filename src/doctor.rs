//! `ecomflow doctor`: one real request to each configured server, one line per server.

use std::io::Write;
use std::time::Instant;

use crate::config::Config;
use crate::{hbase, kafka, spark};

/// The outcome of one server's check.
#[derive(Debug)]
pub struct Check {
    pub service: &'static str,
    pub address: String,
    pub result: anyhow::Result<String>,
    pub millis: u128,
}

/// Checks the three servers in parallel; each check uses the real client library.
pub fn run_checks(config: &Config) -> Vec<Check> {
    std::thread::scope(|s| {
        let kafka =
            s.spawn(|| timed("kafka", &config.kafka.bootstrap_servers, || check_kafka(config)));
        let hbase = s.spawn(|| timed("hbase", &config.hbase.thrift_addr, || check_hbase(config)));
        let spark = s.spawn(|| timed("spark", &config.spark.url, || check_spark(config)));
        [kafka, hbase, spark]
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("a doctor check panicked")))
            .collect()
    })
}

/// Prints one line per server; fails when any check failed.
pub fn run(config: &Config) -> anyhow::Result<()> {
    let checks = run_checks(config);
    let mut failed = 0;
    for c in &checks {
        match &c.result {
            Ok(detail) => {
                crate::commands::outln!(
                    "ok    {:<6} {:<24} {detail} ({} ms)",
                    c.service,
                    c.address,
                    c.millis
                )
            }
            Err(e) => {
                failed += 1;
                crate::commands::outln!("FAIL  {:<6} {:<24} {e:#}", c.service, c.address);
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} servers failed their check", checks.len());
    }
    Ok(())
}

fn timed(
    service: &'static str,
    address: &str,
    f: impl FnOnce() -> anyhow::Result<String>,
) -> Check {
    let start = Instant::now();
    let result = f();
    Check { service, address: address.to_string(), result, millis: start.elapsed().as_millis() }
}

fn check_kafka(config: &Config) -> anyhow::Result<String> {
    let info = kafka::cluster_info(&config.kafka)?;
    Ok(format!(
        "cluster {} with {} broker(s) [{}], {} topic(s)",
        info.cluster_id.as_deref().unwrap_or("?"),
        info.brokers.len(),
        info.brokers.join(", "),
        info.topics
    ))
}

fn check_hbase(config: &Config) -> anyhow::Result<String> {
    let mut client = hbase::HBase::connect(&config.hbase)?;
    let tables = client.table_names()?;
    let cluster = client.cluster_id()?;
    Ok(format!("cluster {cluster}, {} table(s) via Thrift", tables.len()))
}

fn check_spark(config: &Config) -> anyhow::Result<String> {
    let session = spark::connect(&config.spark)?;
    let version = spark::client::server_version(&session)?;
    Ok(format!("Spark {version} (SELECT version())"))
}
