//! `ecomflow report` against the live stack: a small data set goes to its own Kafka topics, the
//! four built-in jobs run on Spark into prefixed HBase tables, and the report rendered from
//! those insights must be complete: every chart as a PNG of the expected size that is not
//! blank and as an SVG that parses, and an index.html whose key numbers equal the insights in
//! HBase and the generated records.
//!
//! Like the other live tests it never skips: a server that is not there fails the test.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ecomflow::config::Config;
use ecomflow::generate::{Dataset, DatasetSpec, Format, Topic, Volume};
use ecomflow::hbase::HBase;
use ecomflow::hbase::schema::{FamilySpec, Schema};
use ecomflow::insights;
use ecomflow::report::{self, Insights, MARKER};
use ecomflow::spark::jobs::{self, Status};
use rdkafka::producer::{BaseProducer, Producer};

/// Orders in the data set: enough for every chart to have data, small enough for a quick run.
const ORDERS: u64 = 2_000;

/// Produces the data set to unique topics and creates the prefixed tables the jobs write to;
/// returns the configuration that points at them and the number of fraudulent orders.
fn setup() -> (Config, u64) {
    let config = common::isolated_config("report");

    let spec = DatasetSpec { volume: Volume::Rows(ORDERS), seed: 23, ..Default::default() };
    let dataset = Dataset::new(spec, Format::Jsonl).unwrap();
    let t = config.kafka.topics.clone();
    ecomflow::kafka::admin::ensure_topics(
        &config.kafka,
        &[&t.fraud, &t.supply_chain, &t.freight_cost, &t.product_group],
    )
    .unwrap_or_else(|e| panic!("Kafka at {}: {e:#}", config.kafka.bootstrap_servers));
    let producer: BaseProducer = ecomflow::kafka::base_config(&config.kafka).create().unwrap();
    let mut frauds = 0;
    for chunk in dataset.chunks() {
        let r = dataset.records(chunk);
        frauds += r.orders.iter().filter(|o| o.is_fraud).count() as u64;
        common::send(&producer, &t.fraud, Topic::FraudAnalysis, &r.orders);
        common::send(&producer, &t.supply_chain, Topic::PharmaceuticalSupplyChain, &r.shipments);
        common::send(&producer, &t.freight_cost, Topic::FreightCostAnalytics, &r.freight);
        common::send(&producer, &t.product_group, Topic::ProductGroupAnalytics, &r.product_lines);
    }
    producer.flush(Duration::from_secs(60)).expect("every record must be acknowledged");

    let mut hbase = HBase::connect(&config.hbase)
        .unwrap_or_else(|e| panic!("HBase Thrift at {}: {e:#}", config.hbase.thrift_addr));
    for t in Schema::builtin().all_tables() {
        if t.name == "insights" || t.name == "job_runs" {
            let families: Vec<_> = t.families.iter().map(FamilySpec::descriptor).collect();
            let table = format!("{}{}", config.hbase.table_prefix, t.name);
            hbase.ensure_table(&table, &families).unwrap();
        }
    }
    (config, frauds)
}

/// The `data-value` of every `data-key` row of index.html.
fn html_numbers(html: &str) -> BTreeMap<String, f64> {
    html.lines()
        .filter_map(|line| {
            let key = line.split("data-key=\"").nth(1)?.split('"').next()?;
            let value = line.split("data-value=\"").nth(1)?.split('"').next()?;
            Some((key.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// Checks a PNG's size and that it has more than one colour; returns the number of colours.
fn check_png(path: &Path, size: (u32, u32)) -> usize {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), size, "{}", path.display());
    let bpp = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(bpp).collect();
    assert!(colours.len() > 1, "{} is blank", path.display());
    colours.len()
}

#[test]
fn report_from_a_small_pipeline_run_is_complete_and_matches_hbase() {
    let (config, frauds) = setup();
    let _cleanup = common::Cleanup::of(&config);

    let stop = Arc::new(AtomicBool::new(false));
    for job in report::data::JOBS {
        let spec = jobs::spec::resolve(Path::new("jobs"), job).unwrap();
        let outcome = jobs::run_job(&config, &spec, &[], &stop)
            .unwrap_or_else(|e| panic!("{job} at Spark {}: {e:#}", config.spark.url));
        assert_eq!(outcome.run.status, Status::Succeeded, "{job}: {:?}", outcome.run.error);
    }

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let summary = report::render(&config, &out).unwrap();
    assert!(summary.missing_jobs.is_empty(), "{:?}", summary.missing_jobs);
    assert!(summary.charts_without_data.is_empty(), "{:?}", summary.charts_without_data);

    // Every chart of the report, as PNG and SVG, and the page; nothing half-written beside it.
    let figures = report::figures::figures(&Insights::default());
    assert_eq!(figures.len(), summary.charts);
    assert_eq!(summary.files.len(), 2 * figures.len() + 1);
    for stem in ["fraud-by-category", "fraud-risk-score", "savings-by-country", "top-products"] {
        assert!(figures.iter().any(|f| f.stem == stem), "{stem}");
    }
    for f in &figures {
        let colours = check_png(&out.join(format!("{}.png", f.stem)), f.size);
        assert!(colours > 2, "{} has only {colours} colours", f.stem);
        let svg = std::fs::read_to_string(out.join(format!("{}.svg", f.stem))).unwrap();
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{}.svg is not XML: {e}", f.stem));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert_eq!(doc.root_element().attribute("width"), Some(f.size.0.to_string().as_str()));
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        assert!(texts.iter().any(|t| t.trim() == f.chart.title()), "{}: no title", f.stem);
        assert!(!texts.iter().any(|t| t.trim() == "no data"), "{} says no data", f.stem);
    }
    assert!(out.join(MARKER).is_file());
    let siblings: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(siblings.len(), 1, "temporary directories left behind");

    // The page's numbers are the insights in HBase, exactly.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let numbers = html_numbers(&html);
    let fraud = insights::latest_by_name(&config, "fraud_detection").unwrap();
    let overview = &fraud["overview"];
    let hbase_num = |rs: &insights::ResultSet, c: &str| rs.get(0, c).unwrap().as_f64().unwrap();
    assert_eq!(numbers["total_orders"], hbase_num(overview, "orders"));
    assert_eq!(numbers["total_orders"], ORDERS as f64);
    assert_eq!(numbers["frauds"], frauds as f64);
    assert_eq!(numbers["fraud_share"], hbase_num(overview, "fraud_share"));
    assert_eq!(numbers["order_revenue_usd"], hbase_num(overview, "total_amount"));

    let cost = insights::latest_by_name(&config, "cost_optimization").unwrap();
    let savings = &cost["savings_total"];
    assert_eq!(numbers["estimated_savings_usd"], hbase_num(savings, "savings_usd"));
    assert_eq!(numbers["shipments"], hbase_num(savings, "shipments"));

    let eda = insights::latest_by_name(&config, "eda").unwrap();
    let rows: f64 = eda["row_counts"].rows.iter().map(|r| r[1].as_f64().unwrap()).sum();
    assert_eq!(numbers["total_rows"], rows);
    assert!(rows > ORDERS as f64);

    // The same figures as people read them.
    let share = format!("{:.2}%", hbase_num(overview, "fraud_share") * 100.0);
    assert!(html.contains(&format!("<td class=\"num\">{share}</td>")), "{share}");
    assert!(!html.contains("id=\"missing-jobs\""));
    for f in &figures {
        assert!(html.contains(&format!("<img src=\"{}.png\"", f.stem)), "{}", f.stem);
    }
}
