//! The insights a report is drawn from: the latest run of each built-in job, read from HBase in
//! one pass, plus small helpers that turn JSON cells into chart values.

use std::collections::BTreeMap;

use anyhow::Context;
use serde_json::Value;
use tracing::{debug, info};

use crate::config::Config;
use crate::hbase::HBase;
use crate::insights::{self, ResultSet};

/// The jobs a report shows, in the order of its sections.
pub const JOBS: [&str; 4] = ["fraud_detection", "cost_optimization", "product_sales", "eda"];

/// The latest result sets of each job that has succeeded at least once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Insights {
    /// Job name to (run id, result sets by name); a job that never succeeded is absent.
    pub jobs: BTreeMap<String, (String, BTreeMap<String, ResultSet>)>,
}

impl Insights {
    /// Reads the latest run of every job in [`JOBS`] over one HBase connection.
    ///
    /// # Errors
    /// Fails when HBase cannot be reached, the `insights` table is missing, or stored rows do
    /// not parse. A job without any successful run is not an error.
    pub fn load(config: &Config) -> anyhow::Result<Insights> {
        let mut hbase = HBase::connect(&config.hbase).with_context(|| {
            format!(
                "cannot read insights from HBase Thrift at {}; is the stack running? \
                 try `ecomflow doctor`",
                config.hbase.thrift_addr
            )
        })?;
        // Checked up front because HBase reports a missing table with a long Java stack trace.
        let table = format!("{}insights", config.hbase.table_prefix);
        if !hbase.table_names()?.contains(&table) {
            anyhow::bail!(
                "HBase has no table {table}; run `ecomflow hbase init` and then the jobs \
                 (`ecomflow run-jobs --all`)"
            );
        }
        let mut jobs = BTreeMap::new();
        for job in JOBS {
            let run = insights::latest_run_id(&mut hbase, config, job)
                .with_context(|| format!("cannot read the latest run of {job} from {table}"))?;
            let Some(run_id) = run else {
                debug!(job, "no successful run yet");
                continue;
            };
            let sets = insights::read_run(&mut hbase, config, job, &run_id)
                .with_context(|| format!("cannot read insights of {job} run {run_id}"))?;
            info!(job, run_id = %run_id, results = sets.len(), "read latest insights");
            let by_name = sets.into_iter().map(|rs| (rs.name.clone(), rs)).collect();
            jobs.insert(job.to_string(), (run_id, by_name));
        }
        Ok(Insights { jobs })
    }

    /// A result set of the latest run of `job`, if both exist.
    pub fn result(&self, job: &str, name: &str) -> Option<&ResultSet> {
        self.jobs.get(job).and_then(|(_, sets)| sets.get(name))
    }

    /// The run id of the latest run of `job`.
    pub fn run_id(&self, job: &str) -> Option<&str> {
        self.jobs.get(job).map(|(id, _)| id.as_str())
    }

    /// The jobs of [`JOBS`] that have no run to show.
    pub fn missing_jobs(&self) -> Vec<&'static str> {
        JOBS.into_iter().filter(|j| !self.jobs.contains_key(*j)).collect()
    }

    /// A number from the first row of a one-row result, such as `overview.orders`.
    pub fn scalar(&self, job: &str, result: &str, column: &str) -> Option<f64> {
        let n = num(self.result(job, result)?.get(0, column)?);
        n.is_finite().then_some(n)
    }
}

/// A JSON cell as a number: NaN when it is null or not numeric, so charts leave it out.
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => s.trim().parse().unwrap_or(f64::NAN),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => f64::NAN,
    }
}

/// A JSON cell as a label: text as it is, numbers as written, null as "(none)".
pub fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(none)".to_string(),
        other => other.to_string(),
    }
}

/// `(label column, value column × scale)` for every row, in row order; empty when the result
/// or a column is missing.
pub fn pairs(rs: Option<&ResultSet>, key: &str, value: &str, scale: f64) -> Vec<(String, f64)> {
    let Some(rs) = rs else { return vec![] };
    let (Some(k), Some(v)) = (rs.column(key), rs.column(value)) else { return vec![] };
    rs.rows.iter().filter_map(|row| Some((label(row.get(k)?), num(row.get(v)?) * scale))).collect()
}

/// Long-format rows `(x, series, value)` turned into x labels and one series per distinct
/// series name, both sorted; a combination without a row is NaN (a gap in the line).
pub fn pivot(
    rs: Option<&ResultSet>,
    x: &str,
    series: &str,
    value: &str,
) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let Some(rs) = rs else { return (vec![], vec![]) };
    let (Some(xi), Some(si), Some(vi)) = (rs.column(x), rs.column(series), rs.column(value)) else {
        return (vec![], vec![]);
    };
    let mut cells: BTreeMap<(String, String), f64> = BTreeMap::new();
    for row in &rs.rows {
        if let (Some(xv), Some(sv), Some(vv)) = (row.get(xi), row.get(si), row.get(vi)) {
            cells.insert((label(sv), label(xv)), num(vv));
        }
    }
    let xs: Vec<String> = {
        let mut xs: Vec<String> = cells.keys().map(|(_, x)| x.clone()).collect();
        xs.sort();
        xs.dedup();
        xs
    };
    let mut names: Vec<String> = cells.keys().map(|(s, _)| s.clone()).collect();
    names.dedup();
    let lines = names
        .into_iter()
        .map(|name| {
            let values =
                xs.iter().map(|x| *cells.get(&(name.clone(), x.clone())).unwrap_or(&f64::NAN));
            (name.clone(), values.collect())
        })
        .collect();
    (xs, lines)
}

/// A square matrix from long-format `(x, y, value)` rows; labels keep the order in which
/// they first appear as `x`, which is the job's column order.
pub fn matrix(rs: Option<&ResultSet>) -> (Vec<String>, Vec<Vec<f64>>) {
    let Some(rs) = rs else { return (vec![], vec![]) };
    let (Some(xi), Some(yi), Some(vi)) = (rs.column("x"), rs.column("y"), rs.column("corr")) else {
        return (vec![], vec![]);
    };
    let mut labels: Vec<String> = vec![];
    let mut cells = BTreeMap::new();
    for row in &rs.rows {
        let (Some(x), Some(y), Some(v)) = (row.get(xi), row.get(yi), row.get(vi)) else {
            continue;
        };
        let (x, y) = (label(x), label(y));
        for l in [&x, &y] {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
        cells.insert((y, x), num(v));
    }
    let values = labels
        .iter()
        .map(|y| {
            labels
                .iter()
                .map(|x| *cells.get(&(y.clone(), x.clone())).unwrap_or(&f64::NAN))
                .collect()
        })
        .collect();
    (labels, values)
}

/// Sorts band labels such as `0-29d`, `180-364d`, `30-179d`, `365d+` by their leading number,
/// which is the order a reader expects; labels without one keep their place at the end.
pub fn sort_by_leading_number(bars: &mut [(String, f64)]) {
    let lead = |s: &str| -> f64 {
        let digits: String = s.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        digits.parse().unwrap_or(f64::INFINITY)
    };
    bars.sort_by(|a, b| lead(&a.0).total_cmp(&lead(&b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rs(columns: &[&str], rows: Vec<Vec<Value>>) -> ResultSet {
        ResultSet {
            name: "r".into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows,
        }
    }

    #[test]
    fn cells_become_numbers_and_labels() {
        assert_eq!(num(&json!(3)), 3.0);
        assert_eq!(num(&json!(0.25)), 0.25);
        assert_eq!(num(&json!("1.5")), 1.5);
        assert_eq!(num(&json!(true)), 1.0);
        assert!(num(&Value::Null).is_nan());
        assert!(num(&json!("x")).is_nan());
        assert_eq!(label(&json!("Books")), "Books");
        assert_eq!(label(&json!(7)), "7");
        assert_eq!(label(&Value::Null), "(none)");
    }

    #[test]
    fn pairs_scale_values_and_tolerate_missing_columns() {
        let r = rs(
            &["device", "fraud_share"],
            vec![vec![json!("mobile"), json!(0.05)], vec![json!("desktop"), Value::Null]],
        );
        let p = pairs(Some(&r), "device", "fraud_share", 100.0);
        assert_eq!(p[0], ("mobile".to_string(), 5.0));
        assert!(p[1].1.is_nan());
        assert!(pairs(Some(&r), "device", "nope", 1.0).is_empty());
        assert!(pairs(None, "device", "fraud_share", 1.0).is_empty());
    }

    #[test]
    fn pivot_fills_gaps_with_nan() {
        let r = rs(
            &["month", "category", "revenue"],
            vec![
                vec![json!("2024-02"), json!("Toys"), json!(5)],
                vec![json!("2024-01"), json!("Books"), json!(1)],
                vec![json!("2024-02"), json!("Books"), json!(2)],
            ],
        );
        let (xs, lines) = pivot(Some(&r), "month", "category", "revenue");
        assert_eq!(xs, vec!["2024-01", "2024-02"]);
        assert_eq!(lines[0], ("Books".to_string(), vec![1.0, 2.0]));
        assert_eq!(lines[1].0, "Toys");
        assert!(lines[1].1[0].is_nan());
        assert_eq!(lines[1].1[1], 5.0);
    }

    #[test]
    fn matrix_keeps_job_order_and_marks_missing_cells() {
        let r = rs(
            &["x", "y", "corr"],
            vec![
                vec![json!("b"), json!("a"), json!(0.5)],
                vec![json!("a"), json!("b"), json!(0.5)],
                vec![json!("a"), json!("a"), json!(1.0)],
            ],
        );
        let (labels, m) = matrix(Some(&r));
        assert_eq!(labels, vec!["b", "a"]);
        // Row y = "a": (x = b) 0.5, (x = a) 1.0; row y = "b": (x = a) 0.5, (x = b) missing.
        assert_eq!(m[1], vec![0.5, 1.0]);
        assert_eq!(m[0][1], 0.5);
        assert!(m[0][0].is_nan());
    }

    #[test]
    fn bands_sort_by_their_first_number() {
        let mut bars: Vec<(String, f64)> = ["0-29d", "180-364d", "30-179d", "365d+", "other"]
            .iter()
            .map(|s| (s.to_string(), 0.0))
            .collect();
        sort_by_leading_number(&mut bars);
        let names: Vec<&str> = bars.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(names, vec!["0-29d", "30-179d", "180-364d", "365d+", "other"]);
    }
}
