//! The three servers, each used for real: Kafka round trip, HBase over Thrift, Spark reading
//! Kafka through its connector, and `ecomflow doctor` against all of them.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use ecomflow::hbase::{HBase, schema::FamilySpec};
use ecomflow::{kafka, spark};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// Produces `values` to a new topic and waits until every one is acknowledged.
fn produce(cfg: &ecomflow::config::Config, topic: &str, values: &[&str]) {
    let producer: BaseProducer = kafka::base_config(&cfg.kafka).create().unwrap();
    for (i, v) in values.iter().enumerate() {
        let key = format!("k{i}");
        producer.send(BaseRecord::to(topic).key(&key).payload(*v)).unwrap();
    }
    producer.flush(Duration::from_secs(30)).expect("every message must be acknowledged");
}

#[test]
fn doctor_reports_every_server_ok() {
    let out = Command::new(env!("CARGO_BIN_EXE_ecomflow")).arg("doctor").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "doctor failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ok ")).collect();
    assert_eq!(ok.len(), 3, "{stdout}");
    assert!(stdout.contains("Spark 4."), "{stdout}");
}

#[test]
fn doctor_names_a_server_that_is_down() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let out = Command::new(env!("CARGO_BIN_EXE_ecomflow"))
        .args(["doctor", "--hbase", "127.0.0.1:1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("hbase")).unwrap();
    assert!(line.starts_with("FAIL") && line.contains("127.0.0.1:1"), "{line}");
    assert!(line.contains("refused"), "{line}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn kafka_message_round_trip() {
    let cfg = common::config();
    let topic = common::unique("rt");
    let _cleanup = common::Cleanup::new(&topic);
    produce(&cfg, &topic, &["hello", "world"]);

    let mut cc = kafka::base_config(&cfg.kafka);
    cc.set("group.id", common::unique("g")).set("auto.offset.reset", "earliest");
    let consumer: BaseConsumer = cc.create().unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.len() < 2 && Instant::now() < deadline {
        if let Some(msg) = consumer.poll(Duration::from_millis(500)) {
            let msg = msg.unwrap();
            got.push(String::from_utf8(msg.payload().unwrap().to_vec()).unwrap());
        }
    }
    assert_eq!(got, vec!["hello", "world"]);
}

#[test]
fn hbase_table_put_and_get_over_thrift() {
    let cfg = common::config();
    let table = common::unique("t");
    let _cleanup = common::Cleanup::new(&table);
    let mut hb = HBase::connect(&cfg.hbase).unwrap();
    assert!(
        hb.ensure_table(&table, &[FamilySpec::simple("d", 1).descriptor()]).unwrap(),
        "table must be new"
    );
    assert!(
        !hb.ensure_table(&table, &[FamilySpec::simple("d", 1).descriptor()]).unwrap(),
        "second create is a no-op"
    );

    let rows = vec![
        (b"r1".to_vec(), vec![("d".into(), "amount".into(), b"12.50".to_vec())]),
        (b"r2".to_vec(), vec![("d".into(), "amount".into(), b"7.25".to_vec())]),
    ];
    hb.put_rows(&table, rows).unwrap();

    let row = hb.get_row(&table, b"r1").unwrap().expect("row r1 must exist");
    let cell = &row.columns.unwrap()[b"d:amount".as_slice()];
    assert_eq!(cell.value.as_deref(), Some(b"12.50".as_slice()));
    assert!(hb.get_row(&table, b"nope").unwrap().is_none());

    let mut keys = Vec::new();
    let n = hb.scan(&table, b"", b"", 100, |r| keys.push(r.row.unwrap())).unwrap();
    assert_eq!(n, 2);
    assert_eq!(keys, vec![b"r1".to_vec(), b"r2".to_vec()]);
    hb.drop_table(&table).unwrap();
    assert!(!hb.table_names().unwrap().contains(&table));
}

#[test]
fn spark_counts_a_kafka_topic_through_the_connector() {
    let cfg = common::config();
    let topic = common::unique("sp");
    let _cleanup = common::Cleanup::new(&topic);
    produce(&cfg, &topic, &["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"]);

    let session = spark::connect(&cfg.spark).unwrap();
    let df = spark::kafka_source::batch_read(&session, cfg.spark_kafka_bootstrap(), &topic);
    assert_eq!(df.count().unwrap(), 3);

    let sum = df
        .select_expr(vec!["sum(get_json_object(CAST(value AS STRING), '$.a') :: int) AS s"])
        .collect()
        .unwrap();
    assert_eq!(sum[0].get(0).and_then(|v| v.as_i64()), Some(6));
}
