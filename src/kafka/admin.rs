//! Topic administration: creating the pipeline's topics when they are missing.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::KafkaConfig;

/// Largest record a pipeline topic accepts. Kafka's default (about 1 MB) would make the broker
/// refuse an oversized record before the ingester could set it aside in a dead-letter topic.
pub const MAX_MESSAGE_BYTES: &str = "16777216";

/// Creates each topic that does not exist yet; existing topics are left as they are.
///
/// # Errors
/// Fails when the broker refuses a creation for any reason other than "already exists".
pub async fn ensure_topics_async(cfg: &KafkaConfig, names: &[&str]) -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> = super::base_config(cfg).create()?;
    // librdkafka crashes on a create request that names a topic twice.
    let mut names = names.to_vec();
    names.sort_unstable();
    names.dedup();
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| {
            NewTopic::new(n, cfg.partitions, TopicReplication::Fixed(cfg.replication))
                .set("max.message.bytes", MAX_MESSAGE_BYTES)
        })
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(cfg.timeout));
    let results = admin.create_topics(topics.iter(), &opts).await.map_err(|e| match e {
        rdkafka::error::KafkaError::AdminOp(RDKafkaErrorCode::OperationTimedOut) => {
            super::no_broker(
                &cfg.bootstrap_servers,
                cfg.timeout,
                format_args!(" while creating topics"),
            )
        }
        e => anyhow::anyhow!("cannot create topics on {}: {e}", cfg.bootstrap_servers),
    })?;
    for result in results {
        match result {
            Ok(topic) => tracing::info!(topic = %topic, "created topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => anyhow::bail!("cannot create topic {topic}: {code}"),
        }
    }
    Ok(())
}

/// [`ensure_topics_async`] for synchronous callers; runs its own small runtime.
pub fn ensure_topics(cfg: &KafkaConfig, names: &[&str]) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(ensure_topics_async(cfg, names))
}

/// The dead-letter topic of `topic`.
pub fn dlq_topic(topic: &str) -> String {
    format!("{topic}.dlq")
}

/// Deletes `names` (missing topics are fine) and waits until the broker no longer lists them,
/// so that creating them again right after starts from empty topics.
///
/// # Errors
/// Fails when the broker refuses a deletion or still lists a topic after `cfg.timeout * 3`.
pub fn delete_topics(cfg: &KafkaConfig, names: &[&str]) -> anyhow::Result<()> {
    use rdkafka::consumer::{BaseConsumer, Consumer};

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let admin: AdminClient<DefaultClientContext> = super::base_config(cfg).create()?;
    let opts = AdminOptions::new().operation_timeout(Some(cfg.timeout));
    let results = runtime
        .block_on(admin.delete_topics(names, &opts))
        .map_err(|e| anyhow::anyhow!("cannot delete topics on {}: {e}", cfg.bootstrap_servers))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
            Err((topic, code)) => anyhow::bail!("cannot delete topic {topic}: {code}"),
        }
    }

    let probe: BaseConsumer = super::base_config(cfg).create()?;
    let deadline = std::time::Instant::now() + cfg.timeout * 3;
    loop {
        let metadata = probe.fetch_metadata(None, cfg.timeout)?;
        let left: Vec<&str> =
            metadata.topics().iter().map(|t| t.name()).filter(|n| names.contains(n)).collect();
        if left.is_empty() {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!("Kafka still lists {left:?} after deleting them");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
