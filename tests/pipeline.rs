//! The main job end to end on the live stack: `ecomflow pipeline run` on about 20 MB, then
//! counts checked across the files, Kafka and HBase, and the report checked on disk.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use ecomflow::generate::Topic;
use ecomflow::hbase::HBase;

#[test]
fn pipeline_runs_every_stage_and_every_record_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let id = common::unique("pl");
    let _cleanup = common::Cleanup::new(&id);
    let topic = |t: Topic| format!("{id}_{}", t.name());
    let prefix = format!("{id}_");
    let envs: Vec<(String, String)> = vec![
        ("ECOMFLOW_KAFKA__TOPICS__SUPPLY_CHAIN".into(), topic(Topic::PharmaceuticalSupplyChain)),
        ("ECOMFLOW_KAFKA__TOPICS__FRAUD".into(), topic(Topic::FraudAnalysis)),
        ("ECOMFLOW_KAFKA__TOPICS__FREIGHT_COST".into(), topic(Topic::FreightCostAnalytics)),
        ("ECOMFLOW_KAFKA__TOPICS__PRODUCT_GROUP".into(), topic(Topic::ProductGroupAnalytics)),
        ("ECOMFLOW_HBASE__TABLE_PREFIX".into(), prefix.clone()),
    ];

    let out = Command::new(env!("CARGO_BIN_EXE_ecomflow"))
        .args(["pipeline", "run", "--size", "20MB", "--seed", "7"])
        .current_dir(dir.path())
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pipeline failed:\n{stdout}\n{stderr}");
    for stage in ["check servers", "hbase tables", "generate", "produce", "ingest into hbase"] {
        assert!(stdout.lines().any(|l| l.starts_with(stage)), "no `{stage}` row:\n{stdout}");
    }
    assert!(stdout.lines().any(|l| l.starts_with("spark jobs")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("report")), "{stdout}");

    // Lines in each generated file: the ground truth.
    let mut lines = BTreeMap::new();
    let mut total_bytes = 0;
    for t in Topic::ALL {
        let text =
            std::fs::read_to_string(dir.path().join(format!("data/{}.jsonl", t.name()))).unwrap();
        total_bytes += text.len();
        lines.insert(t, text.lines().count() as u64);
    }
    assert!((15_000_000..25_000_000).contains(&total_bytes), "{total_bytes} bytes");
    // The stage table counts what was generated.
    let total: u64 = lines.values().sum();
    let generate = stdout.lines().find(|l| l.starts_with("generate")).unwrap();
    let words: Vec<String> = generate.split_whitespace().map(|w| w.replace(',', "")).collect();
    assert!(words.contains(&total.to_string()), "{generate} should say {total} rows");

    // Every record is in Kafka exactly once: the topics were made fresh for this run.
    let mut config = common::config();
    config.hbase.table_prefix = prefix.clone();
    let names: Vec<String> = Topic::ALL.iter().map(|t| topic(*t)).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let parts =
        ecomflow::ingest::lag::group_lag(&config.kafka, &common::unique("g"), &refs).unwrap();
    for t in Topic::ALL {
        let in_kafka: i64 = parts.iter().filter(|p| p.topic == topic(t)).map(|p| p.high).sum();
        assert_eq!(in_kafka as u64, lines[&t], "{} in Kafka", t.name());
    }

    // And exactly one row per record in HBase, in the main table and in its time index.
    let mut hbase = HBase::connect(&config.hbase).unwrap();
    for t in Topic::ALL {
        let table = format!("{prefix}{}", t.name());
        let rows = hbase.scan(&table, b"", b"", 5000, |_| {}).unwrap();
        assert_eq!(rows, lines[&t], "rows in {table}");
        let index = hbase.scan(&format!("{table}_by_time"), b"", b"", 5000, |_| {}).unwrap();
        assert_eq!(index, lines[&t], "rows in {table}_by_time");
    }

    // The report is there and is not an empty shell.
    let index = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    assert!(index.contains("<img"), "index.html shows no chart");
    let pngs = std::fs::read_dir(dir.path().join("report"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(pngs >= 15, "{pngs} PNG files");
}
