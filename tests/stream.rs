//! The real-time fraud query against the live stack: a one-minute window must reach the output
//! topic within 60 s of its orders being produced, with the counts of those orders.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ecomflow::generate::{Dataset, DatasetSpec, Format, Order, Volume};
use ecomflow::spark::stream;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use serde_json::Value;

#[test]
fn a_windowed_insight_arrives_within_60_seconds() {
    let mut config = common::config();
    let id = common::unique("stream");
    let _cleanup = common::Cleanup::new(&id);
    let dir = tempfile::tempdir().unwrap();
    config.kafka.topics.fraud = format!("{id}_orders");
    config.jobs.stream_topic = format!("{id}_windows");
    config.jobs.checkpoint_dir = format!("/tmp/ecomflow-test-checkpoints/{id}");
    config.jobs.stream_state_file = dir.path().join("stream.json");
    config.jobs.stream_trigger = "2 seconds".into();
    ecomflow::kafka::admin::ensure_topics(&config.kafka, &[&config.kafka.topics.fraud]).unwrap();

    // Reading from the first offset of a new topic: nothing produced later can be missed.
    let state = stream::start(&config, true).unwrap();
    let again = stream::start(&config, true).unwrap();
    assert_eq!(again.query_id, state.query_id, "a second start must find the running query");
    assert!(stream::status(&config).unwrap().unwrap().active);

    let spec = DatasetSpec {
        volume: Volume::Rows(400),
        seed: 5,
        start: chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        end: chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        ..Default::default()
    };
    let dataset = Dataset::new(spec, Format::Jsonl).unwrap();
    let orders: Vec<Order> = dataset.chunks().flat_map(|c| dataset.records(c).orders).collect();
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for o in &orders {
        let minute = o.event_time.format("%Y-%m-%dT%H:%M:00Z").to_string();
        *expected.entry(minute).or_default() += 1;
    }

    let mut cc = ecomflow::kafka::base_config(&config.kafka);
    cc.set("group.id", common::unique("g")).set("auto.offset.reset", "earliest");
    let consumer: BaseConsumer = cc.create().unwrap();
    consumer.subscribe(&[&config.jobs.stream_topic]).unwrap();

    let producer: BaseProducer = ecomflow::kafka::base_config(&config.kafka).create().unwrap();
    for o in &orders {
        let payload = serde_json::to_string(o).unwrap();
        let key = o.transaction_id.to_string();
        producer
            .send(BaseRecord::to(&config.kafka.topics.fraud).key(&key).payload(&payload))
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    let produced = Instant::now();

    // Keep the last value per window until the first one arrives and a few seconds after.
    let mut windows: BTreeMap<String, Value> = BTreeMap::new();
    let mut first = None;
    while produced.elapsed() < Duration::from_secs(60) {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(500)) {
            let v: Value = serde_json::from_slice(m.payload().unwrap()).unwrap();
            windows.insert(v["window_start"].as_str().unwrap().to_string(), v);
            first.get_or_insert(produced.elapsed());
        }
        if first.is_some_and(|t| produced.elapsed() > t + Duration::from_secs(8)) {
            break;
        }
    }
    let stopped = stream::stop(&config).unwrap();
    let first = first.expect("no window arrived within 60 s of producing the orders");
    assert!(stopped);
    assert!(stream::status(&config).unwrap().is_none());
    eprintln!("first window after {:.1} s, {} windows", first.as_secs_f64(), windows.len());

    let mut exact = 0;
    for (start, v) in &windows {
        let want = *expected.get(start).unwrap_or_else(|| panic!("window {start} has no orders"));
        let got = v["orders"].as_i64().unwrap();
        assert!(got <= want, "window {start}: {got} orders, only {want} produced");
        let share = v["fraud_share"].as_f64().unwrap();
        assert!((share - v["frauds"].as_f64().unwrap() / got as f64).abs() < 1e-12);
        exact += (got == want) as usize;
    }
    assert!(exact > 0, "no window holds all of its orders: {windows:?}");
}
