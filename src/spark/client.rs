//! Building a Spark Connect session with errors that say what to do next.
//!
//! The client crate is synchronous and drives its own tokio runtime, so everything here must be
//! called from a plain thread, never from inside a tokio task.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use spark_connect::SparkSession;

use crate::config::SparkConfig;

/// How long to wait for the TCP handshake before giving up on the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a session on the configured server.
///
/// The client dials lazily and retries an unreachable server with backoff for minutes, so we
/// first check that the port accepts a connection and fail at once when it does not.
///
/// # Errors
/// Fails with the URL when the server does not accept connections.
pub fn connect(cfg: &SparkConfig) -> anyhow::Result<SparkSession> {
    let authority = cfg
        .url
        .strip_prefix("sc://")
        .and_then(|rest| rest.split(['/', ';', '?']).next())
        .unwrap_or_default();
    let reachable = authority
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .map(|addr| TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT));
    match reachable {
        Some(Ok(_)) => {}
        Some(Err(e)) => anyhow::bail!(
            "cannot reach Spark Connect at {}: {e}; is the server running? \
             (`scripts/stack up`, or set spark.url)",
            cfg.url
        ),
        None => anyhow::bail!("cannot resolve the Spark Connect address in {}", cfg.url),
    }
    SparkSession::builder()
        .remote(&cfg.url)
        .get_or_create()
        .map_err(|e| anyhow::anyhow!("cannot open a Spark Connect session at {}: {e}", cfg.url))
}

/// Runs `SELECT version()` and returns the server's Spark version.
pub fn server_version(session: &SparkSession) -> anyhow::Result<String> {
    let failed = |e| anyhow::anyhow!("Spark Connect `SELECT version()` failed: {e}");
    let rows = session.sql("SELECT version() AS v").map_err(failed)?.collect().map_err(failed)?;
    let v = rows
        .first()
        .and_then(|r| r.get(0))
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow::anyhow!("Spark Connect returned no version row"))?;
    // Spark answers "4.2.1 <git hash>"; the hash is noise for a health line.
    Ok(v.split_whitespace().next().unwrap_or(v).to_string())
}
