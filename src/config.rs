//! Configuration: where the servers are and what the pipeline's topics and tables are called.
//!
//! Settings are layered, later layers winning: built-in defaults (the loopback stack started by
//! `scripts/stack`), then `ecomflow.toml` (or the file given with `--config`), then environment
//! variables `ECOMFLOW_<SECTION>__<KEY>` (for example `ECOMFLOW_KAFKA__BOOTSTRAP_SERVERS`), then
//! command-line flags. Everything is validated here, before any server is contacted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::error::usage;

/// The top-level sections, which `ECOMFLOW_<SECTION>__<KEY>` variables address.
const SECTIONS: [&str; 5] = ["kafka", "hbase", "spark", "ingest", "jobs"];

/// The file read when `--config` is not given; a missing default file is not an error.
pub const DEFAULT_CONFIG_FILE: &str = "ecomflow.toml";

/// Every setting ecomflow reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub kafka: KafkaConfig,
    pub hbase: HBaseConfig,
    pub spark: SparkConfig,
    pub ingest: IngestConfig,
    pub jobs: JobsConfig,
}

/// The Spark analytics jobs (`ecomflow submit`, `run-jobs`) and the streaming query.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Folder of `*.sql` job files. The built-in jobs are compiled into the binary and used when
    /// this folder does not hold a file of the same name.
    pub dir: PathBuf,
    /// Attempts per run when Spark Connect is unreachable or drops the session; errors that
    /// Spark reports about the query itself (bad SQL, a missing column) are never retried.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubles for every further one.
    #[serde(with = "humantime_serde")]
    pub retry_backoff: Duration,
    /// Most rows one result set may return; results are meant to be small aggregates, and a
    /// larger one fails the run instead of pulling a whole table through the client.
    pub max_result_rows: usize,
    /// Results go to the Kafka topic `<insights_topic_prefix><job>`.
    pub insights_topic_prefix: String,
    /// Checkpoint folder of the streaming query, on the Spark server's file system (or a
    /// shared one such as HDFS or S3 on a cluster). Deleting it restarts the query from scratch.
    pub checkpoint_dir: String,
    /// Topic the streaming query writes its windows to.
    pub stream_topic: String,
    /// How late an order may arrive (in event time) and still count in its window.
    pub stream_watermark: String,
    /// How often the streaming query looks for new records, e.g. `5 seconds`.
    pub stream_trigger: String,
    /// File holding the Spark Connect session id of the running streaming query, so `stream
    /// status` and `stream stop` reach the session that `stream start` opened.
    pub stream_state_file: PathBuf,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("jobs"),
            // One retry covers a Spark Connect restart; more only delays a real outage.
            max_attempts: 2,
            retry_backoff: Duration::from_secs(2),
            max_result_rows: 10_000,
            insights_topic_prefix: "insights.".into(),
            checkpoint_dir: "/tmp/ecomflow/checkpoints/realtime_fraud".into(),
            stream_topic: "insights.realtime_fraud".into(),
            stream_watermark: "10 minutes".into(),
            stream_trigger: "5 seconds".into(),
            stream_state_file: std::env::temp_dir().join("ecomflow-stream.json"),
        }
    }
}

/// The Kafka-to-HBase ingester.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Consumer group; its committed offsets are what `ecomflow lag` reports.
    pub group_id: String,
    /// Most records written to HBase in one `mutateRows` call.
    pub batch_size: usize,
    /// How long to wait for more records before writing a partial batch.
    #[serde(with = "humantime_serde")]
    pub batch_timeout: Duration,
    /// Records larger than this go to the dead-letter topic instead of HBase.
    pub max_record_bytes: usize,
    /// First wait after a failed HBase write; doubles up to `retry_max_backoff`.
    #[serde(with = "humantime_serde")]
    pub retry_initial_backoff: Duration,
    #[serde(with = "humantime_serde")]
    pub retry_max_backoff: Duration,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            group_id: "ecomflow-ingest".into(),
            // About 2-5 MB of cells per call: large enough to amortise the Thrift round trip,
            // small enough to stay under the gateway's default frame limits.
            batch_size: 2_000,
            batch_timeout: Duration::from_millis(200),
            // HBase's default cell size limit (hbase.server.keyvalue.maxsize) is 10 MB; records
            // of our data set are under 2 KB, so 1 MiB only stops garbage.
            max_record_bytes: 1 << 20,
            retry_initial_backoff: Duration::from_millis(200),
            retry_max_backoff: Duration::from_secs(10),
        }
    }
}

/// Kafka brokers and the pipeline's topic names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    /// Comma-separated `host:port` list handed to librdkafka as `bootstrap.servers`.
    pub bootstrap_servers: String,
    /// How long a metadata request, a delivery or a poll may take before it counts as failed.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Partitions given to topics that ecomflow creates.
    pub partitions: i32,
    /// Replication factor of topics that ecomflow creates; 1 for a single local broker.
    pub replication: i32,
    /// The four topics the data set is split into.
    pub topics: Topics,
}

/// Topic names, one per record type of the data set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Topics {
    pub supply_chain: String,
    pub fraud: String,
    pub freight_cost: String,
    pub product_group: String,
}

impl Topics {
    /// The configured names, in the order of `generate::Topic::ALL` (supply chain, fraud,
    /// freight cost, product group).
    pub fn all(&self) -> [&str; 4] {
        [&self.supply_chain, &self.fraud, &self.freight_cost, &self.product_group]
    }
}

/// The HBase Thrift (thrift1) gateway.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HBaseConfig {
    /// `host:port` of the Thrift server: buffered transport, binary protocol.
    pub thrift_addr: String,
    /// `host:port` of a thrift2 gateway, used only to create tables with their split keys;
    /// empty when there is none (tables then start with one region).
    pub thrift2_addr: String,
    /// Connect and read timeout of one Thrift call.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Prefix put before every table name, so several pipelines can share one cluster.
    pub table_prefix: String,
}

/// The Spark Connect server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SparkConfig {
    /// Spark Connect URL, `sc://host:port`.
    pub url: String,
    /// Bootstrap servers as Spark's executors must use them; they may differ from the client's
    /// view when Spark runs in a container. Empty means the same as `kafka.bootstrap_servers`.
    pub kafka_bootstrap_servers: String,
}

// Defaults match the ports `scripts/stack` and `docker-compose.yml` publish on loopback.
impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            bootstrap_servers: "127.0.0.1:9092".into(),
            timeout: Duration::from_secs(10),
            partitions: 4,
            replication: 1,
            topics: Topics::default(),
        }
    }
}

impl Default for Topics {
    fn default() -> Self {
        Self {
            supply_chain: "pharmaceutical_supply_chain".into(),
            fraud: "fraud_analysis".into(),
            freight_cost: "freight_cost_analytics".into(),
            product_group: "product_group_analytics".into(),
        }
    }
}

impl Default for HBaseConfig {
    fn default() -> Self {
        Self {
            thrift_addr: "127.0.0.1:9090".into(),
            thrift2_addr: "127.0.0.1:9091".into(),
            timeout: Duration::from_secs(10),
            table_prefix: String::new(),
        }
    }
}

impl Default for SparkConfig {
    fn default() -> Self {
        Self { url: "sc://127.0.0.1:15002".into(), kafka_bootstrap_servers: String::new() }
    }
}

/// Overrides given on the command line; `None` leaves the lower layers alone.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub kafka_bootstrap_servers: Option<String>,
    pub hbase_thrift_addr: Option<String>,
    pub spark_url: Option<String>,
}

impl Config {
    /// Loads the layered configuration and validates it.
    ///
    /// # Errors
    /// A usage error (exit code 2) when the file cannot be read or parsed, a key is unknown, or
    /// a value is out of range.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(usage(format!(
                    "config file {} does not exist; pass an existing file to --config or omit it",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE))
            }
            None => {}
        }
        // Only `ECOMFLOW_<SECTION>__<KEY>` variables are settings; others that share the prefix
        // (ECOMFLOW_CONFIG, ECOMFLOW_STACK_HOME, ECOMFLOW_BIN, ...) belong to the scripts.
        figment = figment.merge(
            Env::prefixed("ECOMFLOW_")
                .filter(|key| {
                    let key = key.as_str().to_ascii_lowercase();
                    SECTIONS.iter().any(|s| key.starts_with(&format!("{s}__")))
                })
                .split("__"),
        );

        let mut config: Config = figment.extract().map_err(|e| {
            let source = file.map(PathBuf::from).unwrap_or_else(|| DEFAULT_CONFIG_FILE.into());
            usage(format!("invalid configuration ({}): {}", source.display(), one_line(&e)))
        })?;
        config.apply(overrides);
        config.validate()?;
        Ok(config)
    }

    fn apply(&mut self, o: &Overrides) {
        if let Some(v) = &o.kafka_bootstrap_servers {
            self.kafka.bootstrap_servers = v.clone();
        }
        if let Some(v) = &o.hbase_thrift_addr {
            self.hbase.thrift_addr = v.clone();
        }
        if let Some(v) = &o.spark_url {
            self.spark.url = v.clone();
        }
    }

    /// Checks values that parse but cannot work.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.kafka.bootstrap_servers.trim().is_empty() {
            return Err(usage("kafka.bootstrap_servers is empty; expected host:port[,host:port]"));
        }
        for server in self.kafka.bootstrap_servers.split(',') {
            check_host_port("kafka.bootstrap_servers", server.trim())?;
        }
        check_host_port("hbase.thrift_addr", &self.hbase.thrift_addr)?;
        if !self.hbase.thrift2_addr.trim().is_empty() {
            check_host_port("hbase.thrift2_addr", &self.hbase.thrift2_addr)?;
        }
        match self.spark.url.strip_prefix("sc://") {
            Some(rest) => {
                check_host_port("spark.url", rest.split(['/', ';']).next().unwrap_or(""))?
            }
            None => {
                return Err(usage(format!(
                    "spark.url `{}` must look like sc://host:port",
                    self.spark.url
                )));
            }
        }
        if self.ingest.batch_size == 0 || self.ingest.group_id.is_empty() {
            return Err(usage(
                "ingest.batch_size must be at least 1 and ingest.group_id non-empty",
            ));
        }
        if self.kafka.partitions < 1 || self.kafka.replication < 1 {
            return Err(usage("kafka.partitions and kafka.replication must be at least 1"));
        }
        if self.jobs.max_attempts == 0 || self.jobs.max_result_rows == 0 {
            return Err(usage("jobs.max_attempts and jobs.max_result_rows must be at least 1"));
        }
        if !valid_topic_name(&self.jobs.stream_topic) {
            return Err(usage(format!(
                "jobs.stream_topic `{}` is not a valid topic name",
                self.jobs.stream_topic
            )));
        }
        let t = &self.kafka.topics;
        for (key, name) in [
            ("supply_chain", &t.supply_chain),
            ("fraud", &t.fraud),
            ("freight_cost", &t.freight_cost),
            ("product_group", &t.product_group),
        ] {
            if !valid_topic_name(name) {
                return Err(usage(format!(
                    "kafka.topics.{key} `{name}` is not a valid topic name; use 1-249 characters \
                     of a-z, A-Z, 0-9, '.', '_' or '-'"
                )));
            }
        }
        Ok(())
    }

    /// Bootstrap servers for Spark's Kafka connector.
    pub fn spark_kafka_bootstrap(&self) -> &str {
        if self.spark.kafka_bootstrap_servers.is_empty() {
            &self.kafka.bootstrap_servers
        } else {
            &self.spark.kafka_bootstrap_servers
        }
    }
}

fn check_host_port(key: &str, value: &str) -> anyhow::Result<()> {
    let example = match key {
        "hbase.thrift_addr" => "127.0.0.1:9090",
        "hbase.thrift2_addr" => "127.0.0.1:9091",
        "spark.url" => "sc://127.0.0.1:15002",
        _ => "127.0.0.1:9092",
    };
    let ok = value
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if ok {
        Ok(())
    } else {
        Err(usage(format!("{key} `{value}` is not host:port (for example {example})")))
    }
}

/// Kafka's own rule for topic names.
pub fn valid_topic_name(name: &str) -> bool {
    (1..=249).contains(&name.len())
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn one_line(e: &figment::Error) -> String {
    e.to_string().replace('\n', " ")
}

#[cfg(test)]
// `figment::Jail` closures must return figment's own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_the_loopback_stack() {
        let c = Config::default();
        assert_eq!(c.kafka.bootstrap_servers, "127.0.0.1:9092");
        assert_eq!(c.hbase.thrift_addr, "127.0.0.1:9090");
        assert_eq!(c.spark.url, "sc://127.0.0.1:15002");
        assert_eq!(c.kafka.topics.fraud, "fraud_analysis");
        c.validate().unwrap();
    }

    /// Dotted paths of every key in a TOML table.
    fn keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (k, v) in table {
            match v {
                toml::Value::Table(t) => keys(t, &format!("{prefix}{k}."), out),
                _ => out.push(format!("{prefix}{k}")),
            }
        }
    }

    #[test]
    fn the_example_file_lists_every_key_with_its_default() {
        let text = include_str!("../ecomflow.toml.example");
        let example: Config = toml::from_str(text).unwrap();
        assert_eq!(example, Config::default());

        let (mut listed, mut all) = (Vec::new(), Vec::new());
        keys(&toml::from_str(text).unwrap(), "", &mut listed);
        keys(&toml::Table::try_from(Config::default()).unwrap(), "", &mut all);
        listed.sort();
        all.sort();
        assert_eq!(listed, all);
    }

    #[test]
    fn file_then_env_then_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "ecomflow.toml",
                "[kafka]\nbootstrap_servers = \"file:1\"\npartitions = 8\n\
                 [hbase]\nthrift_addr = \"file:2\"\n",
            )?;
            jail.set_env("ECOMFLOW_HBASE__THRIFT_ADDR", "env:3");
            let o = Overrides { spark_url: Some("sc://flag:4".into()), ..Default::default() };
            let c = Config::load(None, &o).unwrap();
            assert_eq!(c.kafka.bootstrap_servers, "file:1");
            assert_eq!(c.kafka.partitions, 8);
            assert_eq!(c.hbase.thrift_addr, "env:3");
            assert_eq!(c.spark.url, "sc://flag:4");
            Ok(())
        });
    }

    #[test]
    fn script_variables_with_the_prefix_are_not_settings() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ECOMFLOW_STACK_HOME", "/tmp/stack");
            jail.set_env("ECOMFLOW_BIN", "/tmp/bin");
            jail.set_env("ECOMFLOW_KAFKA__PARTITIONS", "6");
            let c = Config::load(None, &Overrides::default()).unwrap();
            assert_eq!(c.kafka.partitions, 6);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("ecomflow.toml", "[kafka]\nbootstrap = \"x:1\"\n")?;
            let err = Config::load(None, &Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("bootstrap"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bad_addresses_are_usage_errors() {
        let mut c = Config::default();
        c.spark.url = "http://x:1".into();
        assert!(c.validate().unwrap_err().to_string().contains("sc://host:port"));
        let mut c = Config::default();
        c.hbase.thrift_addr = "nohost".into();
        assert!(c.validate().unwrap_err().to_string().contains("hbase.thrift_addr"));
        let mut c = Config::default();
        c.kafka.topics.fraud = "bad topic".into();
        assert!(c.validate().unwrap_err().to_string().contains("kafka.topics.fraud"));
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/x.toml")), &Overrides::default())
            .unwrap_err();
        assert!(err.downcast_ref::<crate::error::UsageError>().is_some());
    }
}
