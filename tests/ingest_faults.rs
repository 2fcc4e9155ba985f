//! Servers stop in the middle of an ingest and come back: the ingest waits, retries, and
//! completes with every row, none twice.
//!
//! These tests stop real servers of the stack that `scripts/stack` runs, so they live in their
//! own test binary (cargo runs test binaries one after the other, so no other test is using the
//! stack meanwhile) and take turns through `SERVERS`.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ecomflow::hbase::HBase;

/// Held while a test has a server down.
static SERVERS: Mutex<()> = Mutex::new(());

fn stack_home() -> std::path::PathBuf {
    std::env::var_os("ECOMFLOW_STACK_HOME").map(Into::into).unwrap_or_else(|| {
        std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/ecomflow/stack")
    })
}

/// Topics, tables and group of one test, passed to the binary as ECOMFLOW_* variables.
struct Run {
    id: String,
    envs: Vec<(&'static str, String)>,
    _cleanup: common::Cleanup,
}

impl Run {
    fn new(tag: &str) -> Run {
        let id = common::unique(tag);
        let envs = vec![
            ("ECOMFLOW_KAFKA__TOPICS__SUPPLY_CHAIN", format!("{id}_sc")),
            ("ECOMFLOW_KAFKA__TOPICS__FRAUD", format!("{id}_fraud")),
            ("ECOMFLOW_KAFKA__TOPICS__FREIGHT_COST", format!("{id}_fc")),
            ("ECOMFLOW_KAFKA__TOPICS__PRODUCT_GROUP", format!("{id}_pg")),
            ("ECOMFLOW_HBASE__TABLE_PREFIX", format!("{id}_")),
            ("ECOMFLOW_INGEST__GROUP_ID", format!("{id}_group")),
            // Retry often, so the run resumes soon after the server is back.
            ("ECOMFLOW_INGEST__RETRY_MAX_BACKOFF", "2s".to_string()),
            // Small batches keep the ingest running for seconds, long enough to stop a server
            // in its middle.
            ("ECOMFLOW_INGEST__BATCH_SIZE", "100".to_string()),
        ];
        Run { _cleanup: common::Cleanup::new(&id), id, envs }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecomflow"));
        cmd.args(args).envs(self.envs.iter().map(|(k, v)| (*k, v.as_str())));
        cmd
    }

    fn ecomflow(&self, args: &[&str]) {
        let out = self.command(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Records in the topics that the run's group has not committed yet.
    fn lag(&self) -> i64 {
        let topics: Vec<String> =
            ["sc", "fraud", "fc", "pg"].iter().map(|t| format!("{}_{t}", self.id)).collect();
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        let group = format!("{}_group", self.id);
        let parts = ecomflow::ingest::lag::group_lag(&common::config().kafka, &group, &topics);
        parts.unwrap().iter().map(|p| p.lag()).sum()
    }

    /// Starts the ingest and waits until it has committed some of the records, not all.
    fn start_ingest_and_wait_for_progress(&self) -> Child {
        let total = self.lag();
        assert!(total > 30_000, "produce left {total} records to ingest");
        let mut ingest = self
            .command(&["ingest", "--until-caught-up"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let lag = loop {
            let lag = self.lag();
            if lag == 0 || lag < total || Instant::now() > deadline {
                break lag;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        if lag == 0 || lag == total {
            let _ = ingest.kill();
            let _ = ingest.wait();
            panic!("no server could be stopped in the middle of the ingest: lag {lag} of {total}");
        }
        ingest
    }

    /// Row counts of the orders and product-lines tables.
    fn rows(&self) -> (u64, u64) {
        let mut hbase = HBase::connect(&common::config().hbase).unwrap();
        let mut count = |table: &str| {
            hbase.scan(&format!("{}_{table}", self.id), b"", b"", 5000, |_| {}).unwrap()
        };
        (count("fraud_analysis"), count("product_group_analytics"))
    }
}

/// Stops the server whose pid `scripts/stack` keeps under `service`, and waits until it is gone.
fn stop_server(service: &str, signal: &str) {
    let pid_file = stack_home().join(format!("run/{service}.pid"));
    let pid = std::fs::read_to_string(&pid_file).unwrap_or_else(|e| {
        panic!("this test stops the {service} server that scripts/stack runs; {pid_file:?}: {e}")
    });
    let pid = pid.trim();
    let killed = Command::new("kill").args([signal, pid]).status().unwrap();
    assert!(killed.success(), "could not stop {service} (pid {pid})");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "{service} (pid {pid}) did not stop in 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_servers() {
    let stack = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/stack");
    let up = Command::new(stack).arg("up").output().unwrap();
    assert!(up.status.success(), "scripts/stack up: {}", String::from_utf8_lossy(&up.stderr));
}

#[test]
fn ingest_survives_a_thrift_gateway_restart() {
    let _turn = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
    let run = Run::new("thr");
    run.ecomflow(&["hbase", "init"]);
    run.ecomflow(&["produce", "--rows", "30000", "--seed", "21"]);

    // A connection opened before the gateway goes away, like the one a job runner holds while
    // Spark works: its next call must reconnect rather than fail.
    let mut held = HBase::connect(&common::config().hbase).unwrap();
    held.table_names().unwrap();
    let mut ingest = run.start_ingest_and_wait_for_progress();
    stop_server("thrift", "-9");
    let down_at = Instant::now();
    std::thread::sleep(Duration::from_secs(8));
    assert!(ingest.try_wait().unwrap().is_none(), "ingest must wait for HBase, not give up");
    start_servers();

    let out = ingest.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ingest failed after the gateway came back:\n{stderr}");
    assert!(stderr.contains("HBase write failed"), "no retry was logged:\n{stderr}");
    assert!(down_at.elapsed() > Duration::from_secs(8));

    assert!(held.table_names().unwrap().contains(&format!("{}_fraud_analysis", run.id)));
    assert_eq!(run.rows(), (30_000, 7_500));
}

#[test]
fn ingest_survives_a_kafka_broker_restart() {
    let _turn = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
    let run = Run::new("kbr");
    run.ecomflow(&["hbase", "init"]);
    run.ecomflow(&["produce", "--rows", "30000", "--seed", "22"]);

    let mut ingest = run.start_ingest_and_wait_for_progress();
    // A crash: a clean shutdown takes the broker 10-15 s, time in which the ingest could finish.
    stop_server("kafka", "-9");
    std::thread::sleep(Duration::from_secs(5));
    assert!(ingest.try_wait().unwrap().is_none(), "ingest must wait for Kafka, not give up");
    start_servers();

    let out = ingest.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ingest failed after the broker came back:\n{stderr}");
    assert_eq!(run.rows(), (30_000, 7_500));
}
