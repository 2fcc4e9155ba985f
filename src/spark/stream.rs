//! The real-time fraud query: Spark Structured Streaming over Spark Connect, from the
//! `fraud_analysis` topic to one-minute fraud windows on `insights.realtime_fraud`.
//!
//! The query runs on the Spark server, inside the Spark Connect session that started it. `stream
//! start` saves that session's id (and the query id) in `jobs.stream_state_file`, so `stream
//! status` and `stream stop` can attach to the same session from another process.
//!
//! # Why update mode with a processing-time trigger
//!
//! Windows are tumbling minutes of *event* time with a watermark (`jobs.stream_watermark`). In
//! append mode Spark emits a window only once the watermark passes its end, that is once an
//! order at least one watermark later has arrived; the newest windows would wait for data that
//! may never come (generated event times are historical and a batch may end anywhere). Update
//! mode emits every window that changed in a trigger, so a window appears one trigger
//! (`jobs.stream_trigger`, 5 s by default) after its records were produced. The watermark still
//! bounds the state: windows older than it are dropped and late orders for them are ignored. A
//! window can be sent more than once as it grows; messages are keyed by window start, so a
//! consumer that keeps the last value per key (HBase, a compacted topic) holds the final count.
//!
//! # Limitations
//!
//! The Spark Connect server closes a session after it has been idle for
//! `spark.connect.session.manager.defaultSessionTimeout` (60 minutes by default), and closing a
//! session stops its queries. `stream start --foreground` keeps the session busy (and stops the
//! query on Ctrl-C); a detached query needs `stream status` now and then, or a longer server
//! timeout. A restarted server forgets the session: `stream status` then reports the query as
//! gone and `stream start` starts it again from its checkpoint.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use spark_connect::{DataFrame, SparkSession, StreamingQuery, Trigger};
use tracing::info;

use crate::commands::outln;
use crate::config::Config;
use crate::spark::jobs::schema;

/// Name of the query on the server (shown in the Spark UI).
pub const QUERY_NAME: &str = "ecomflow_realtime_fraud";

/// Records read per trigger at most, so a backlog is worked off in bounded steps.
const MAX_OFFSETS_PER_TRIGGER: &str = "200000";

/// `ecomflow stream ...`
#[derive(Debug, clap::Subcommand)]
pub enum StreamCommand {
    /// Start the query (a no-op when it already runs)
    Start {
        /// Stay attached: print progress until Ctrl-C, then stop the query
        #[arg(long)]
        foreground: bool,
        /// Read the topic from its first offset instead of only new records (first start
        /// only: a restarted query resumes from its checkpoint)
        #[arg(long)]
        from_beginning: bool,
    },
    /// Stop the query
    Stop,
    /// Whether the query runs, and its last progress report
    Status,
}

impl StreamCommand {
    /// Runs the command.
    pub fn run(&self, config: &Config) -> anyhow::Result<()> {
        match self {
            StreamCommand::Start { foreground, from_beginning } => {
                let state = start(config, *from_beginning)?;
                outln!("running  query {} in session {}", state.query_id, state.session_id);
                outln!("windows  -> Kafka topic {}", config.jobs.stream_topic);
                outln!("checkpoint {}", config.jobs.checkpoint_dir);
                if *foreground {
                    follow(config, &state)?;
                }
                Ok(())
            }
            StreamCommand::Stop => {
                let stopped = stop(config)?;
                outln!("{}", if stopped { "stopped" } else { "not running" });
                Ok(())
            }
            StreamCommand::Status => {
                match status(config)? {
                    Some(s) => {
                        outln!("{}  query {}", if s.active { "running" } else { "stopped" }, s.id);
                        outln!("status   {}", s.message);
                        if let Some(p) = s.last_progress {
                            outln!("progress {p}");
                        }
                    }
                    None => outln!("not running"),
                }
                Ok(())
            }
        }
    }
}

/// What `stream start` leaves behind for `status` and `stop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamState {
    /// The Spark Connect session holding the query.
    pub session_id: String,
    pub query_id: String,
    pub topic: String,
    pub checkpoint: String,
    pub started: String,
}

/// A snapshot of the query.
#[derive(Debug, Clone)]
pub struct QueryStatus {
    pub id: String,
    pub active: bool,
    pub message: String,
    /// The last progress report as JSON text (rows read, batch duration, watermark).
    pub last_progress: Option<String>,
}

/// The windowed aggregation over a streaming read of the fraud topic, as Kafka key/value rows.
pub fn windowed_query(session: &SparkSession, config: &Config, from_beginning: bool) -> DataFrame {
    let ddl = schema::ORDER;
    session
        .read_stream()
        .format("kafka")
        .option("kafka.bootstrap.servers", config.spark_kafka_bootstrap())
        .option("subscribe", &config.kafka.topics.fraud)
        .option("startingOffsets", if from_beginning { "earliest" } else { "latest" })
        .option("maxOffsetsPerTrigger", MAX_OFFSETS_PER_TRIGGER)
        .option("failOnDataLoss", "false")
        .load(None)
        .select_expr(vec![&format!("from_json(CAST(value AS STRING), '{ddl}') AS r")])
        .select_expr(vec!["r.*"])
        .filter(spark_connect::functions::expr("event_time IS NOT NULL"))
        .with_watermark("event_time", &config.jobs.stream_watermark)
        .group_by(vec![spark_connect::functions::expr("window(event_time, '1 minute') AS w")])
        .agg(vec![
            spark_connect::functions::expr("count(*) AS orders").expression().clone(),
            spark_connect::functions::expr("count_if(is_fraud) AS frauds").expression().clone(),
            spark_connect::functions::expr("sum(total_amount) AS total_amount")
                .expression()
                .clone(),
        ])
        .select_expr(vec![
            "date_format(w.start, \"yyyy-MM-dd'T'HH:mm:ss'Z'\") AS key",
            "to_json(named_struct(\
                'window_start', date_format(w.start, \"yyyy-MM-dd'T'HH:mm:ss'Z'\"), \
                'window_end', date_format(w.end, \"yyyy-MM-dd'T'HH:mm:ss'Z'\"), \
                'orders', orders, 'frauds', frauds, \
                'fraud_share', frauds / orders, \
                'total_amount', total_amount, \
                'mean_amount', total_amount / orders)) AS value",
        ])
}

/// Starts the query unless the saved session still runs it.
///
/// # Errors
/// Fails with Spark's message when the query cannot start (for example a checkpoint written by
/// an incompatible query: delete `jobs.checkpoint_dir` to start afresh).
pub fn start(config: &Config, from_beginning: bool) -> anyhow::Result<StreamState> {
    if let Some(state) = load_state(&config.jobs.stream_state_file)? {
        if let Ok(Some(q)) = attach(config, &state).map(|(_, q)| q) {
            if q.is_active().unwrap_or(false) {
                info!(query_id = %state.query_id, "streaming query already running");
                return Ok(state);
            }
        }
    }
    crate::kafka::admin::ensure_topics(&config.kafka, &[&config.jobs.stream_topic])?;
    let session = crate::spark::connect(&config.spark)?;
    let query = windowed_query(&session, config, from_beginning)
        .write_stream()
        .format("kafka")
        .option("kafka.bootstrap.servers", config.spark_kafka_bootstrap())
        .option("topic", &config.jobs.stream_topic)
        .option("checkpointLocation", &config.jobs.checkpoint_dir)
        .output_mode("update")
        .query_name(QUERY_NAME)
        .trigger(Trigger::ProcessingTime(config.jobs.stream_trigger.clone()))
        .start("")
        .map_err(|e| anyhow::anyhow!("cannot start the streaming query: {}", e.message()))?;
    let state = StreamState {
        session_id: session.session_id().to_string(),
        query_id: query.id().to_string(),
        topic: config.jobs.stream_topic.clone(),
        checkpoint: config.jobs.checkpoint_dir.clone(),
        started: chrono::Utc::now().to_rfc3339(),
    };
    save_state(&config.jobs.stream_state_file, &state)?;
    info!(query_id = %state.query_id, session_id = %state.session_id, "streaming query started");
    Ok(state)
}

/// The query's status, or `None` when no query was started or its session is gone.
pub fn status(config: &Config) -> anyhow::Result<Option<QueryStatus>> {
    let Some(state) = load_state(&config.jobs.stream_state_file)? else {
        return Ok(None);
    };
    let Ok((_, Some(q))) = attach(config, &state) else {
        return Ok(None);
    };
    let failed = |e: spark_connect::SparkError| anyhow::anyhow!("query status: {}", e.message());
    let st = q.status().map_err(failed)?;
    let mut message = st.status_message;
    if let Ok(Some(ex)) = q.exception() {
        message = format!("{message}; failed: {}", ex.message);
    }
    Ok(Some(QueryStatus {
        id: q.id().to_string(),
        active: st.is_active,
        message,
        last_progress: q.last_progress().ok().flatten(),
    }))
}

/// Stops the query; `false` when there was none to stop.
pub fn stop(config: &Config) -> anyhow::Result<bool> {
    let path = &config.jobs.stream_state_file;
    let Some(state) = load_state(path)? else {
        return Ok(false);
    };
    let stopped = match attach(config, &state) {
        Ok((session, Some(q))) => {
            q.stop().map_err(|e| anyhow::anyhow!("cannot stop the query: {}", e.message()))?;
            let _ = session.stop();
            true
        }
        _ => false,
    };
    std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
    info!(query_id = %state.query_id, stopped, "streaming query stopped");
    Ok(stopped)
}

/// Prints progress every 10 s until SIGINT/SIGTERM, then stops the query.
fn follow(config: &Config, state: &StreamState) -> anyhow::Result<()> {
    let stop_flag = crate::spark::jobs::cli::stop_flag()?;
    let (_session, query) = attach(config, state)?;
    let query = query.context("the query disappeared right after it started")?;
    let mut last = String::new();
    while !stop_flag.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(p)) = query.last_progress() {
            if p != last {
                outln!("{}", one_line_progress(&p));
                last = p;
            }
        }
        if !query.is_active().unwrap_or(false) {
            let why = query.exception().ok().flatten().map(|e| e.message).unwrap_or_default();
            anyhow::bail!("the streaming query stopped: {why}");
        }
    }
    stop(config)?;
    Ok(())
}

/// A progress report reduced to the figures an operator watches.
fn one_line_progress(json: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_string();
    };
    format!(
        "batch {} rows {} watermark {}",
        v["batchId"],
        v["numInputRows"],
        v["eventTime"]["watermark"].as_str().unwrap_or("-")
    )
}

/// Reconnects to the saved session and finds the query in it.
fn attach(
    config: &Config,
    state: &StreamState,
) -> anyhow::Result<(SparkSession, Option<StreamingQuery>)> {
    let mut spark = config.spark.clone();
    spark.url = with_session_id(&spark.url, &state.session_id);
    let session = crate::spark::connect(&spark)?;
    let query = session
        .streams()
        .get(&state.query_id)
        .map_err(|e| anyhow::anyhow!("cannot look up the query: {}", e.message()))?;
    Ok((session, query))
}

/// The Spark Connect URL with a `session_id` parameter, replacing one already there.
pub fn with_session_id(url: &str, session_id: &str) -> String {
    let (base, params) = match url.split_once("/;") {
        Some((b, p)) => (b.trim_end_matches('/'), p),
        None => (url.trim_end_matches('/'), ""),
    };
    let mut parts: Vec<&str> =
        params.split(';').filter(|p| !p.is_empty() && !p.starts_with("session_id=")).collect();
    let id = format!("session_id={session_id}");
    parts.push(&id);
    format!("{base}/;{}", parts.join(";"))
}

fn load_state(path: &Path) -> anyhow::Result<Option<StreamState>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(serde_json::from_str(&text).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn save_state(path: &Path, state: &StreamState) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(state)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_is_added_or_replaced() {
        let id = "550e8400-e29b-41d4-a716-446655440000";
        assert_eq!(with_session_id("sc://h:15002", id), format!("sc://h:15002/;session_id={id}"));
        assert_eq!(
            with_session_id("sc://h:15002/;token=t;session_id=old", id),
            format!("sc://h:15002/;token=t;session_id={id}")
        );
    }

    #[test]
    fn progress_is_summarised() {
        let p =
            r#"{"batchId":3,"numInputRows":120,"eventTime":{"watermark":"2024-01-01T00:00:00Z"}}"#;
        assert_eq!(one_line_progress(p), "batch 3 rows 120 watermark 2024-01-01T00:00:00Z");
        assert_eq!(one_line_progress("x"), "x");
    }

    #[test]
    fn state_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s/state.json");
        assert_eq!(load_state(&path).unwrap(), None);
        let s = StreamState {
            session_id: "a".into(),
            query_id: "q".into(),
            topic: "t".into(),
            checkpoint: "/c".into(),
            started: "now".into(),
        };
        save_state(&path, &s).unwrap();
        assert_eq!(load_state(&path).unwrap(), Some(s));
    }
}
