//! The `job_runs` table: one row per job run with its status history.
//!
//! Row key `<job>|<run id>`; family `r` holds `id`, `job`, `params` (JSON object), `source`,
//! `submitted`, `started`, `finished` (RFC 3339, UTC), `status`, `rows_out`, `attempts` and,
//! for a failed run, `error` (Spark's message). Run ids begin with the submission time, so a
//! prefix scan on `<job>|` lists a job's runs oldest first.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use hbase_thrift::hbase::TRowResult;
use rand::RngExt;

use crate::config::Config;
use crate::hbase::HBase;

/// Column family of `job_runs`.
pub const FAMILY: &str = "r";

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Recorded, not started (waiting for a Spark session).
    Queued,
    /// Its statements are executing on Spark.
    Running,
    /// Every result set was collected and stored.
    Succeeded,
    /// Spark, HBase or Kafka reported an error; `error` holds the message.
    Failed,
    /// Interrupted by the user (SIGINT/SIGTERM); Spark's operations were interrupted too.
    Cancelled,
}

impl Status {
    /// The spelling stored in HBase and printed by `ecomflow runs`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Queued => "QUEUED",
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::Cancelled => "CANCELLED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Status::Queued, Status::Running, Status::Succeeded, Status::Failed, Status::Cancelled]
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown run status `{s}`"))
    }
}

/// One run as recorded in `job_runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRun {
    pub id: String,
    pub job: String,
    /// Parameter values of the run, as JSON.
    pub params: BTreeMap<String, serde_json::Value>,
    /// The job file (`builtin:<name>` for a built-in job).
    pub source: String,
    pub submitted: DateTime<Utc>,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub status: Status,
    /// Rows in all result sets together.
    pub rows_out: u64,
    /// Attempts made (more than one after a retried connection failure).
    pub attempts: u32,
    /// Spark's (or HBase's, Kafka's) message when the run failed or was cancelled.
    pub error: Option<String>,
}

/// A new run id: submission time to the second, then random hex so that runs submitted in the
/// same second stay distinct.
pub fn new_run_id(now: DateTime<Utc>) -> String {
    let suffix: u32 = rand::rng().random();
    format!("{}-{suffix:08x}", now.format("%Y%m%dT%H%M%SZ"))
}

/// Row key of a run.
pub fn run_key(job: &str, run_id: &str) -> Vec<u8> {
    format!("{job}|{run_id}").into_bytes()
}

fn table(config: &Config) -> String {
    format!("{}job_runs", config.hbase.table_prefix)
}

fn time_text(t: &DateTime<Utc>) -> Vec<u8> {
    t.to_rfc3339_opts(SecondsFormat::Millis, true).into_bytes()
}

impl JobRun {
    /// A run in state QUEUED, submitted now.
    pub fn queued(job: &str, source: &str, params: BTreeMap<String, serde_json::Value>) -> JobRun {
        let now = Utc::now();
        JobRun {
            id: new_run_id(now),
            job: job.into(),
            params,
            source: source.into(),
            submitted: now,
            started: None,
            finished: None,
            status: Status::Queued,
            rows_out: 0,
            attempts: 0,
            error: None,
        }
    }

    /// Writes every field of the run (a later write of the same run replaces the cells).
    pub fn save(&self, hbase: &mut HBase, config: &Config) -> anyhow::Result<()> {
        let cell = |q: &str, v: Vec<u8>| (FAMILY.to_string(), q.to_string(), v);
        let mut cells = vec![
            cell("id", self.id.clone().into_bytes()),
            cell("job", self.job.clone().into_bytes()),
            cell("params", serde_json::to_vec(&self.params)?),
            cell("source", self.source.clone().into_bytes()),
            cell("submitted", time_text(&self.submitted)),
            cell("status", self.status.as_str().into()),
            cell("rows_out", self.rows_out.to_string().into_bytes()),
            cell("attempts", self.attempts.to_string().into_bytes()),
        ];
        if let Some(t) = &self.started {
            cells.push(cell("started", time_text(t)));
        }
        if let Some(t) = &self.finished {
            cells.push(cell("finished", time_text(t)));
        }
        if let Some(e) = &self.error {
            cells.push(cell("error", e.clone().into_bytes()));
        }
        hbase.put_rows(&table(config), vec![(run_key(&self.job, &self.id), cells)])
    }

    /// Parses a `job_runs` row.
    pub fn from_row(row: &TRowResult) -> Option<JobRun> {
        let get = |q: &str| {
            let column = format!("{FAMILY}:{q}").into_bytes();
            let cell = row.columns.as_ref()?.get(&column)?;
            cell.value.as_ref().map(|v| String::from_utf8_lossy(v).into_owned())
        };
        let time = |q: &str| {
            get(q).and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.to_utc())
        };
        Some(JobRun {
            id: get("id")?,
            job: get("job")?,
            params: get("params").and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default(),
            source: get("source").unwrap_or_default(),
            submitted: time("submitted")?,
            started: time("started"),
            finished: time("finished"),
            status: get("status")?.parse().ok()?,
            rows_out: get("rows_out").and_then(|n| n.parse().ok()).unwrap_or(0),
            attempts: get("attempts").and_then(|n| n.parse().ok()).unwrap_or(0),
            error: get("error"),
        })
    }

    /// Seconds from start to finish, when both are known.
    pub fn seconds(&self) -> Option<f64> {
        Some((self.finished? - self.started?).as_seconds_f64())
    }
}

/// Reads one run.
pub fn get(
    hbase: &mut HBase,
    config: &Config,
    job: &str,
    run_id: &str,
) -> anyhow::Result<Option<JobRun>> {
    Ok(hbase.get_row(&table(config), &run_key(job, run_id))?.as_ref().and_then(JobRun::from_row))
}

/// Every run, or those of one job, oldest first.
pub fn list(hbase: &mut HBase, config: &Config, job: Option<&str>) -> anyhow::Result<Vec<JobRun>> {
    let (start, stop) = match job {
        // '|' + 1 is '}', so [job|, job}) holds exactly this job's rows.
        Some(j) => (format!("{j}|").into_bytes(), format!("{j}}}").into_bytes()),
        None => (Vec::new(), Vec::new()),
    };
    let mut runs = Vec::new();
    hbase.scan(&table(config), &start, &stop, 1000, |r| {
        if let Some(run) = JobRun::from_row(&r) {
            runs.push(run);
        }
    })?;
    runs.sort_by(|a, b| a.submitted.cmp(&b.submitted).then_with(|| a.id.cmp(&b.id)));
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hbase_thrift::hbase::TCell;

    #[test]
    fn run_ids_sort_by_submission_time() {
        let t1 = DateTime::parse_from_rfc3339("2024-06-01T10:15:30Z").unwrap().to_utc();
        let t2 = DateTime::parse_from_rfc3339("2024-06-01T10:15:31Z").unwrap().to_utc();
        let (a, b) = (new_run_id(t1), new_run_id(t2));
        assert!(a.starts_with("20240601T101530Z-") && a.len() == 25, "{a}");
        assert!(a < b);
        assert_ne!(new_run_id(t1), new_run_id(t1));
        assert_eq!(run_key("eda", &a), format!("eda|{a}").into_bytes());
    }

    #[test]
    fn statuses_round_trip() {
        for s in ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] {
            assert_eq!(s.parse::<Status>().unwrap().as_str(), s);
        }
        assert!("DONE".parse::<Status>().is_err());
    }

    #[test]
    fn a_row_parses_back_into_a_run() {
        let mut run =
            JobRun::queued("eda", "builtin:eda", BTreeMap::from([("k".into(), 3.into())]));
        run.status = Status::Failed;
        run.error = Some("[PARSE_SYNTAX_ERROR] boom".into());
        run.started = Some(run.submitted);
        run.finished = Some(run.submitted + chrono::Duration::milliseconds(1500));
        let mut columns = BTreeMap::new();
        let mut put = |q: &str, v: Vec<u8>| {
            columns
                .insert(format!("r:{q}").into_bytes(), TCell { value: Some(v), timestamp: None });
        };
        put("id", run.id.clone().into());
        put("job", b"eda".to_vec());
        put("params", br#"{"k":3}"#.to_vec());
        put("source", b"builtin:eda".to_vec());
        put("submitted", time_text(&run.submitted));
        put("started", time_text(&run.submitted));
        put("finished", time_text(run.finished.as_ref().unwrap()));
        put("status", b"FAILED".to_vec());
        put("error", b"[PARSE_SYNTAX_ERROR] boom".to_vec());
        let row = TRowResult { row: None, columns: Some(columns), sorted_columns: None };
        let back = JobRun::from_row(&row).unwrap();
        assert_eq!(back.status, Status::Failed);
        assert_eq!(back.params, run.params);
        assert_eq!(back.error, run.error);
        assert_eq!(back.seconds(), Some(1.5));
    }
}
