//! Configuration: where the servers are and what the pipeline's topics and tables are called.
//!
//! Settings are layered, later layers winning: built-in defaults (the loopback stack started by
//! `scripts/stack`), then `ecomflow.toml` (or the file given with `--config`), then environment
//! variables `ECOMFLOW_<SECTION>__<KEY>` (for example `ECOMFLOW_KAFKA__BOOTSTRAP_SERVERS`), then
//! command-line flags. Everything is validated here, before any server is contacted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::{Figment, Provider};
use humantime_serde::re::humantime::format_duration;
use serde::{Deserialize, Serialize};

use crate::error::usage;

/// The top-level sections, which `ECOMFLOW_<SECTION>__<KEY>` variables address.
const SECTIONS: [&str; 5] = ["kafka", "hbase", "spark", "ingest", "jobs"];

/// The file read when `--config` is not given; a missing default file is not an error.
pub const DEFAULT_CONFIG_FILE: &str = "ecomflow.toml";

/// Prefix of the environment variables that hold settings.
const ENV_PREFIX: &str = "ECOMFLOW_";

/// Kafka's longest topic name.
const MAX_TOPIC_LEN: usize = 249;

/// Largest `ingest.max_record_bytes`: HBase's default cell limit (10 MiB) less room for the
/// row key and column names; a larger record would be refused by HBase on every retry.
const MAX_RECORD_BYTES: usize = 10 * 1024 * 1024 - 64 * 1024;

/// Longest `hbase.table_prefix`: 255 bytes of file name less the longest table name.
const MAX_TABLE_PREFIX: usize = 220;

/// Smallest `ingest.max_record_bytes`: generated records reach about 1.1 KB, so a lower limit
/// would send valid records of the data set to the dead-letter topic.
pub const MIN_RECORD_BYTES: usize = 2048;

/// Range of `kafka.timeout`: it becomes librdkafka's `socket.timeout.ms`, which must lie
/// between 10 ms and 5 minutes or every Kafka client fails to start.
const KAFKA_TIMEOUT_RANGE: (Duration, Duration) =
    (Duration::from_millis(10), Duration::from_secs(300));

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
    /// Records larger than this go to the dead-letter topic instead of HBase; at least 2048.
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
    /// How long a metadata request, a delivery or a poll may take before it counts as failed;
    /// 10ms to 5m, the range of librdkafka's `socket.timeout.ms`.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Partitions given to topics that ecomflow creates.
    pub partitions: i32,
    /// Replication factor of topics that ecomflow creates; 1 for a single local broker.
    pub replication: i32,
    /// The four topics the data set is split into: distinct names of at most 245 characters of
    /// `[A-Za-z0-9._-]`, so that each `<topic>.dlq` dead-letter topic is a valid name too.
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
    /// Prefix put before every table name, so several pipelines can share one cluster: characters
    /// of `[A-Za-z0-9_.-]`, not starting with '.' or '-'. Tables live in the default namespace.
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
        let env = Env::prefixed(ENV_PREFIX)
            .filter(|key| {
                let key = key.as_str().to_ascii_lowercase();
                SECTIONS.iter().any(|s| key.starts_with(&format!("{s}__")))
            })
            .split("__");
        let origins = Origins { env_name: env.metadata().name.into_owned(), overrides };
        figment = figment.merge(env);

        let mut config: Config = figment.extract().map_err(|e| usage(origins.extract_error(e)))?;
        config.apply(overrides);
        config.check().map_err(|bad| usage(origins.annotate(&figment, bad)))?;
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
    ///
    /// # Errors
    /// A usage error naming the first key at fault and what it accepts.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.check().map_err(|bad| usage(bad.message))
    }

    fn check(&self) -> Result<(), Invalid> {
        self.check_addresses()?;
        self.check_kafka()?;
        self.check_hbase()?;
        self.check_ingest()?;
        self.check_jobs()?;
        self.check_topic_names()
    }

    fn check_addresses(&self) -> Result<(), Invalid> {
        if self.kafka.bootstrap_servers.trim().is_empty() {
            return Err(Invalid::new(
                ["kafka.bootstrap_servers"],
                "kafka.bootstrap_servers is empty; expected host:port[,host:port]",
            ));
        }
        for server in self.kafka.bootstrap_servers.split(',') {
            check_host_port("kafka.bootstrap_servers", server.trim())?;
        }
        check_host_port("hbase.thrift_addr", &self.hbase.thrift_addr)?;
        if !self.hbase.thrift2_addr.trim().is_empty() {
            check_host_port("hbase.thrift2_addr", &self.hbase.thrift2_addr)?;
        }
        match self.spark.url.strip_prefix("sc://") {
            Some(rest) => check_host_port("spark.url", rest.split(['/', ';']).next().unwrap_or("")),
            None => Err(Invalid::new(
                ["spark.url"],
                format!("spark.url `{}` must look like sc://host:port", self.spark.url),
            )),
        }
    }

    fn check_kafka(&self) -> Result<(), Invalid> {
        let (min, max) = KAFKA_TIMEOUT_RANGE;
        if !(min..=max).contains(&self.kafka.timeout) {
            return Err(Invalid::new(
                ["kafka.timeout"],
                format!(
                    "kafka.timeout is {}; use {} to {}, the range librdkafka accepts for \
                     socket.timeout.ms",
                    format_duration(self.kafka.timeout),
                    format_duration(min),
                    format_duration(max)
                ),
            ));
        }
        at_least_1("kafka.partitions", self.kafka.partitions)?;
        at_least_1("kafka.replication", self.kafka.replication)
    }

    fn check_hbase(&self) -> Result<(), Invalid> {
        positive("hbase.timeout", self.hbase.timeout, "10s")?;
        // HBase table qualifiers: [A-Za-z0-9_.-], not starting with '.' or '-'. A namespace
        // (`ns:`) would need the namespace to exist; ecomflow does not create one.
        let prefix = &self.hbase.table_prefix;
        let bad_char = prefix.chars().any(|c| !c.is_ascii_alphanumeric() && !"_.-".contains(c));
        if bad_char || prefix.starts_with(['.', '-']) {
            return Err(Invalid::new(
                ["hbase.table_prefix"],
                format!(
                    "hbase.table_prefix `{prefix}` is not a valid table name start; use only \
                     a-z, A-Z, 0-9, '_', '-' and '.', with neither '.' nor '-' first; a namespace \
                     (`ns:`) is not supported"
                ),
            ));
        }
        // HBase keeps a table in a directory named after it; file names stop at 255 bytes, and
        // the longest table name the prefix goes before is 35 characters.
        if prefix.len() > MAX_TABLE_PREFIX {
            return Err(Invalid::new(
                ["hbase.table_prefix"],
                format!(
                    "hbase.table_prefix is {} characters long; use at most {MAX_TABLE_PREFIX}, so \
                     that every table name stays within HBase's 255",
                    prefix.len()
                ),
            ));
        }
        Ok(())
    }

    fn check_ingest(&self) -> Result<(), Invalid> {
        let i = &self.ingest;
        if i.group_id.is_empty() {
            return Err(Invalid::new(
                ["ingest.group_id"],
                "ingest.group_id is empty; name the consumer group, e.g. ecomflow-ingest",
            ));
        }
        at_least_1("ingest.batch_size", i.batch_size)?;
        positive("ingest.batch_timeout", i.batch_timeout, "200ms")?;
        if i.max_record_bytes > MAX_RECORD_BYTES {
            return Err(Invalid::new(
                ["ingest.max_record_bytes"],
                format!(
                    "ingest.max_record_bytes is {}; use at most {MAX_RECORD_BYTES}, as HBase \
                     refuses larger cells (hbase.server.keyvalue.maxsize, 10 MiB)",
                    i.max_record_bytes
                ),
            ));
        }
        if i.max_record_bytes < MIN_RECORD_BYTES {
            return Err(Invalid::new(
                ["ingest.max_record_bytes"],
                format!(
                    "ingest.max_record_bytes is {}; use at least {MIN_RECORD_BYTES}, as smaller \
                     limits send records of the generated data set to the dead-letter topic",
                    i.max_record_bytes
                ),
            ));
        }
        // A zero wait would retry a failing server in a tight loop.
        positive("ingest.retry_initial_backoff", i.retry_initial_backoff, "200ms")?;
        if i.retry_max_backoff < i.retry_initial_backoff {
            return Err(Invalid::new(
                ["ingest.retry_max_backoff", "ingest.retry_initial_backoff"],
                format!(
                    "ingest.retry_max_backoff ({}) is less than ingest.retry_initial_backoff \
                     ({}); raise the first or lower the second",
                    format_duration(i.retry_max_backoff),
                    format_duration(i.retry_initial_backoff)
                ),
            ));
        }
        Ok(())
    }

    fn check_jobs(&self) -> Result<(), Invalid> {
        let j = &self.jobs;
        at_least_1("jobs.max_attempts", j.max_attempts)?;
        // A zero wait retries at once, before a restarting Spark Connect server is back.
        positive("jobs.retry_backoff", j.retry_backoff, "2s")?;
        at_least_1("jobs.max_result_rows", j.max_result_rows)?;
        let prefix = &j.insights_topic_prefix;
        if !prefix.chars().all(topic_char) {
            return Err(Invalid::new(
                ["jobs.insights_topic_prefix"],
                format!(
                    "jobs.insights_topic_prefix `{prefix}` is not a valid topic name start; use \
                     a-z, A-Z, 0-9, '.', '_' or '-'"
                ),
            ));
        }
        Ok(())
    }

    /// Topic names: each valid, with room for its `.dlq` twin, and no two the same in Kafka.
    fn check_topic_names(&self) -> Result<(), Invalid> {
        let t = &self.kafka.topics;
        let data = [
            ("kafka.topics.supply_chain", &t.supply_chain),
            ("kafka.topics.fraud", &t.fraud),
            ("kafka.topics.freight_cost", &t.freight_cost),
            ("kafka.topics.product_group", &t.product_group),
        ];
        let dlq_len = crate::kafka::admin::dlq_topic("").len();
        for (key, name) in data {
            check_topic(key, name, MAX_TOPIC_LEN - dlq_len)?;
        }
        check_topic("jobs.stream_topic", &self.jobs.stream_topic, MAX_TOPIC_LEN)?;

        // Every topic ecomflow writes, with the key that names it and how to describe it. The
        // stream topic is among them: windows written to a data topic would be ingested as
        // records.
        let mut all: Vec<(&str, String, String)> = Vec::new();
        for (key, name) in data {
            all.push((key, key.to_string(), name.clone()));
            let dlq = crate::kafka::admin::dlq_topic(name);
            all.push((key, format!("the dead-letter topic of {key}"), dlq));
        }
        let stream = &self.jobs.stream_topic;
        all.push(("jobs.stream_topic", "jobs.stream_topic".into(), stream.clone()));
        for (i, (key_a, what_a, a)) in all.iter().enumerate() {
            for (key_b, what_b, b) in &all[i + 1..] {
                if key_a == key_b {
                    continue;
                }
                let message = if a == b {
                    format!("{what_a} and {what_b} are both `{a}`; give each its own name")
                } else if a.replace('.', "_") == b.replace('.', "_") {
                    // Kafka refuses a topic whose name differs from an existing one only in '.'
                    // versus '_', since both map to the same metric names.
                    format!(
                        "{what_a} `{a}` and {what_b} `{b}` collide, as Kafka treats '.' and '_' \
                         in topic names as the same; rename one"
                    )
                } else {
                    continue;
                };
                return Err(Invalid::new([*key_a, *key_b], message));
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

/// A setting that parses but cannot work.
#[derive(Debug)]
struct Invalid {
    /// Dotted keys at fault (`kafka.timeout`), so the loader can say where each value was set.
    keys: Vec<&'static str>,
    /// One line naming the keys, what is wrong and what is accepted.
    message: String,
}

impl Invalid {
    fn new<const N: usize>(keys: [&'static str; N], message: impl Into<String>) -> Invalid {
        Invalid { keys: keys.to_vec(), message: message.into() }
    }
}

fn check_host_port(key: &'static str, value: &str) -> Result<(), Invalid> {
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
        Err(Invalid::new(
            [key],
            format!("{key} `{value}` is not host:port (for example {example})"),
        ))
    }
}

fn at_least_1<T>(key: &'static str, value: T) -> Result<(), Invalid>
where
    T: PartialOrd + From<u8> + std::fmt::Display,
{
    if value >= T::from(1) {
        Ok(())
    } else {
        Err(Invalid::new([key], format!("{key} is {value}; use at least 1")))
    }
}

fn positive(key: &'static str, value: Duration, example: &str) -> Result<(), Invalid> {
    if value.is_zero() {
        Err(Invalid::new([key], format!("{key} is 0s; use a positive duration such as {example}")))
    } else {
        Ok(())
    }
}

fn check_topic(key: &'static str, name: &str, max_len: usize) -> Result<(), Invalid> {
    let message = if name == "." || name == ".." {
        format!("{key} `{name}` is not a valid topic name; Kafka reserves `.` and `..`")
    } else if !valid_topic_name(name) {
        format!(
            "{key} `{name}` is not a valid topic name; use 1-{max_len} characters of a-z, A-Z, \
             0-9, '.', '_' or '-'"
        )
    } else if name.len() > max_len {
        format!(
            "{key} is {} characters long; use at most {max_len}, so that its dead-letter topic \
             (`.dlq` added) stays within Kafka's {MAX_TOPIC_LEN}",
            name.len()
        )
    } else {
        return Ok(());
    };
    Err(Invalid::new([key], message))
}

fn topic_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Kafka's own rule for topic names.
pub fn valid_topic_name(name: &str) -> bool {
    (1..=MAX_TOPIC_LEN).contains(&name.len())
        && name != "."
        && name != ".."
        && name.chars().all(topic_char)
}

/// Where a setting's value was given.
#[derive(Debug, PartialEq)]
enum Origin {
    File(PathBuf),
    EnvVar(String),
    Flag(&'static str),
}

impl Origin {
    /// "in FILE", "from environment variable NAME", "from --flag".
    fn place(&self) -> String {
        match self {
            Origin::File(path) => format!("in {}", path.display()),
            Origin::EnvVar(name) => format!("from environment variable {name}"),
            Origin::Flag(flag) => format!("from {flag}"),
        }
    }

    /// "set in FILE", "set by environment variable NAME", "set by --flag".
    fn set(&self) -> String {
        match self {
            Origin::File(path) => format!("set in {}", path.display()),
            Origin::EnvVar(name) => format!("set by environment variable {name}"),
            Origin::Flag(flag) => format!("set by {flag}"),
        }
    }
}

/// Finds the origin of a setting, to name it in error messages.
struct Origins<'a> {
    /// The name figment gives the environment provider in its metadata.
    env_name: String,
    overrides: &'a Overrides,
}

impl Origins<'_> {
    /// Where `key` was set; `None` for a built-in default.
    fn of(&self, figment: &Figment, key: &str) -> Option<Origin> {
        let o = self.overrides;
        let flag = match key {
            "kafka.bootstrap_servers" if o.kafka_bootstrap_servers.is_some() => Some("--kafka"),
            "hbase.thrift_addr" if o.hbase_thrift_addr.is_some() => Some("--hbase"),
            "spark.url" if o.spark_url.is_some() => Some("--spark"),
            _ => None,
        };
        if let Some(flag) = flag {
            return Some(Origin::Flag(flag));
        }
        let path: Vec<&str> = key.split('.').collect();
        self.source(figment.find_metadata(key)?, &path)
    }

    fn source(&self, md: &figment::Metadata, path: &[impl AsRef<str>]) -> Option<Origin> {
        if let Some(file) = md.source.as_ref().and_then(|s| s.file_path()) {
            Some(Origin::File(file.to_path_buf()))
        } else if md.name == self.env_name {
            Some(Origin::EnvVar(env_var(path)))
        } else {
            None
        }
    }

    /// The check's message, followed by where the values at fault were set.
    fn annotate(&self, figment: &Figment, bad: Invalid) -> String {
        let set: Vec<(&str, Origin)> =
            bad.keys.iter().filter_map(|k| Some((*k, self.of(figment, k)?))).collect();
        match set.as_slice() {
            [] => bad.message,
            [(_, origin), rest @ ..] if rest.iter().all(|(_, o)| o == origin) => {
                format!("{} ({})", bad.message, origin.set())
            }
            _ => {
                let each: Vec<String> =
                    set.iter().map(|(k, o)| format!("{k} {}", o.set())).collect();
                format!("{} ({})", bad.message, each.join(", "))
            }
        }
    }

    /// One line for a value that does not parse: where it came from, its key, what is wrong.
    fn extract_error(&self, e: figment::Error) -> String {
        let lines: Vec<String> = e
            .into_iter()
            .map(|e| {
                let mut line = String::from("invalid configuration");
                if let Some(origin) = e.metadata.as_ref().and_then(|md| self.source(md, &e.path)) {
                    line = format!("{line} {}", origin.place());
                }
                line.push_str(": ");
                if !e.path.is_empty() {
                    line = format!("{line}{}: ", e.path.join("."));
                }
                line + &describe(&e.kind)
            })
            .collect();
        lines.join("; ")
    }
}

/// The environment variable that sets the key at `path`, as spelled in the environment.
fn env_var(path: &[impl AsRef<str>]) -> String {
    let keys: Vec<String> = path.iter().map(|k| k.as_ref().to_ascii_uppercase()).collect();
    let name = format!("{ENV_PREFIX}{}", keys.join("__"));
    // figment matches names without regard to case; show the one actually set.
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .find(|k| k.eq_ignore_ascii_case(&name))
        .unwrap_or(name)
}

/// A figment error kind on one line, without figment's nested quoting.
fn describe(kind: &figment::error::Kind) -> String {
    use figment::error::Kind;
    match kind {
        Kind::UnknownField(_, expected) => {
            format!("unknown key; expected one of {}", expected.join(", "))
        }
        // TOML syntax errors span several lines with a source excerpt; keep the position and
        // the explanation.
        Kind::Message(msg) => {
            let mut lines = msg.lines().map(str::trim).filter(|l| {
                let excerpt = l.starts_with('|')
                    || l.split_once(" |").is_some_and(|(n, _)| n.parse::<u32>().is_ok());
                !l.is_empty() && !excerpt
            });
            let first = lines.next().unwrap_or_default().to_string();
            let rest: Vec<&str> = lines.collect();
            if rest.is_empty() { first } else { format!("{first}: {}", rest.join(", ")) }
        }
        kind => kind.to_string(),
    }
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

    /// The message `validate` gives for the default config changed by `change`.
    fn rejected(change: impl FnOnce(&mut Config)) -> String {
        let mut c = Config::default();
        change(&mut c);
        let err = c.validate().unwrap_err();
        assert!(err.downcast_ref::<crate::error::UsageError>().is_some(), "{err}");
        err.to_string()
    }

    fn accepted(change: impl FnOnce(&mut Config)) {
        let mut c = Config::default();
        change(&mut c);
        c.validate().unwrap();
    }

    #[test]
    fn two_topics_with_one_name_are_rejected_naming_both_keys() {
        assert_eq!(
            rejected(|c| {
                c.kafka.topics.fraud = "x".into();
                c.kafka.topics.supply_chain = "x".into();
            }),
            "kafka.topics.supply_chain and kafka.topics.fraud are both `x`; give each its own name"
        );
        assert_eq!(
            rejected(|c| {
                c.kafka.topics.fraud = "a.b".into();
                c.kafka.topics.freight_cost = "a_b".into();
            }),
            "kafka.topics.fraud `a.b` and kafka.topics.freight_cost `a_b` collide, as Kafka \
             treats '.' and '_' in topic names as the same; rename one"
        );
    }

    #[test]
    fn a_topic_may_not_be_another_topics_dead_letter_or_the_stream_topic() {
        assert_eq!(
            rejected(|c| {
                c.kafka.topics.fraud = "a.dlq".into();
                c.kafka.topics.freight_cost = "a".into();
            }),
            "kafka.topics.fraud and the dead-letter topic of kafka.topics.freight_cost are both \
             `a.dlq`; give each its own name"
        );
        assert_eq!(
            rejected(|c| c.jobs.stream_topic = "fraud_analysis".into()),
            "kafka.topics.fraud and jobs.stream_topic are both `fraud_analysis`; give each its \
             own name"
        );
    }

    #[test]
    fn topic_names_follow_kafka_rules_with_room_for_the_dlq_suffix() {
        assert_eq!(
            rejected(|c| c.kafka.topics.fraud = "bad topic".into()),
            "kafka.topics.fraud `bad topic` is not a valid topic name; use 1-245 characters of \
             a-z, A-Z, 0-9, '.', '_' or '-'"
        );
        assert_eq!(
            rejected(|c| c.kafka.topics.product_group = String::new()),
            "kafka.topics.product_group `` is not a valid topic name; use 1-245 characters of \
             a-z, A-Z, 0-9, '.', '_' or '-'"
        );
        assert_eq!(
            rejected(|c| c.kafka.topics.fraud = "..".into()),
            "kafka.topics.fraud `..` is not a valid topic name; Kafka reserves `.` and `..`"
        );
        assert_eq!(
            rejected(|c| c.kafka.topics.fraud = "a".repeat(246)),
            "kafka.topics.fraud is 246 characters long; use at most 245, so that its dead-letter \
             topic (`.dlq` added) stays within Kafka's 249"
        );
        accepted(|c| c.kafka.topics.fraud = "a".repeat(245));
        assert_eq!(
            rejected(|c| c.jobs.stream_topic = "a".repeat(250)),
            format!(
                "jobs.stream_topic `{}` is not a valid topic name; use 1-249 characters of a-z, \
                 A-Z, 0-9, '.', '_' or '-'",
                "a".repeat(250)
            )
        );
        assert_eq!(
            rejected(|c| c.jobs.insights_topic_prefix = "a b".into()),
            "jobs.insights_topic_prefix `a b` is not a valid topic name start; use a-z, A-Z, \
             0-9, '.', '_' or '-'"
        );
        accepted(|c| c.jobs.insights_topic_prefix = String::new());
    }

    #[test]
    fn zero_durations_are_rejected() {
        assert_eq!(
            rejected(|c| c.hbase.timeout = Duration::ZERO),
            "hbase.timeout is 0s; use a positive duration such as 10s"
        );
        assert_eq!(
            rejected(|c| c.ingest.batch_timeout = Duration::ZERO),
            "ingest.batch_timeout is 0s; use a positive duration such as 200ms"
        );
        assert_eq!(
            rejected(|c| c.ingest.retry_initial_backoff = Duration::ZERO),
            "ingest.retry_initial_backoff is 0s; use a positive duration such as 200ms"
        );
        assert_eq!(
            rejected(|c| c.jobs.retry_backoff = Duration::ZERO),
            "jobs.retry_backoff is 0s; use a positive duration such as 2s"
        );
        assert_eq!(
            rejected(|c| c.ingest.retry_max_backoff = Duration::from_millis(100)),
            "ingest.retry_max_backoff (100ms) is less than ingest.retry_initial_backoff (200ms); \
             raise the first or lower the second"
        );
        accepted(|c| c.ingest.retry_max_backoff = c.ingest.retry_initial_backoff);
    }

    #[test]
    fn kafka_timeout_stays_in_librdkafkas_socket_timeout_range() {
        let expected = |v: &str| {
            format!(
                "kafka.timeout is {v}; use 10ms to 5m, the range librdkafka accepts for \
                 socket.timeout.ms"
            )
        };
        assert_eq!(rejected(|c| c.kafka.timeout = Duration::ZERO), expected("0s"));
        assert_eq!(rejected(|c| c.kafka.timeout = Duration::from_millis(9)), expected("9ms"));
        assert_eq!(rejected(|c| c.kafka.timeout = Duration::from_secs(301)), expected("5m 1s"));
        accepted(|c| c.kafka.timeout = Duration::from_millis(10));
        accepted(|c| c.kafka.timeout = Duration::from_secs(300));
    }

    #[test]
    fn table_prefix_holds_only_table_name_characters() {
        let expected = |p: &str| {
            format!(
                "hbase.table_prefix `{p}` is not a valid table name start; use only a-z, A-Z, \
                 0-9, '_', '-' and '.', with neither '.' nor '-' first; a namespace (`ns:`) is \
                 not supported"
            )
        };
        assert_eq!(rejected(|c| c.hbase.table_prefix = "rv_bad:".into()), expected("rv_bad:"));
        assert_eq!(rejected(|c| c.hbase.table_prefix = "a b".into()), expected("a b"));
        assert_eq!(rejected(|c| c.hbase.table_prefix = "-x".into()), expected("-x"));
        assert_eq!(
            rejected(|c| c.hbase.table_prefix = "p".repeat(221)),
            "hbase.table_prefix is 221 characters long; use at most 220, so that every table name \
             stays within HBase's 255"
        );
        assert_eq!(
            rejected(|c| c.ingest.max_record_bytes = 16 << 20),
            "ingest.max_record_bytes is 16777216; use at most 10420224, as HBase refuses larger \
             cells (hbase.server.keyvalue.maxsize, 10 MiB)"
        );
        assert_eq!(rejected(|c| c.hbase.table_prefix = ".x".into()), expected(".x"));
        accepted(|c| c.hbase.table_prefix = "Test_1.run-2_".into());
    }

    #[test]
    fn max_record_bytes_leaves_room_for_generated_records() {
        assert_eq!(
            rejected(|c| c.ingest.max_record_bytes = 0),
            "ingest.max_record_bytes is 0; use at least 2048, as smaller limits send records of \
             the generated data set to the dead-letter topic"
        );
        assert!(rejected(|c| c.ingest.max_record_bytes = 2047).contains("is 2047;"));
        accepted(|c| c.ingest.max_record_bytes = 2048);
    }

    #[test]
    fn each_count_names_only_its_own_key() {
        assert_eq!(rejected(|c| c.ingest.batch_size = 0), "ingest.batch_size is 0; use at least 1");
        assert_eq!(
            rejected(|c| c.ingest.group_id = String::new()),
            "ingest.group_id is empty; name the consumer group, e.g. ecomflow-ingest"
        );
        assert_eq!(rejected(|c| c.kafka.partitions = 0), "kafka.partitions is 0; use at least 1");
        assert_eq!(
            rejected(|c| c.kafka.replication = -1),
            "kafka.replication is -1; use at least 1"
        );
        assert_eq!(rejected(|c| c.jobs.max_attempts = 0), "jobs.max_attempts is 0; use at least 1");
        assert_eq!(
            rejected(|c| c.jobs.max_result_rows = 0),
            "jobs.max_result_rows is 0; use at least 1"
        );
    }

    /// The message `Config::load` gives, with `file` as `--config` when given.
    fn load_error(file: Option<&str>, overrides: &Overrides) -> String {
        let err = Config::load(file.map(Path::new), overrides).unwrap_err();
        assert!(err.downcast_ref::<crate::error::UsageError>().is_some(), "{err}");
        err.to_string()
    }

    #[test]
    fn parse_errors_name_the_variable_or_file_and_the_plain_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ECOMFLOW_KAFKA__TIMEOUT", "abc");
            assert_eq!(
                load_error(None, &Overrides::default()),
                "invalid configuration from environment variable ECOMFLOW_KAFKA__TIMEOUT: \
                 kafka.timeout: invalid value string \"abc\", expected a duration"
            );

            jail.set_env("ECOMFLOW_KAFKA__TIMEOUT", "10s");
            jail.create_file("x.toml", "[kafka]\nbootstrap = \"x:1\"\n")?;
            assert_eq!(
                load_error(Some("x.toml"), &Overrides::default()),
                "invalid configuration in x.toml: kafka.bootstrap: unknown key; expected one of \
                 bootstrap_servers, timeout, partitions, replication, topics"
            );

            jail.create_file("y.toml", "kafka = [\n")?;
            assert_eq!(
                load_error(Some("y.toml"), &Overrides::default()),
                "invalid configuration in y.toml: TOML parse error at line 1, column 11: invalid \
                 array, expected `]`"
            );
            Ok(())
        });
    }

    #[test]
    fn check_errors_say_where_the_value_was_set() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ECOMFLOW_KAFKA__TIMEOUT", "0s");
            assert_eq!(
                load_error(None, &Overrides::default()),
                "kafka.timeout is 0s; use 10ms to 5m, the range librdkafka accepts for \
                 socket.timeout.ms (set by environment variable ECOMFLOW_KAFKA__TIMEOUT)"
            );

            jail.set_env("ECOMFLOW_KAFKA__TIMEOUT", "10s");
            jail.create_file("x.toml", "[kafka.topics]\nfraud = \"x\"\nsupply_chain = \"x\"\n")?;
            assert_eq!(
                load_error(Some("x.toml"), &Overrides::default()),
                "kafka.topics.supply_chain and kafka.topics.fraud are both `x`; give each its own \
                 name (set in x.toml)"
            );

            jail.set_env("ECOMFLOW_KAFKA__TOPICS__FRAUD", "x");
            jail.create_file("x.toml", "[kafka.topics]\nsupply_chain = \"x\"\n")?;
            assert_eq!(
                load_error(Some("x.toml"), &Overrides::default()),
                "kafka.topics.supply_chain and kafka.topics.fraud are both `x`; give each its own \
                 name (kafka.topics.supply_chain set in x.toml, kafka.topics.fraud set by \
                 environment variable ECOMFLOW_KAFKA__TOPICS__FRAUD)"
            );

            let o =
                Overrides { kafka_bootstrap_servers: Some("nohost".into()), ..Default::default() };
            assert_eq!(
                load_error(None, &o),
                "kafka.bootstrap_servers `nohost` is not host:port (for example 127.0.0.1:9092) \
                 (set by --kafka)"
            );
            Ok(())
        });
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/x.toml")), &Overrides::default())
            .unwrap_err();
        assert!(err.downcast_ref::<crate::error::UsageError>().is_some());
    }
}
