//! Kafka: client settings shared by the producer, the ingester and the health check.

pub mod admin;
pub mod outage;

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::config::KafkaConfig;

/// What the broker said about itself, as `doctor` prints it.
#[derive(Debug, Clone)]
pub struct ClusterInfo {
    pub cluster_id: Option<String>,
    pub brokers: Vec<String>,
    pub topics: usize,
}

/// A librdkafka configuration holding only the settings every ecomflow client shares.
pub fn base_config(cfg: &KafkaConfig) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &cfg.bootstrap_servers)
        .set("client.id", "ecomflow")
        // Fail fast when the broker is unreachable instead of librdkafka's endless reconnects.
        .set("socket.timeout.ms", cfg.timeout.as_millis().to_string())
        // librdkafka logs connection refusals on its own; we report them through our errors.
        .set("log_level", "3");
    c
}

/// The error for a cluster that did not answer, with what to do about it; `detail` follows the
/// wait, e.g. `: <librdkafka's error>` or ` while creating topics`.
pub(crate) fn no_broker(
    servers: &str,
    timeout: std::time::Duration,
    detail: std::fmt::Arguments<'_>,
) -> anyhow::Error {
    anyhow::anyhow!(
        "no Kafka broker answered at {servers} within {timeout:?}{detail}; is it running? \
         (`scripts/stack up`, or set kafka.bootstrap_servers)"
    )
}

/// Asks the cluster for its metadata: the cheapest request that proves a broker answers.
///
/// # Errors
/// Fails with the broker address when no broker answers within `cfg.timeout`.
pub fn cluster_info(cfg: &KafkaConfig) -> anyhow::Result<ClusterInfo> {
    let consumer: BaseConsumer = base_config(cfg).create().map_err(|e| {
        anyhow::anyhow!("cannot create a Kafka client for {}: {e}", cfg.bootstrap_servers)
    })?;
    let metadata = consumer
        .fetch_metadata(None, cfg.timeout)
        .map_err(|e| no_broker(&cfg.bootstrap_servers, cfg.timeout, format_args!(": {e}")))?;
    let brokers = metadata.brokers().iter().map(|b| format!("{}:{}", b.host(), b.port())).collect();
    Ok(ClusterInfo {
        cluster_id: consumer.client().fetch_cluster_id(cfg.timeout),
        brokers,
        topics: metadata.topics().len(),
    })
}
