//! The HBase Thrift gateway stops in the middle of an ingest and comes back: the ingest waits,
//! retries, and completes with every row.
//!
//! This stops a real server of the stack that `scripts/stack` runs, so it lives alone in its
//! own test binary: cargo runs test binaries one after the other, and no other test is using
//! HBase while the gateway is down.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ecomflow::hbase::HBase;

fn stack_home() -> std::path::PathBuf {
    std::env::var_os("ECOMFLOW_STACK_HOME").map(Into::into).unwrap_or_else(|| {
        std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/ecomflow/stack")
    })
}

#[test]
fn ingest_survives_a_thrift_gateway_restart() {
    let id = common::unique("thr");
    let envs = [
        ("ECOMFLOW_KAFKA__TOPICS__SUPPLY_CHAIN", format!("{id}_sc")),
        ("ECOMFLOW_KAFKA__TOPICS__FRAUD", format!("{id}_fraud")),
        ("ECOMFLOW_KAFKA__TOPICS__FREIGHT_COST", format!("{id}_fc")),
        ("ECOMFLOW_KAFKA__TOPICS__PRODUCT_GROUP", format!("{id}_pg")),
        ("ECOMFLOW_HBASE__TABLE_PREFIX", format!("{id}_")),
        ("ECOMFLOW_INGEST__GROUP_ID", format!("{id}_group")),
        // Retry often, so the run resumes soon after the gateway is back.
        ("ECOMFLOW_INGEST__RETRY_MAX_BACKOFF", "2s".to_string()),
    ];
    let ecomflow = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_ecomflow"))
            .args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    ecomflow(&["hbase", "init"]);
    ecomflow(&["produce", "--rows", "30000", "--seed", "21"]);

    let pid_file = stack_home().join("run/thrift.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap_or_else(|e| {
        panic!("this test stops the Thrift gateway that scripts/stack runs; {pid_file:?}: {e}")
    });

    let mut ingest = Command::new(env!("CARGO_BIN_EXE_ecomflow"))
        .args(["ingest", "--until-caught-up"])
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A connection opened before the gateway goes away, like the one a job runner holds while
    // Spark works: its next call must reconnect rather than fail.
    let mut held = HBase::connect(&common::config().hbase).unwrap();
    held.table_names().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let killed = Command::new("kill").args(["-9", pid.trim()]).status().unwrap();
    assert!(killed.success(), "could not stop the Thrift gateway (pid {pid})");
    let down_at = Instant::now();
    std::thread::sleep(Duration::from_secs(8));
    assert!(ingest.try_wait().unwrap().is_none(), "ingest must wait for HBase, not give up");

    let stack = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/stack");
    let up = Command::new(stack).arg("up").output().unwrap();
    assert!(up.status.success(), "scripts/stack up: {}", String::from_utf8_lossy(&up.stderr));

    let out = ingest.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ingest failed after the gateway came back:\n{stderr}");
    assert!(stderr.contains("HBase write failed"), "no retry was logged:\n{stderr}");
    assert!(down_at.elapsed() > Duration::from_secs(8));

    assert!(held.table_names().unwrap().contains(&format!("{id}_fraud_analysis")));

    let mut hbase = HBase::connect(&common::config().hbase).unwrap();
    let rows = hbase.scan(&format!("{id}_fraud_analysis"), b"", b"", 5000, |_| {}).unwrap();
    assert_eq!(rows, 30_000);
    let rows = hbase.scan(&format!("{id}_product_group_analytics"), b"", b"", 5000, |_| {});
    assert_eq!(rows.unwrap(), 7_500);
}
