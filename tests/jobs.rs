//! The built-in Spark jobs against the live stack: each job runs over a small generated data
//! set in its own topics, and its figures must equal those computed here in Rust from the same
//! records (counts exactly, sums and means within 1e-9 relative). Failing runs must be recorded
//! as FAILED with Spark's message.
//!
//! All tests share one data set (produced once) and one pair of HBase tables under a unique
//! prefix, so they run in parallel with each other and with anyone else's jobs.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ecomflow::config::Config;
use ecomflow::generate::{
    Dataset, DatasetSpec, Format, FreightFact, Order, ProductLine, Shipment, Topic, Volume,
};
use ecomflow::hbase::HBase;
use ecomflow::hbase::schema::{FamilySpec, Schema};
use ecomflow::insights::{self, ResultSet};
use ecomflow::spark::jobs::{self, JobSpec, Status, runs};
use rdkafka::producer::{BaseProducer, Producer};
use serde_json::Value;

/// Orders in the test data set; shipments are a quarter of that.
const ORDERS: u64 = 3_000;

struct Fixture {
    config: Config,
    orders: Vec<Order>,
    shipments: Vec<Shipment>,
    freight: Vec<FreightFact>,
    lines: Vec<ProductLine>,
}

/// Generates the data set, produces it to four new topics and creates prefixed HBase tables.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let config = common::isolated_config("jobs");

        let spec = DatasetSpec { volume: Volume::Rows(ORDERS), seed: 11, ..Default::default() };
        let dataset = Dataset::new(spec, Format::Jsonl).unwrap();
        let (mut orders, mut shipments, mut freight, mut lines) = (vec![], vec![], vec![], vec![]);
        for chunk in dataset.chunks() {
            let r = dataset.records(chunk);
            orders.extend(r.orders);
            shipments.extend(r.shipments);
            freight.extend(r.freight);
            lines.extend(r.product_lines);
        }
        assert_eq!(orders.len() as u64, ORDERS);

        let producer: BaseProducer = ecomflow::kafka::base_config(&config.kafka).create().unwrap();
        let t = config.kafka.topics.clone();
        ecomflow::kafka::admin::ensure_topics(
            &config.kafka,
            &[&t.fraud, &t.supply_chain, &t.freight_cost, &t.product_group],
        )
        .unwrap();
        common::send(&producer, &t.fraud, Topic::FraudAnalysis, &orders);
        common::send(&producer, &t.supply_chain, Topic::PharmaceuticalSupplyChain, &shipments);
        common::send(&producer, &t.freight_cost, Topic::FreightCostAnalytics, &freight);
        common::send(&producer, &t.product_group, Topic::ProductGroupAnalytics, &lines);
        producer.flush(Duration::from_secs(60)).expect("every record must be acknowledged");

        let mut hbase = HBase::connect(&config.hbase).unwrap();
        for t in Schema::builtin().all_tables() {
            if t.name == "insights" || t.name == "job_runs" {
                let families: Vec<_> = t.families.iter().map(FamilySpec::descriptor).collect();
                let table = format!("{}{}", config.hbase.table_prefix, t.name);
                hbase.ensure_table(&table, &families).unwrap();
            }
        }
        Fixture { config, orders, shipments, freight, lines }
    })
}

/// Runs a built-in job and returns its result sets by name, after checking the run record and
/// that the latest-run reader returns the same result sets.
fn run_builtin(name: &str, params: &[String]) -> BTreeMap<String, ResultSet> {
    let f = fixture();
    let spec = jobs::spec::resolve(std::path::Path::new("jobs"), name).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let outcome = jobs::run_job(&f.config, &spec, params, &stop).unwrap();
    let run = &outcome.run;
    assert_eq!(run.status, Status::Succeeded, "{name}: {:?}", run.error);
    assert_eq!(run.rows_out, outcome.results.iter().map(|r| r.rows.len() as u64).sum::<u64>());

    let mut hbase = HBase::connect(&f.config.hbase).unwrap();
    let stored = runs::get(&mut hbase, &f.config, name, &run.id).unwrap().unwrap();
    assert_eq!(stored.status, Status::Succeeded);
    assert!(stored.started.is_some() && stored.finished.is_some());
    let read = insights::read_run(&mut hbase, &f.config, name, &run.id).unwrap();
    assert_eq!(read.len(), outcome.results.len(), "{name}: result sets in HBase");
    for (got, want) in read.iter().zip(&outcome.results) {
        assert_eq!(got.name, want.name);
        assert_eq!(got.columns, want.columns, "{name}/{}", want.name);
        assert_eq!(got.rows.len(), want.rows.len(), "{name}/{}", want.name);
        for (i, (g, w)) in got.rows.iter().zip(&want.rows).enumerate() {
            assert_eq!(g, w, "{name}/{} row {i}: HBase must return what Spark returned", want.name);
        }
    }
    outcome.results.into_iter().map(|r| (r.name.clone(), r)).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

fn num(v: &[Value], rs: &ResultSet, column: &str) -> f64 {
    v[rs.column(column).unwrap_or_else(|| panic!("{}: no column {column}", rs.name))]
        .as_f64()
        .unwrap_or_else(|| panic!("{}.{column} is not a number", rs.name))
}

fn int(v: &[Value], rs: &ResultSet, column: &str) -> i64 {
    v[rs.column(column).unwrap()].as_i64().unwrap_or_else(|| panic!("{}.{column}", rs.name))
}

/// Per-dimension order figures: orders, frauds, amount sum.
fn by_order_key(
    orders: &[Order],
    key: impl Fn(&Order) -> String,
) -> BTreeMap<String, (i64, i64, f64)> {
    let mut m: BTreeMap<String, (i64, i64, f64)> = BTreeMap::new();
    for o in orders {
        let e = m.entry(key(o)).or_default();
        e.0 += 1;
        e.1 += o.is_fraud as i64;
        e.2 += o.total_amount;
    }
    m
}

fn check_order_groups(rs: &ResultSet, expected: &BTreeMap<String, (i64, i64, f64)>) {
    assert_eq!(rs.rows.len(), expected.len(), "{}", rs.name);
    for (key, (orders, frauds, amount)) in expected {
        let row = rs.find(key).unwrap_or_else(|| panic!("{}: no row {key}", rs.name));
        assert_eq!(int(row, rs, "orders"), *orders, "{} {key}", rs.name);
        assert_eq!(int(row, rs, "frauds"), *frauds, "{} {key}", rs.name);
        let share = num(row, rs, "fraud_share");
        assert!(close(share, *frauds as f64 / *orders as f64), "{} {key} share {share}", rs.name);
        let mean = num(row, rs, "mean_amount");
        assert!(close(mean, amount / *orders as f64), "{} {key} mean {mean}", rs.name);
        assert!(close(num(row, rs, "total_amount"), *amount), "{} {key} total", rs.name);
    }
}

#[test]
fn fraud_detection_matches_figures_computed_in_rust() {
    let f = fixture();
    let r = run_builtin("fraud_detection", &[]);

    let overview = &r["overview"];
    let row = &overview.rows[0];
    let frauds = f.orders.iter().filter(|o| o.is_fraud).count() as i64;
    let amount: f64 = f.orders.iter().map(|o| o.total_amount).sum();
    assert_eq!(int(row, overview, "orders"), ORDERS as i64);
    assert_eq!(int(row, overview, "frauds"), frauds);
    assert!(close(num(row, overview, "mean_amount"), amount / ORDERS as f64));

    check_order_groups(&r["by_category"], &by_order_key(&f.orders, |o| o.category.to_string()));
    check_order_groups(
        &r["by_payment_method"],
        &by_order_key(&f.orders, |o| o.payment_method.to_string()),
    );
    check_order_groups(&r["by_device"], &by_order_key(&f.orders, |o| o.device.to_string()));
    check_order_groups(
        &r["by_income_band"],
        &by_order_key(&f.orders, |o| o.income_band.to_string()),
    );

    // by_hour is keyed by a number, so compare row by row in hour order.
    let hours = by_order_key(&f.orders, |o| format!("{:02}", o.hour_of_day));
    let by_hour = &r["by_hour"];
    assert_eq!(by_hour.rows.len(), hours.len());
    for (row, (hour, (orders, frauds, _))) in by_hour.rows.iter().zip(&hours) {
        assert_eq!(int(row, by_hour, "hour_of_day"), hour.parse::<i64>().unwrap());
        assert_eq!((int(row, by_hour, "orders"), int(row, by_hour, "frauds")), (*orders, *frauds));
    }

    // The risk score, rule by rule as the job file defines it, with its default parameters.
    let risk = &r["risk_score"];
    for row in &risk.rows {
        let t = num(row, risk, "threshold");
        let (mut flagged, mut tp, mut fn_) = (0i64, 0i64, 0i64);
        for o in &f.orders {
            let score = 0.30 * o.ip_country_mismatch as i32 as f64
                + 0.25 * o.shipping_billing_mismatch as i32 as f64
                + 0.20 * ((o.account_age_days < 30) as i32) as f64
                + 0.15 * ((o.total_amount > 500.0) as i32) as f64
                + 0.10 * ((o.hour_of_day < 6) as i32) as f64;
            let hit = score >= t - 1e-9;
            flagged += hit as i64;
            tp += (hit && o.is_fraud) as i64;
            fn_ += (!hit && o.is_fraud) as i64;
        }
        assert_eq!(int(row, risk, "flagged"), flagged, "threshold {t}");
        assert_eq!(int(row, risk, "true_positives"), tp, "threshold {t}");
        assert_eq!(int(row, risk, "false_negatives"), fn_, "threshold {t}");
        assert!(close(num(row, risk, "recall"), tp as f64 / (tp + fn_) as f64));
    }
    assert_eq!(risk.rows.len(), 5);
}

#[test]
fn cost_optimization_matches_figures_computed_in_rust() {
    let f = fixture();
    let r = run_builtin("cost_optimization", &["top_vendors=5".into()]);

    let mut modes: BTreeMap<&str, (i64, f64, f64, i64, i64, f64)> = BTreeMap::new();
    for s in &f.freight {
        let e = modes.entry(s.shipment_mode.name()).or_default();
        e.0 += 1;
        e.1 += s.weight_kg;
        e.2 += s.freight_cost_usd;
        e.3 += s.late as i64;
        e.4 += s.delay_days as i64;
        e.5 += s.freight_cost_per_kg;
    }
    let by_mode = &r["by_mode"];
    assert_eq!(by_mode.rows.len(), modes.len());
    for (mode, (n, kg, usd, late, delay, cpk)) in &modes {
        let row = by_mode.find(mode).unwrap();
        assert_eq!(int(row, by_mode, "shipments"), *n, "{mode}");
        assert!(close(num(row, by_mode, "cost_per_kg"), usd / kg), "{mode}");
        assert!(close(num(row, by_mode, "mean_cost_per_kg"), cpk / *n as f64), "{mode}");
        assert!(close(num(row, by_mode, "late_rate"), *late as f64 / *n as f64), "{mode}");
        assert!(close(num(row, by_mode, "mean_delay_days"), *delay as f64 / *n as f64), "{mode}");
    }
    assert_eq!(r["by_vendor"].rows.len(), 5, "the top_vendors parameter must apply");

    let total = &r["savings_total"];
    assert_eq!(int(&total.rows[0], total, "shipments"), f.freight.len() as i64);
    let savings = num(&total.rows[0], total, "savings_usd");
    let freight: f64 = f.freight.iter().map(|s| s.freight_cost_usd).sum();
    assert!(savings >= 0.0 && savings <= freight, "savings {savings} of {freight}");
}

#[test]
fn product_sales_matches_figures_computed_in_rust() {
    let f = fixture();
    let r = run_builtin("product_sales", &[]);

    let mut groups: BTreeMap<(String, String), (i64, i64, f64)> = BTreeMap::new();
    for l in &f.lines {
        let month = l.delivered_date.format("%Y-%m").to_string();
        let group = serde_json::to_value(l.product_group).unwrap().as_str().unwrap().to_string();
        let e = groups.entry((month, group)).or_default();
        e.0 += 1;
        e.1 += l.units as i64;
        e.2 += l.line_item_value;
    }
    let monthly = &r["monthly_by_group"];
    assert_eq!(monthly.rows.len(), groups.len());
    for (row, ((month, group), (n, units, revenue))) in monthly.rows.iter().zip(&groups) {
        assert_eq!(row[0].as_str(), Some(month.as_str()));
        assert_eq!(row[1].as_str(), Some(group.as_str()));
        assert_eq!(int(row, monthly, "lines"), *n);
        assert_eq!(int(row, monthly, "units"), *units);
        assert!(close(num(row, monthly, "revenue"), *revenue), "{month} {group}");
    }

    let by_category = &r["by_category"];
    for (cat, (orders, _, revenue)) in by_order_key(&f.orders, |o| o.category.to_string()) {
        let row = by_category.find(&cat).unwrap();
        assert_eq!(int(row, by_category, "orders"), orders);
        let units: i64 =
            f.orders.iter().filter(|o| o.category == cat).map(|o| o.quantity as i64).sum();
        assert_eq!(int(row, by_category, "units"), units);
        assert!(close(num(row, by_category, "revenue"), revenue), "{cat}");
    }
    assert_eq!(r["top_products"].rows.len(), 20);
}

#[test]
fn eda_matches_figures_computed_in_rust() {
    let f = fixture();
    let r = run_builtin("eda", &["bins=10".into()]);

    let counts = &r["row_counts"];
    let expected = [
        ("fraud_analysis", f.orders.len()),
        ("pharmaceutical_supply_chain", f.shipments.len()),
        ("freight_cost_analytics", f.freight.len()),
        ("product_group_analytics", f.lines.len()),
    ];
    for (source, n) in expected {
        assert_eq!(int(counts.find(source).unwrap(), counts, "rows"), n as i64, "{source}");
    }

    let nulls = &r["null_counts"];
    let null_count = |source: &str, field: &str| {
        let row = nulls
            .rows
            .iter()
            .find(|row| row[0].as_str() == Some(source) && row[1].as_str() == Some(field))
            .unwrap_or_else(|| panic!("no null count for {source}.{field}"));
        int(row, nulls, "nulls")
    };
    let pq = f.shipments.iter().filter(|s| s.pq_number.is_none()).count() as i64;
    let ins = f.shipments.iter().filter(|s| s.line_item_insurance_usd.is_none()).count() as i64;
    assert_eq!(null_count("pharmaceutical_supply_chain", "pq_number"), pq);
    assert_eq!(null_count("pharmaceutical_supply_chain", "line_item_insurance_usd"), ins);
    assert_eq!(null_count("fraud_analysis", "category"), 0);
    assert_eq!(nulls.rows.iter().filter(|row| row[0] == "fraud_analysis").count(), 24);

    let summary = &r["numeric_summary"];
    let stat = |source: &str, field: &str, column: &str| {
        let row = summary
            .rows
            .iter()
            .find(|row| row[0].as_str() == Some(source) && row[1].as_str() == Some(field))
            .unwrap();
        num(row, summary, column)
    };
    let mean_amount = f.orders.iter().map(|o| o.total_amount).sum::<f64>() / ORDERS as f64;
    assert!(close(stat("fraud_analysis", "total_amount", "mean"), mean_amount));
    let mean_kg = f.freight.iter().map(|s| s.weight_kg).sum::<f64>() / f.freight.len() as f64;
    assert!(close(stat("freight_cost_analytics", "weight_kg", "mean"), mean_kg));
    let max_packs = f.lines.iter().map(|l| l.packs).max().unwrap() as f64;
    assert_eq!(stat("product_group_analytics", "packs", "max"), max_packs);

    // Every value falls in exactly one of the `bins` bins.
    let hist = &r["histograms"];
    for (field, n) in [("price", f.orders.len()), ("weight", f.freight.len())] {
        let rows: Vec<_> = hist.rows.iter().filter(|row| row[0].as_str() == Some(field)).collect();
        assert!(rows.len() <= 10, "{field}");
        assert_eq!(rows.iter().map(|row| int(row, hist, "count")).sum::<i64>(), n as i64);
    }

    let corr = &r["correlation_orders"];
    assert_eq!(corr.rows.len(), 49);
    let diag = corr.rows.iter().find(|row| row[0] == "quantity" && row[1] == "quantity").unwrap();
    assert_eq!(num(diag, corr, "corr"), 1.0);
}

#[test]
fn latest_returns_the_newest_successful_run() {
    let f = fixture();
    let sql = "-- job: tiny\n-- description: t\n-- sources: fraud_analysis\n\
               -- param: n = 1\n-- output: hbase\n\
               -- result: counts\nSELECT count(*) AS orders, :n AS n FROM fraud_analysis\n";
    let spec = JobSpec::parse(sql, "tiny", "test").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    jobs::run_job(&f.config, &spec, &["n=1".into()], &stop).unwrap();
    let second = jobs::run_job(&f.config, &spec, &["n=2".into()], &stop).unwrap();
    assert_eq!(second.run.status, Status::Succeeded);

    let latest = insights::latest(&f.config, "tiny").unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].columns, vec!["orders", "n"]);
    assert_eq!(latest[0].rows, vec![vec![Value::from(ORDERS), Value::from(2)]]);
    assert!(insights::latest(&f.config, "never_ran").unwrap().is_empty());
}

#[test]
fn invalid_sql_is_recorded_as_failed_with_sparks_message() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken_query.sql");
    std::fs::write(&path, "SELEC count(*) FROM fraud_analysis;\n").unwrap();
    let spec = JobSpec::from_file(&path).unwrap();
    assert_eq!(spec.name, "broken_query");

    let stop = Arc::new(AtomicBool::new(false));
    let outcome = jobs::run_job(&f.config, &spec, &[], &stop).unwrap();
    assert_eq!(outcome.run.status, Status::Failed);
    let message = outcome.run.error.clone().unwrap();
    assert!(message.contains("PARSE_SYNTAX_ERROR"), "{message}");
    assert_eq!(outcome.run.attempts, 1, "a query error must not be retried");

    let mut hbase = HBase::connect(&f.config.hbase).unwrap();
    let stored =
        runs::get(&mut hbase, &f.config, "broken_query", &outcome.run.id).unwrap().unwrap();
    assert_eq!(stored.status, Status::Failed);
    assert_eq!(stored.error.as_deref(), Some(message.as_str()));
    assert!(insights::latest(&f.config, "broken_query").unwrap().is_empty());
}

#[test]
fn unknown_parameter_is_a_usage_error_and_a_failed_run() {
    let f = fixture();
    let spec = jobs::spec::resolve(std::path::Path::new("jobs"), "eda").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let err = jobs::run_job(&f.config, &spec, &["colour=red".into()], &stop).unwrap_err();
    assert!(jobs::runner::is_usage(&err), "{err}");

    let mut hbase = HBase::connect(&f.config.hbase).unwrap();
    let runs = runs::list(&mut hbase, &f.config, Some("eda")).unwrap();
    let failed = runs.iter().find(|r| r.params.contains_key("colour")).unwrap();
    assert_eq!(failed.status, Status::Failed);
    assert!(failed.error.as_deref().unwrap().contains("no parameter `colour`"));
}

#[test]
fn cli_submit_exit_codes() {
    let f = fixture();
    let t = &f.config.kafka.topics;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ecomflow"))
            .args(args)
            .env("ECOMFLOW_KAFKA__TOPICS__FRAUD", &t.fraud)
            .env("ECOMFLOW_HBASE__TABLE_PREFIX", &f.config.hbase.table_prefix)
            .output()
            .unwrap()
    };
    let out = run(&["submit", "no_such_job"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown job `no_such_job`"));

    let out = run(&["submit", "fraud_detection", "--param", "min_orders=x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an integer"));

    let out = run(&["runs", "--job", "fraud_detection"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED"));
}
