//! `ecomflow report`: the latest insights of every job as PNG and SVG charts plus an offline
//! `index.html`, the last stage of the pipeline.
//!
//! The report reads the latest successful run of each built-in job from HBase
//! ([`data::Insights`]), turns result sets into charts ([`figures`]), renders them in parallel
//! on rayon's worker pool, and writes the page ([`html`]). A job without results does not stop
//! the report: its charts say "no data" and the page names the command that fills them.
//!
//! Everything is written to a temporary directory next to `--out` and renamed into place at
//! the end, so an interrupted run never leaves something that looks like a finished report.
//! An existing `--out` directory is replaced only when it is empty or holds an earlier report
//! (it has a `.ecomflow-report` marker file); anything else is refused, so a typo in `--out`
//! cannot delete unrelated files.
//!
//! Limitation: replacing an earlier report takes two renames, so for a moment between them the
//! directory does not exist; a reader in that moment sees no report rather than half of one.

pub mod data;
pub mod figures;
pub mod html;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use tracing::{debug, info, warn};

use crate::commands::outln;
use crate::config::Config;
use crate::error::usage;

pub use data::Insights;
pub use figures::Figure;

/// File extension of the bitmap charts.
pub const PNG: &str = "png";
/// File extension of the vector charts.
pub const SVG: &str = "svg";
/// The marker file that identifies a directory as an ecomflow report.
pub const MARKER: &str = ".ecomflow-report";

/// Flags of `ecomflow report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Directory for the charts and index.html; an earlier report there is replaced
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
}

impl ReportArgs {
    /// Renders the report and prints where it is, the key numbers and any job still to run.
    ///
    /// # Errors
    /// As [`render`].
    pub fn run(&self, config: &Config) -> anyhow::Result<()> {
        use std::io::Write;

        let s = render(config, &self.out)?;
        outln!(
            "wrote {} charts (PNG and SVG) and index.html to {} in {:.1} s",
            s.charts,
            s.out.display(),
            s.seconds
        );
        for k in &s.key_numbers {
            outln!("  {:<34} {:>16}", k.label, k.display);
        }
        for job in &s.missing_jobs {
            outln!("no results yet for {job}: {}", figures::hint(job));
        }
        outln!("open {}", s.out.join("index.html").display());
        Ok(())
    }
}

/// One headline figure of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyNumber {
    /// Stable identifier, also the `data-key` attribute in index.html.
    pub key: &'static str,
    /// What the number is, for people.
    pub label: String,
    /// The exact value from the insights; `None` when its job has no results.
    pub value: Option<f64>,
    /// The value formatted for reading (thousands separators, %, USD).
    pub display: String,
}

/// What a report run wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    /// The report directory.
    pub out: PathBuf,
    /// Every file written (charts and index.html), inside `out`.
    pub files: Vec<PathBuf>,
    /// Number of charts (each written as PNG and SVG).
    pub charts: usize,
    /// Stems of the charts that had nothing to draw.
    pub charts_without_data: Vec<String>,
    /// Jobs with no successful run yet.
    pub missing_jobs: Vec<String>,
    /// The headline figures shown at the top of index.html.
    pub key_numbers: Vec<KeyNumber>,
    /// Total size of the files written.
    pub bytes: u64,
    /// Wall-clock time of the whole run, reading HBase included.
    pub seconds: f64,
}

/// Reads the latest insights from HBase and writes the report to `out`.
///
/// Blocking and CPU-heavy: async callers should run it on `spawn_blocking`.
///
/// # Errors
/// A usage error (exit 2) when `out` exists and is not an earlier report or an empty directory;
/// a run-time error when HBase cannot be read or a file cannot be written. Jobs without results
/// are not errors.
pub fn render(config: &Config, out: &Path) -> anyhow::Result<ReportSummary> {
    let started = Instant::now();
    // Refuse a bad --out before contacting any server.
    check_replaceable(out)?;
    let insights = Insights::load(config)?;
    let mut summary = render_insights(&insights, out)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Writes the report for insights already in memory (what [`render`] does after reading HBase).
///
/// # Errors
/// As [`render`], minus HBase.
pub fn render_insights(insights: &Insights, out: &Path) -> anyhow::Result<ReportSummary> {
    let started = Instant::now();
    check_replaceable(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create directory {}", parent.display()))?;
    // Dropping the TempDir on any error below removes the half-written report.
    let tmp = tempfile::Builder::new()
        .prefix(".ecomflow-report-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a temporary directory in {}", parent.display()))?;

    let figures = figures::figures(insights);
    let written: Vec<Vec<PathBuf>> = figures
        .par_iter()
        .map(|f| {
            let png = tmp.path().join(format!("{}.{PNG}", f.stem));
            let svg = tmp.path().join(format!("{}.{SVG}", f.stem));
            let (a, b) =
                rayon::join(|| f.chart.write_png(&png, f.size), || f.chart.write_svg(&svg, f.size));
            a.and(b)?;
            debug!(chart = f.stem, has_data = f.chart.has_data(), "rendered chart");
            Ok::<_, crate::charts::ChartError>(vec![png, svg])
        })
        .collect::<Result<_, _>>()
        .context("cannot render the report charts")?;

    let keys = key_numbers(insights);
    let generated = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let index = tmp.path().join("index.html");
    std::fs::write(&index, html::page(insights, &figures, &keys, &generated))
        .with_context(|| format!("cannot write {}", index.display()))?;
    std::fs::write(tmp.path().join(MARKER), "written by `ecomflow report`\n")
        .with_context(|| format!("cannot write the marker file in {}", tmp.path().display()))?;

    let mut files: Vec<PathBuf> = written.into_iter().flatten().collect();
    files.push(index);
    let bytes = files.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let tmp_path = tmp.keep();
    publish(&tmp_path, out)?;
    let files: Vec<PathBuf> =
        files.iter().filter_map(|p| p.strip_prefix(&tmp_path).ok()).map(|p| out.join(p)).collect();

    let charts_without_data: Vec<String> =
        figures.iter().filter(|f| !f.chart.has_data()).map(|f| f.stem.to_string()).collect();
    let missing_jobs: Vec<String> =
        insights.missing_jobs().into_iter().map(str::to_string).collect();
    let seconds = started.elapsed().as_secs_f64();
    info!(
        out = %out.display(),
        charts = figures.len(),
        without_data = charts_without_data.len(),
        missing_jobs = ?missing_jobs,
        bytes,
        seconds,
        "report written"
    );
    Ok(ReportSummary {
        out: out.to_path_buf(),
        files,
        charts: figures.len(),
        charts_without_data,
        missing_jobs,
        key_numbers: keys,
        bytes,
        seconds,
    })
}

/// Succeeds when `out` is absent, an empty directory or an earlier report.
fn check_replaceable(out: &Path) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", out.display())),
    };
    if !meta.is_dir() {
        return Err(usage(format!(
            "--out {} exists and is not a directory; choose another path",
            out.display()
        )));
    }
    let empty = std::fs::read_dir(out)
        .with_context(|| format!("cannot list {}", out.display()))?
        .next()
        .is_none();
    if empty || out.join(MARKER).is_file() {
        Ok(())
    } else {
        Err(usage(format!(
            "--out {} holds files that are not an ecomflow report (no {MARKER} file); \
             choose another directory or empty it",
            out.display()
        )))
    }
}

/// Moves the finished report from `tmp` to `out`, replacing an earlier report.
fn publish(tmp: &Path, out: &Path) -> anyhow::Result<()> {
    let old = if out.exists() {
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let old = out.with_file_name(format!(
            ".{}.old-{}-{nanos}",
            name.unwrap_or_else(|| "report".into()),
            std::process::id()
        ));
        std::fs::rename(out, &old)
            .with_context(|| format!("cannot move the earlier report {} aside", out.display()))?;
        Some(old)
    } else {
        None
    };
    if let Err(e) = std::fs::rename(tmp, out) {
        // Put the earlier report back so a failed run leaves things as they were.
        if let Some(old) = &old {
            let _ = std::fs::rename(old, out);
        }
        let _ = std::fs::remove_dir_all(tmp);
        return Err(e).with_context(|| format!("cannot move the report into {}", out.display()));
    }
    if let Some(old) = old
        && let Err(e) = std::fs::remove_dir_all(&old)
    {
        warn!(path = %old.display(), error = %e, "cannot remove the earlier report");
    }
    Ok(())
}

/// `v` rounded to `decimals` places with `,` between thousands: `1234567.891` → `1,234,567.89`.
pub fn thousands(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let text = format!("{:.decimals$}", v.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign =
        if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The headline figures, straight from the insights (no rounding in `value`).
pub fn key_numbers(insights: &Insights) -> Vec<KeyNumber> {
    let total_rows = insights.result("eda", "row_counts").and_then(|rs| {
        let rows: Vec<f64> =
            (0..rs.rows.len()).filter_map(|i| rs.get(i, "rows")).map(data::num).collect();
        (!rows.is_empty() && rows.iter().all(|r| r.is_finite())).then(|| rows.iter().sum())
    });
    let fd = |c| insights.scalar("fraud_detection", "overview", c);
    let co = |c| insights.scalar("cost_optimization", "savings_total", c);
    let count = |v: f64| thousands(v, 0);
    let usd = |v: f64| format!("${}", thousands(v, 2));
    let pct = |v: f64| format!("{:.2}%", v * 100.0);
    let key = |key, label: &str, value: Option<f64>, format: &dyn Fn(f64) -> String| KeyNumber {
        key,
        label: label.to_string(),
        value,
        display: value.map_or_else(|| "n/a".to_string(), format),
    };
    vec![
        key("total_rows", "Records in the four topics", total_rows, &count),
        key("total_orders", "Orders", fd("orders"), &count),
        key("frauds", "Fraudulent orders", fd("frauds"), &count),
        key("fraud_share", "Fraud share of orders", fd("fraud_share"), &pct),
        key("order_revenue_usd", "Order revenue", fd("total_amount"), &usd),
        key("fraud_amount_usd", "Value of fraudulent orders", fd("fraud_amount"), &usd),
        key("shipments", "Shipments", co("shipments"), &count),
        key("freight_usd", "Freight cost", co("freight_usd"), &usd),
        key("estimated_savings_usd", "Estimated freight savings", co("savings_usd"), &usd),
        key("savings_share", "Savings share of freight cost", co("savings_share"), &pct),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::insights::ResultSet;

    fn sample() -> Insights {
        let overview = ResultSet {
            name: "overview".into(),
            columns: ["orders", "frauds", "fraud_share", "total_amount", "mean_amount"]
                .map(String::from)
                .to_vec(),
            rows: vec![vec![json!(3000), json!(75), json!(0.025), json!(123456.5), json!(41.15)]],
        };
        let by_device = ResultSet {
            name: "by_device".into(),
            columns: ["device", "orders", "frauds", "fraud_share"].map(String::from).to_vec(),
            rows: vec![
                vec![json!("desktop"), json!(1000), json!(20), json!(0.02)],
                vec![json!("mobile"), json!(2000), json!(55), json!(0.0275)],
            ],
        };
        let sets = BTreeMap::from([
            ("overview".to_string(), overview),
            ("by_device".to_string(), by_device),
        ]);
        let mut jobs = BTreeMap::new();
        jobs.insert("fraud_detection".to_string(), ("R1".to_string(), sets));
        Insights { jobs }
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0.0, 0), "0");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(1000.0, 0), "1,000");
        assert_eq!(thousands(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(thousands(-12_345.0, 0), "-12,345");
        assert_eq!(thousands(-0.001, 2), "0.00");
        assert_eq!(thousands(f64::NAN, 0), "n/a");
    }

    #[test]
    fn key_numbers_come_from_the_insights_unrounded() {
        let keys = key_numbers(&sample());
        let get = |k: &str| keys.iter().find(|n| n.key == k).unwrap();
        assert_eq!(get("total_orders").value, Some(3000.0));
        assert_eq!(get("total_orders").display, "3,000");
        assert_eq!(get("fraud_share").value, Some(0.025));
        assert_eq!(get("fraud_share").display, "2.50%");
        assert_eq!(get("order_revenue_usd").display, "$123,456.50");
        // Missing jobs and columns give no value rather than a made-up zero.
        assert_eq!(get("estimated_savings_usd").value, None);
        assert_eq!(get("estimated_savings_usd").display, "n/a");
        assert_eq!(get("total_rows").value, None);
        assert_eq!(get("fraud_amount_usd").value, None);
    }

    #[test]
    fn report_is_written_whole_and_replaces_only_reports() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        let s = render_insights(&sample(), &out).unwrap();
        assert_eq!(s.charts, 20);
        assert_eq!(s.files.len(), 41);
        assert!(s.files.iter().all(|f| f.starts_with(&out) && f.is_file()), "{:?}", s.files);
        assert_eq!(s.missing_jobs, vec!["cost_optimization", "product_sales", "eda"]);
        assert!(!s.charts_without_data.contains(&"fraud-by-device".to_string()));
        assert!(s.charts_without_data.contains(&"fraud-by-category".to_string()));
        assert!(out.join(MARKER).is_file());
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(html.contains("data-key=\"fraud_share\" data-value=\"0.025\""));

        // A second run replaces the first and leaves no temporary or old directories behind.
        std::fs::write(out.join("stale.txt"), "x").unwrap();
        render_insights(&Insights::default(), &out).unwrap();
        assert!(!out.join("stale.txt").exists());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["report"]);

        // A directory with other files is never replaced.
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "keep me").unwrap();
        let err = render_insights(&sample(), &other).unwrap_err();
        assert!(err.downcast_ref::<crate::error::UsageError>().is_some(), "{err:#}");
        assert!(other.join("notes.txt").is_file());
        let file = dir.path().join("file.txt");
        std::fs::write(&file, "x").unwrap();
        assert!(render_insights(&sample(), &file).is_err());
    }
}
