//! `produce` and `ingest` against the live stack: counts end to end, a SIGKILL in the middle of
//! an ingest, and records that must go to the dead-letter topics.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use ecomflow::generate::Topic;
use ecomflow::hbase::HBase;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// Topic names, table prefix and consumer group of one test, as environment variables.
struct Isolated {
    id: String,
    _cleanup: common::Cleanup,
}

impl Isolated {
    fn new(tag: &str) -> Isolated {
        let id = common::unique(tag);
        Isolated { _cleanup: common::Cleanup::new(&id), id }
    }

    fn topic(&self, t: Topic) -> String {
        format!("{}_{}", self.id, t.name())
    }

    fn prefix(&self) -> String {
        format!("{}_", self.id)
    }

    fn envs(&self) -> Vec<(String, String)> {
        vec![
            (
                "ECOMFLOW_KAFKA__TOPICS__SUPPLY_CHAIN".into(),
                self.topic(Topic::PharmaceuticalSupplyChain),
            ),
            ("ECOMFLOW_KAFKA__TOPICS__FRAUD".into(), self.topic(Topic::FraudAnalysis)),
            (
                "ECOMFLOW_KAFKA__TOPICS__FREIGHT_COST".into(),
                self.topic(Topic::FreightCostAnalytics),
            ),
            (
                "ECOMFLOW_KAFKA__TOPICS__PRODUCT_GROUP".into(),
                self.topic(Topic::ProductGroupAnalytics),
            ),
            ("ECOMFLOW_HBASE__TABLE_PREFIX".into(), self.prefix()),
            ("ECOMFLOW_INGEST__GROUP_ID".into(), format!("{}_group", self.id)),
        ]
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ecomflow"));
        c.args(args).envs(self.envs());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().unwrap();
        assert!(
            out.status.success(),
            "ecomflow {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Rows in each record table, counted by a full scan.
    fn hbase_rows(&self) -> BTreeMap<Topic, u64> {
        let mut hbase = HBase::connect(&common::config().hbase).unwrap();
        Topic::ALL
            .iter()
            .map(|t| {
                let table = format!("{}{}", self.prefix(), t.name());
                (*t, hbase.scan(&table, b"", b"", 5000, |_| {}).unwrap())
            })
            .collect()
    }

    /// Records per topic, from the `produce` summary table.
    fn produced(out: &Output, iso: &Isolated) -> BTreeMap<Topic, u64> {
        let stdout = String::from_utf8_lossy(&out.stdout);
        Topic::ALL
            .iter()
            .map(|t| {
                let name = iso.topic(*t);
                let line = stdout.lines().find(|l| l.split_whitespace().next() == Some(&name));
                let n = line.and_then(|l| l.split_whitespace().nth(1)).unwrap_or("0");
                (*t, n.parse().unwrap())
            })
            .collect()
    }
}

#[test]
fn every_produced_record_is_stored_once() {
    let iso = Isolated::new("cnt");
    // Record tables start pre-split as hbase/tables.toml declares (through the thrift2
    // gateway); the others with one region. A second init keeps what exists.
    let init = iso.run(&["hbase", "init"]);
    let init = String::from_utf8_lossy(&init.stdout);
    let id = &iso.id;
    for line in [
        format!("created  {id}_fraud_analysis  (5 regions)"),
        format!("created  {id}_fraud_analysis_by_time  (4 regions)"),
        format!("created  {id}_freight_cost_analytics  (4 regions)"),
        format!("created  {id}_insights  (1 region)"),
    ] {
        assert!(init.lines().any(|l| l == line), "no `{line}` in:\n{init}");
    }
    assert_eq!(init.lines().filter(|l| l.starts_with("created")).count(), 10, "{init}");
    let again = iso.run(&["hbase", "init"]);
    let again = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.lines().filter(|l| l.starts_with("exists")).count(), 10, "{again}");
    let mut hbase = HBase::connect(&common::config().hbase).unwrap();
    assert_eq!(hbase.region_count(&format!("{id}_product_group_analytics")).unwrap(), 5);

    let out = iso.run(&["produce", "--rows", "3000", "--seed", "11"]);
    let produced = Isolated::produced(&out, &iso);
    assert_eq!(produced[&Topic::FraudAnalysis], 3000);
    assert_eq!(produced[&Topic::PharmaceuticalSupplyChain], 750);
    assert_eq!(produced[&Topic::ProductGroupAnalytics], 750);
    assert!(produced[&Topic::FreightCostAnalytics] > 0);

    iso.run(&["ingest", "--until-caught-up"]);
    assert_eq!(iso.hbase_rows(), produced);
    // Row keys are the ids 1-3000 as text: the region from "2" to "4" holds ids 2-3, 20-39,
    // 200-399 and 2000-3000.
    let orders = format!("{id}_fraud_analysis");
    assert_eq!(hbase.scan(&orders, b"2", b"4", 1000, |_| {}).unwrap(), 2 + 20 + 200 + 1001);

    // A second ingest finds nothing to do, and a replay of the same records (a new group reads
    // everything again) writes the same rows: still one row per record.
    iso.run(&["ingest", "--until-caught-up"]);
    let mut replay = iso.command(&["ingest", "--until-caught-up"]);
    replay.env("ECOMFLOW_INGEST__GROUP_ID", format!("{}_replay", iso.id));
    assert!(replay.output().unwrap().status.success());
    assert_eq!(iso.hbase_rows(), produced);

    let lag = iso.run(&["lag"]);
    assert!(String::from_utf8_lossy(&lag.stdout).contains("total lag 0"));
}

#[test]
fn sigkill_in_the_middle_of_an_ingest_loses_and_duplicates_nothing() {
    let iso = Isolated::new("kill");
    iso.run(&["hbase", "init"]);
    let out = iso.run(&["produce", "--rows", "40000", "--seed", "12"]);
    let produced = Isolated::produced(&out, &iso);
    let total: u64 = produced.values().sum();

    let mut ingest = iso.spawn(&["ingest"]);
    // Kill once part of the data is stored, not before the first batch nor after the last.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let stored: u64 = iso.hbase_rows().values().sum();
        if stored > 0 {
            assert!(stored < total, "ingest finished before it could be killed");
            break;
        }
        assert!(Instant::now() < deadline, "ingest stored nothing in 120 s");
    }
    ingest.kill().unwrap(); // SIGKILL: no flush, no commit
    ingest.wait().unwrap();
    assert!(iso.hbase_rows().values().sum::<u64>() < total);

    iso.run(&["ingest", "--until-caught-up"]);
    assert_eq!(iso.hbase_rows(), produced);
}

#[test]
fn records_of_transactions_are_stored_and_the_run_catches_up_past_their_markers() {
    let iso = Isolated::new("txn");
    iso.run(&["hbase", "init"]);
    let data = tempfile::tempdir().unwrap();
    iso.run(&["generate", "--rows", "300", "--seed", "16", "--out", data.path().to_str().unwrap()]);
    let orders = jsonl(&data.path().join("fraud_analysis.jsonl"));

    // Three committed transactions of 100 orders and one aborted: each ends in a control record
    // that takes an offset but is never delivered to a consumer.
    let mut pc = ecomflow::kafka::base_config(&common::config().kafka);
    pc.set("transactional.id", format!("{}_tx", iso.id));
    let producer: BaseProducer = pc.create().unwrap();
    let wait = Duration::from_secs(30);
    producer.init_transactions(wait).unwrap();
    let topic = iso.topic(Topic::FraudAnalysis);
    for (i, chunk) in orders.chunks(100).enumerate() {
        producer.begin_transaction().unwrap();
        common::send(&producer, &topic, Topic::FraudAnalysis, chunk);
        producer.commit_transaction(wait).unwrap();
        if i == 1 {
            producer.begin_transaction().unwrap();
            common::send(&producer, &topic, Topic::FraudAnalysis, &orders[..5]);
            // Aborting needs the queue served first; flush does that.
            producer.flush(wait).unwrap();
            producer.abort_transaction(wait).unwrap();
        }
    }

    let mut ingest = iso.spawn(&["ingest", "--until-caught-up"]);
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = ingest.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            ingest.kill().unwrap();
            panic!("ingest --until-caught-up still running after 90 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success());
    assert_eq!(iso.hbase_rows()[&Topic::FraudAnalysis], 300);
    let lag = iso.run(&["lag"]);
    let lag = String::from_utf8_lossy(&lag.stdout);
    assert!(lag.lines().any(|l| l.trim() == "total lag 0"), "{lag}");
}

#[test]
fn bad_records_go_to_the_dead_letter_topic_with_their_reason() {
    let iso = Isolated::new("dlq");
    iso.run(&["hbase", "init"]);
    let out = iso.run(&["produce", "--rows", "200", "--seed", "13"]);
    let produced = Isolated::produced(&out, &iso);

    // Bad records between good ones, on the orders topic.
    let cfg = common::config();
    let fraud = iso.topic(Topic::FraudAnalysis);
    let mut good: serde_json::Value = {
        let path = tempfile::tempdir().unwrap();
        let dir = path.path().to_str().unwrap().to_string();
        iso.run(&["generate", "--rows", "1", "--out", &dir]);
        let text = std::fs::read_to_string(path.path().join("fraud_analysis.jsonl")).unwrap();
        serde_json::from_str(text.lines().next().unwrap()).unwrap()
    };
    good["transaction_id"] = serde_json::Value::from(999_999_999u64);
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("user_id");
    let mut wrong = good.clone();
    wrong["quantity"] = serde_json::Value::from("two");
    let huge = vec![b'x'; 2 << 20];
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("not valid JSON", b"this is not json".to_vec()),
        ("missing field `user_id`", serde_json::to_vec(&missing).unwrap()),
        ("invalid type", serde_json::to_vec(&wrong).unwrap()),
        ("exceeds", huge),
    ];
    let mut pc = ecomflow::kafka::base_config(&cfg.kafka);
    pc.set("message.max.bytes", "16777216");
    let producer: BaseProducer = pc.create().unwrap();
    for (i, (_, value)) in bad.iter().enumerate() {
        producer.send(BaseRecord::to(&fraud).key(&format!("bad{i}")).payload(value)).unwrap();
    }
    let good_bytes = serde_json::to_vec(&good).unwrap();
    producer.send(BaseRecord::to(&fraud).key("good").payload(&good_bytes)).unwrap();
    producer.flush(Duration::from_secs(30)).unwrap();

    let out = iso.run(&["ingest", "--until-caught-up"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with(&fraud)).unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols[1].parse::<u64>().unwrap(), produced[&Topic::FraudAnalysis] + 1, "{line}");
    assert_eq!(cols[2], "4", "{line}");

    let mut expected = produced.clone();
    *expected.get_mut(&Topic::FraudAnalysis).unwrap() += 1;
    assert_eq!(iso.hbase_rows(), expected);

    // Each refused record is in <topic>.dlq, unchanged, with its reason in a header.
    let mut cc = ecomflow::kafka::base_config(&cfg.kafka);
    cc.set("group.id", common::unique("dlqread")).set("auto.offset.reset", "earliest");
    let consumer: BaseConsumer = cc.create().unwrap();
    consumer.subscribe(&[&format!("{fraud}.dlq")]).unwrap();
    let mut reasons = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while reasons.len() < 4 && Instant::now() < deadline {
        if let Some(Ok(msg)) = consumer.poll(Duration::from_millis(500)) {
            let headers = msg.headers().unwrap();
            let reason = headers
                .iter()
                .find(|h| h.key == ecomflow::ingest::DLQ_REASON_HEADER)
                .and_then(|h| h.value)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .unwrap();
            let key = String::from_utf8_lossy(msg.key().unwrap()).into_owned();
            let i: usize = key.trim_start_matches("bad").parse().unwrap();
            assert_eq!(msg.payload().unwrap(), bad[i].1.as_slice(), "payload of {key}");
            reasons.insert(i, reason);
        }
    }
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    for (i, (expected, _)) in bad.iter().enumerate() {
        assert!(reasons[&i].contains(expected), "record {i}: {}", reasons[&i]);
    }
}

/// The records of one generated file, as JSON values.
fn jsonl(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `ecomflow hbase scan` output as JSON values.
fn records_of(out: &Output) -> Vec<serde_json::Value> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `records` in the order of their time-index keys `<time>|<id>`, those with a time in
/// `[from, to)` only, compared as text as HBase compares keys.
fn in_index_order(
    records: &[serde_json::Value],
    time: &str,
    id: &str,
    from: &str,
    to: &str,
) -> Vec<serde_json::Value> {
    let text = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let mut keyed: Vec<(String, serde_json::Value)> = records
        .iter()
        .filter(|r| {
            let t = text(&r[time]);
            t.as_str() >= from && t.as_str() < to
        })
        .map(|r| (format!("{}|{}", text(&r[time]), text(&r[id])), r.clone()))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn stored_records_answer_point_lookups_and_time_range_scans() {
    let iso = Isolated::new("query");
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    iso.run(&["generate", "--rows", "2400", "--seed", "14", "--out", dir]);
    iso.run(&["hbase", "init"]);
    iso.run(&["produce", "--from", dir]);
    iso.run(&["ingest", "--until-caught-up"]);
    let orders = jsonl(&data.path().join("fraud_analysis.jsonl"));
    let freight = jsonl(&data.path().join("freight_cost_analytics.jsonl"));
    assert_eq!(orders.len(), 2400);

    // Point lookups return the stored records, in the order asked.
    let out = iso.run(&["hbase", "get", "fraud_analysis", "1770", "3", "2400"]);
    assert_eq!(
        records_of(&out),
        vec![orders[1769].clone(), orders[2].clone(), orders[2399].clone()]
    );
    let ship = freight[7]["shipment_id"].as_str().unwrap();
    let out = iso.run(&["hbase", "get", "freight_cost_analytics", ship]);
    assert_eq!(records_of(&out), vec![freight[7].clone()]);

    // A missing id: the others are printed, the missing one is named, exit 1.
    let out = iso.command(&["hbase", "get", "fraud_analysis", "12", "2401"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(records_of(&out), vec![orders[11].clone()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "error: {}fraud_analysis has no record with id 2401; ids are the records' \
             transaction_id values",
            iso.prefix()
        )
    );

    // A week of orders, a month of freight facts, and every order (more than one page of the
    // index), each exactly the records of that range in time order.
    let week =
        iso.run(&["hbase", "scan", "fraud_analysis", "--from", "2024-03-01", "--to", "2024-03-08"]);
    let expected =
        in_index_order(&orders, "event_time", "transaction_id", "2024-03-01", "2024-03-08");
    assert!(expected.len() > 20, "only {} orders that week", expected.len());
    assert_eq!(records_of(&week), expected);

    let month = iso.run(&[
        "hbase",
        "scan",
        "freight_cost_analytics",
        "--from",
        "2024-06",
        "--to",
        "2024-07",
    ]);
    let expected = in_index_order(&freight, "delivered_date", "shipment_id", "2024-06", "2024-07");
    assert!(!expected.is_empty());
    assert_eq!(records_of(&month), expected);

    let all = iso.run(&["hbase", "scan", "fraud_analysis", "--from", "2000", "--limit", "0"]);
    let expected = in_index_order(&orders, "event_time", "transaction_id", "2000", "3000");
    assert_eq!(records_of(&all), expected);
    assert_eq!(expected.len(), 2400);

    // --limit stops early and says so; the records are the first of the range.
    let out = iso.run(&["hbase", "scan", "fraud_analysis", "--from", "2024", "--limit", "7"]);
    assert_eq!(records_of(&out), expected[..7].to_vec());
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped after --limit 7 records"));
    // A limit the range exactly fills is no early stop.
    let out = iso.run(&["hbase", "scan", "fraud_analysis", "--from", "2000", "--limit", "2400"]);
    assert_eq!(records_of(&out).len(), 2400);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

    // The first 1,200 ids sent again from a smaller data set, whose times are spread otherwise:
    // each record's row now holds its new time, and the index rows of its old time, still
    // stored, must bring it neither twice nor into a range it has left.
    let again = tempfile::tempdir().unwrap();
    let again_dir = again.path().to_str().unwrap();
    iso.run(&["generate", "--rows", "1200", "--seed", "15", "--out", again_dir]);
    let resent = jsonl(&again.path().join("fraud_analysis.jsonl"));
    let moved = resent.iter().zip(&orders).filter(|(a, b)| a["event_time"] != b["event_time"]);
    assert!(moved.count() > 1000, "the second data set should move most orders in time");
    // One more order whose time carries an offset: 23:30 at -05:00 is the next day in UTC.
    let mut offset = orders[0].clone();
    offset["transaction_id"] = serde_json::json!(9_000_001);
    offset["event_time"] = serde_json::json!("2024-09-09T23:30:00-05:00");
    iso.run(&["produce", "--from", again_dir]);
    let producer: BaseProducer =
        ecomflow::kafka::base_config(&common::config().kafka).create().unwrap();
    common::send(
        &producer,
        &iso.topic(Topic::FraudAnalysis),
        Topic::FraudAnalysis,
        &[offset.clone()],
    );
    producer.flush(Duration::from_secs(30)).unwrap();
    iso.run(&["ingest", "--until-caught-up"]);

    // Expected: the records as now stored, in index order, the offset order at its UTC time.
    let mut offset_utc = offset.clone();
    offset_utc["event_time"] = serde_json::json!("2024-09-10T04:30:00Z");
    let mut now: Vec<serde_json::Value> = resent.clone();
    now.extend_from_slice(&orders[1200..]);
    now.push(offset_utc.clone());
    let mut expected = in_index_order(&now, "event_time", "transaction_id", "2000", "3000");
    expected.iter_mut().filter(|r| **r == offset_utc).for_each(|r| *r = offset.clone());
    let all = iso.run(&["hbase", "scan", "fraud_analysis", "--from", "2000", "--limit", "0"]);
    assert_eq!(expected.len(), 2401);
    assert_eq!(records_of(&all), expected);
    let day =
        iso.run(&["hbase", "scan", "fraud_analysis", "--from", "2024-09-10", "--to", "2024-09-11"]);
    assert!(records_of(&day).contains(&offset));
    let eve =
        iso.run(&["hbase", "scan", "fraud_analysis", "--from", "2024-09-09", "--to", "2024-09-10"]);
    assert!(!records_of(&eve).contains(&offset));

    // Bad input: one line, exit 2, nothing printed.
    for (args, message) in [
        (
            vec!["hbase", "scan", "fraud_analysis", "--from", "2024-13"],
            "error: invalid --from \"2024-13\": expected YYYY, YYYY-MM, YYYY-MM-DD",
        ),
        (
            vec!["hbase", "scan", "freight_cost_analytics", "--from", "2024-03-01T10"],
            "error: invalid --from \"2024-03-01T10\": expected YYYY, YYYY-MM or YYYY-MM-DD \
             (this table is indexed by date)",
        ),
        (
            vec!["hbase", "scan", "fraud_analysis", "--from", "2024-04", "--to", "2024-03"],
            "error: empty time range: --from 2024-04 must come before --to 2024-03",
        ),
        (vec!["hbase", "get", "orders", "1"], "error: unknown record table \"orders\""),
    ] {
        let out = iso.command(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(message), "{args:?}: {stderr}");
    }
}
