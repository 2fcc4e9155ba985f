//! `ecomflow generate` run as a user runs it: the real binary, in a temporary directory.
//!
//! Covers schema validity (every line parses back into its record struct), determinism across
//! thread counts, CSV quoting, id consistency between the shipment topics, and bad input (exit
//! code 2, one line on stderr, nothing written).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ecomflow::generate::{FreightFact, Order, ProductLine, Shipment, Topic};
use serde::de::DeserializeOwned;

/// Runs `ecomflow generate ARGS` in `dir`, with no config file or environment overrides.
fn generate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecomflow"))
        .arg("generate")
        .args(args)
        .current_dir(dir)
        .env_remove("ECOMFLOW_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run ecomflow")
}

fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let out = generate(dir, args);
    assert!(
        out.status.success(),
        "generate {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn file(dir: &Path, topic: Topic, ext: &str) -> PathBuf {
    dir.join(format!("{}.{ext}", topic.name()))
}

fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Vec<T> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| {
                panic!("{}:{}: {e}: {line}", path.display(), i + 1);
            })
        })
        .collect()
}

fn read_csv<T: DeserializeOwned>(path: &Path) -> Vec<T> {
    csv::Reader::from_path(path)
        .unwrap()
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("{} record {}: {e}", path.display(), i + 1)))
        .collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn help_explains_rows_and_size() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_ok(tmp.path(), &["--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in ["--size", "--rows", "--seed", "--start", "--end", "--fraud-share", "--threads"] {
        assert!(help.contains(flag), "help lacks {flag}");
    }
    assert!(help.contains("ceil(N/4)"), "help should define --rows: {help}");
}

#[test]
fn every_jsonl_line_parses_back_and_ids_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_ok(tmp.path(), &["--rows", "5000", "--threads", "2", "--out", "out"]);
    let dir = tmp.path().join("out");
    assert_eq!(
        names_in(&dir),
        [
            "fraud_analysis.jsonl",
            "freight_cost_analytics.jsonl",
            "pharmaceutical_supply_chain.jsonl",
            "product_group_analytics.jsonl",
        ],
        "four files and no temporary leftovers"
    );

    let orders: Vec<Order> = read_jsonl(&file(&dir, Topic::FraudAnalysis, "jsonl"));
    let shipments: Vec<Shipment> =
        read_jsonl(&file(&dir, Topic::PharmaceuticalSupplyChain, "jsonl"));
    let freight: Vec<FreightFact> = read_jsonl(&file(&dir, Topic::FreightCostAnalytics, "jsonl"));
    let products: Vec<ProductLine> = read_jsonl(&file(&dir, Topic::ProductGroupAnalytics, "jsonl"));
    assert_eq!(orders.len(), 5000);
    assert_eq!(shipments.len(), 1250);
    assert_eq!(products.len(), 1250);

    let tx: HashSet<u64> = orders.iter().map(|o| o.transaction_id).collect();
    assert_eq!(tx.len(), orders.len(), "transaction ids are unique");
    let fraud = orders.iter().filter(|o| o.is_fraud).count() as f64 / orders.len() as f64;
    assert!((fraud - 0.08).abs() < 0.01, "default fraud target 8 %, got {fraud}");

    let line_ids: HashSet<u64> = shipments.iter().map(|s| s.id).collect();
    let product_ids: HashSet<u64> = products.iter().map(|p| p.line_id).collect();
    assert_eq!(line_ids, product_ids, "product facts cover the same lines");
    let shipment_ids: HashSet<String> =
        shipments.iter().map(|s| s.asn_dn_number.to_string()).collect();
    let fact_ids: HashSet<String> = freight.iter().map(|f| f.shipment_id.to_string()).collect();
    assert_eq!(shipment_ids, fact_ids, "one freight fact per shipment");
    assert_eq!(fact_ids.len(), freight.len());

    let summary = String::from_utf8(out.stdout).unwrap();
    for topic in Topic::ALL {
        assert!(summary.contains(topic.name()), "summary lacks {topic}: {summary}");
    }
    assert!(summary.contains("MB/s") && summary.contains("rows/s"), "{summary}");
}

#[test]
fn one_and_two_threads_write_identical_files() {
    for format in ["jsonl", "csv"] {
        let tmp = tempfile::tempdir().unwrap();
        let common = ["--rows", "20000", "--seed", "11", "--format", format];
        run_ok(tmp.path(), &[&common[..], &["--threads", "1", "--out", "one"]].concat());
        run_ok(tmp.path(), &[&common[..], &["--threads", "2", "--out", "two"]].concat());
        for topic in Topic::ALL {
            let one = fs::read(file(&tmp.path().join("one"), topic, format)).unwrap();
            let two = fs::read(file(&tmp.path().join("two"), topic, format)).unwrap();
            assert!(!one.is_empty());
            assert!(one == two, "{topic}.{format} differs between 1 and 2 threads");
        }
    }
}

#[test]
fn seeds_give_different_data() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(tmp.path(), &["--rows", "300", "--seed", "1", "--out", "a"]);
    run_ok(tmp.path(), &["--rows", "300", "--seed", "2", "--out", "b"]);
    let read =
        |d: &str| fs::read(file(&tmp.path().join(d), Topic::FraudAnalysis, "jsonl")).unwrap();
    assert_ne!(read("a"), read("b"));
}

#[test]
fn csv_quotes_commas_quotes_and_newlines() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(tmp.path(), &["--rows", "8000", "--format", "csv", "--out", "csv"]);
    let dir = tmp.path().join("csv");

    let shipments: Vec<Shipment> = read_csv(&file(&dir, Topic::PharmaceuticalSupplyChain, "csv"));
    assert_eq!(shipments.len(), 2000);
    assert!(shipments.iter().any(|s| s.item_description.contains(',')));
    assert!(shipments.iter().any(|s| s.item_description.contains('"')));
    assert!(shipments.iter().any(|s| s.manufacturing_site.contains('\n')));
    assert!(shipments.iter().any(|s| s.vendor.contains(',')));

    let orders: Vec<Order> = read_csv(&file(&dir, Topic::FraudAnalysis, "csv"));
    assert_eq!(orders.len(), 8000);
    assert!(orders.iter().any(|o| o.city.contains(',')));
    let freight: Vec<FreightFact> = read_csv(&file(&dir, Topic::FreightCostAnalytics, "csv"));
    assert!(!freight.is_empty());
    let products: Vec<ProductLine> = read_csv(&file(&dir, Topic::ProductGroupAnalytics, "csv"));
    assert_eq!(products.len(), 2000);

    // The raw text escapes quotes by doubling them inside a quoted field.
    let raw = fs::read_to_string(file(&dir, Topic::PharmaceuticalSupplyChain, "csv")).unwrap();
    assert!(raw.contains("\"\""), "doubled quotes expected");
    assert!(raw.starts_with("id,project_code,"), "header row first");
    assert_eq!(raw.matches("id,project_code,").count(), 1, "one header row");
}

#[test]
fn bad_inputs_exit_2_with_one_line_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a_file"), b"not a directory").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--rows", "0"], "--rows"),
        (&["--rows", "-5"], "--rows"),
        (&["--rows", "many"], "--rows"),
        (&["--size", "-1GB"], "--size"),
        (&["--size", "lots"], "--size"),
        (&["--size", "0"], "--size"),
        (&["--size", "500PB"], "free"),
        (&["--start", "2024-02-30"], "--start"),
        (&["--start", "2024-06-01", "--end", "2024-01-01"], "--end"),
        (&["--fraud-share", "1.5"], "--fraud-share"),
        (&["--fraud-share", "-0.1"], "--fraud-share"),
        (&["--threads", "0"], "--threads"),
    ];
    for (args, mention) in cases {
        let all = [&args[..], &["--out", "out"]].concat();
        let out = generate(tmp.path(), &all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: one line, got {stderr}");
        assert!(stderr.contains(mention), "{args:?}: {stderr} should mention {mention}");
        assert!(!tmp.path().join("out").exists(), "{args:?} wrote something");
    }

    // An --out that is a file, or lies under one.
    for out_dir in ["a_file", "a_file/below"] {
        let out = generate(tmp.path(), &["--rows", "10", "--out", out_dir]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{out_dir}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{out_dir}: {stderr}");
        assert!(stderr.contains("directory"), "{stderr}");
    }
    assert_eq!(fs::read(tmp.path().join("a_file")).unwrap(), b"not a directory");

    // Unknown formats are refused by the argument parser, which names the accepted ones.
    let out = generate(tmp.path(), &["--format", "xml", "--out", "out"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("jsonl") && stderr.contains("csv"), "{stderr}");
    assert!(!tmp.path().join("out").exists());

    assert_eq!(names_in(tmp.path()), ["a_file"], "nothing else was written");
}

#[test]
fn a_second_run_replaces_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(tmp.path(), &["--rows", "200", "--out", "out"]);
    run_ok(tmp.path(), &["--rows", "100", "--out", "out"]);
    let orders: Vec<Order> =
        read_jsonl(&file(&tmp.path().join("out"), Topic::FraudAnalysis, "jsonl"));
    assert_eq!(orders.len(), 100);
    assert_eq!(names_in(&tmp.path().join("out")).len(), 4);
}
