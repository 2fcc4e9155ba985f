//! Topic administration: creating the pipeline's topics when they are missing.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::KafkaConfig;

/// Creates each topic that does not exist yet; existing topics are left as they are.
///
/// # Errors
/// Fails when the broker refuses a creation for any reason other than "already exists".
pub async fn ensure_topics(cfg: &KafkaConfig, names: &[&str]) -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> = super::base_config(cfg).create()?;
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| NewTopic::new(n, cfg.partitions, TopicReplication::Fixed(cfg.replication)))
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(cfg.timeout));
    let results = admin
        .create_topics(topics.iter(), &opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create topics on {}: {e}", cfg.bootstrap_servers))?;
    for result in results {
        match result {
            Ok(topic) => tracing::info!(topic = %topic, "created topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => anyhow::bail!("cannot create topic {topic}: {code}"),
        }
    }
    Ok(())
}
