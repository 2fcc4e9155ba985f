//! Insights: the small result sets that Spark jobs return, stored in HBase and sent to Kafka,
//! and read back for reports.
//!
//! This is the last stage of the batch pipeline: `spark::jobs` runs a job and hands its result
//! sets here; `report` (and anyone else) reads the latest run of a job with [`latest`].
//!
//! # HBase layout (table `insights`, family `m`)
//!
//! | row key                                   | cells                                         |
//! |-------------------------------------------|-----------------------------------------------|
//! | `<job>\|<run id>\|<result>`               | `m:columns` (JSON array), `m:index`, `m:rows` |
//! | `<job>\|<run id>\|<result>\|<row:06>`     | `m:_row` (JSON array), one `m:<column>` each  |
//! | `!latest\|<job>`                          | `m:run_id`, `m:finished`                      |
//!
//! Run ids start with the submission time (`20240601T101530Z-…`), so the runs of a job sort
//! oldest first under the `<job>|` prefix. The `!latest|<job>` pointer is written only after
//! every row of a successful run is stored, so a reader never sees a half-written run; the
//! `!` keeps pointer rows apart from job rows (job names start with a letter).
//!
//! # Kafka
//!
//! Each result row is one JSON message on `insights.<job>` keyed `<job>|<run id>|<result>|<row>`:
//! `{"job": …, "run_id": …, "result": …, "row": 0, "data": {"column": value, …}}`.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use spark_connect::row::{Row, Value as SparkValue};

use crate::config::Config;
use crate::hbase::HBase;
use crate::hbase::schema::cell_text;

/// Column family of the `insights` table.
pub const FAMILY: &str = "m";

/// One named result set of a job run: column names and rows of JSON values.
///
/// Numbers are JSON numbers (NaN and infinities become `null`), dates are `YYYY-MM-DD` text,
/// timestamps RFC 3339 text in UTC, arrays and structs JSON arrays and objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    /// The name after `-- result:` in the job file, e.g. `by_category`.
    pub name: String,
    /// Column names in select order.
    pub columns: Vec<String>,
    /// Rows in the order Spark returned them (the job's `ORDER BY`, if any).
    pub rows: Vec<Vec<Value>>,
}

impl ResultSet {
    /// Builds a result set from collected Spark rows; `columns` is used when there are no rows.
    pub fn from_rows(name: &str, columns: Vec<String>, rows: &[Row]) -> ResultSet {
        let columns = rows.first().map(|r| r.fields().to_vec()).unwrap_or(columns);
        let rows = rows.iter().map(|r| r.values().iter().map(spark_to_json).collect()).collect();
        ResultSet { name: name.to_string(), columns, rows }
    }

    /// Position of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The value of `column` in row `row`, or `None` when either does not exist.
    pub fn get(&self, row: usize, column: &str) -> Option<&Value> {
        self.column(column).and_then(|c| self.rows.get(row)?.get(c))
    }

    /// The first row whose first column equals `key` (a dimension lookup such as a category).
    pub fn find(&self, key: &str) -> Option<&[Value]> {
        self.rows.iter().find(|r| r.first().and_then(Value::as_str) == Some(key)).map(Vec::as_slice)
    }
}

/// A Spark value as JSON.
pub fn spark_to_json(v: &SparkValue) -> Value {
    match v {
        SparkValue::Null => Value::Null,
        SparkValue::Bool(b) => (*b).into(),
        SparkValue::Byte(i) => (*i).into(),
        SparkValue::Short(i) => (*i).into(),
        SparkValue::Integer(i) => (*i).into(),
        SparkValue::Long(i) => (*i).into(),
        SparkValue::Float(f) => finite(*f as f64),
        SparkValue::Double(f) => finite(*f),
        // Decimals (from SUM or ROUND over decimals) are read as doubles: insights are figures
        // for charts, not money ledgers.
        SparkValue::Decimal { value, .. } => value.parse::<f64>().map_or(Value::Null, finite),
        SparkValue::String(s) => s.clone().into(),
        SparkValue::Binary(b) => String::from_utf8_lossy(b).into_owned().into(),
        SparkValue::Date(days) => chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
            .map_or(Value::Null, |d| d.to_string().into()),
        SparkValue::Timestamp(micros) => chrono::DateTime::from_timestamp_micros(*micros)
            .map_or(Value::Null, |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true).into()),
        SparkValue::List(items) => items.iter().map(spark_to_json).collect(),
        SparkValue::Map(m) => m.iter().map(|(k, v)| (k.clone(), spark_to_json(v))).collect(),
        SparkValue::Struct(fields) => {
            fields.iter().map(|(k, v)| (k.clone(), spark_to_json(v))).collect()
        }
        SparkValue::Variant { .. } => Value::Null,
    }
}

fn finite(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Row key of a result set's header row.
pub fn header_key(job: &str, run_id: &str, result: &str) -> Vec<u8> {
    format!("{job}|{run_id}|{result}").into_bytes()
}

/// Row key of one result row.
pub fn row_key(job: &str, run_id: &str, result: &str, row: usize) -> Vec<u8> {
    format!("{job}|{run_id}|{result}|{row:06}").into_bytes()
}

/// Row key of a job's latest-run pointer.
pub fn latest_key(job: &str) -> Vec<u8> {
    format!("!latest|{job}").into_bytes()
}

/// The smallest key after every key that starts with `prefix`, for an exclusive scan stop.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    Vec::new()
}

fn table(config: &Config) -> String {
    format!("{}insights", config.hbase.table_prefix)
}

/// Writes the result sets of a successful run and then moves the job's latest pointer to it.
///
/// # Errors
/// Fails with the table when an HBase write fails; the pointer then still names the previous
/// run.
pub fn store_hbase(
    hbase: &mut HBase,
    config: &Config,
    job: &str,
    run_id: &str,
    results: &[ResultSet],
) -> anyhow::Result<()> {
    let table = table(config);
    let cell = |q: &str, v: Vec<u8>| (FAMILY.to_string(), q.to_string(), v);
    let mut rows = Vec::new();
    for (index, rs) in results.iter().enumerate() {
        rows.push((
            header_key(job, run_id, &rs.name),
            vec![
                cell("columns", serde_json::to_vec(&rs.columns)?),
                cell("index", index.to_string().into_bytes()),
                cell("rows", rs.rows.len().to_string().into_bytes()),
            ],
        ));
        for (i, values) in rs.rows.iter().enumerate() {
            let mut cells = vec![cell("_row", serde_json::to_vec(values)?)];
            for (c, v) in rs.columns.iter().zip(values) {
                if let Some(text) = cell_text(v) {
                    cells.push(cell(c, text));
                }
            }
            rows.push((row_key(job, run_id, &rs.name, i), cells));
        }
    }
    // Bounded batches keep each Thrift frame small whatever a job returns.
    for chunk in rows.chunks(500) {
        hbase.put_rows(&table, chunk.to_vec())?;
    }
    let finished = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    hbase.put_rows(
        &table,
        vec![(
            latest_key(job),
            vec![cell("run_id", run_id.as_bytes().to_vec()), cell("finished", finished.into())],
        )],
    )?;
    Ok(())
}

/// The Kafka topic a job's insights go to.
pub fn topic(config: &Config, job: &str) -> String {
    format!("{}{job}", config.jobs.insights_topic_prefix)
}

/// Sends every result row as one JSON message to `insights.<job>` and waits for the broker to
/// acknowledge all of them.
///
/// # Errors
/// Fails when the topic cannot be created or a message is not acknowledged in time.
pub fn send_kafka(
    config: &Config,
    job: &str,
    run_id: &str,
    results: &[ResultSet],
) -> anyhow::Result<u64> {
    let topic = topic(config, job);
    crate::kafka::admin::ensure_topics(&config.kafka, &[&topic])?;
    let producer: BaseProducer = crate::kafka::base_config(&config.kafka)
        .set("enable.idempotence", "true")
        .create()
        .context("cannot create the insights producer")?;
    let mut sent = 0u64;
    for rs in results {
        for (i, values) in rs.rows.iter().enumerate() {
            let data: serde_json::Map<String, Value> =
                rs.columns.iter().cloned().zip(values.iter().cloned()).collect();
            let message = serde_json::json!({
                "job": job, "run_id": run_id, "result": rs.name, "row": i, "data": data,
            });
            let key = format!("{job}|{run_id}|{}|{i:06}", rs.name);
            let payload = serde_json::to_vec(&message)?;
            let mut record = BaseRecord::to(&topic).key(&key).payload(&payload);
            // A full local queue only means we produce faster than librdkafka sends: wait.
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((
                        rdkafka::error::KafkaError::MessageProduction(
                            rdkafka::types::RDKafkaErrorCode::QueueFull,
                        ),
                        r,
                    )) => {
                        producer.poll(Duration::from_millis(50));
                        record = r;
                    }
                    Err((e, _)) => return Err(anyhow::anyhow!("cannot send to {topic}: {e}")),
                }
            }
            sent += 1;
        }
    }
    producer
        .flush(config.kafka.timeout)
        .with_context(|| format!("insights for {topic} were not acknowledged"))?;
    Ok(sent)
}

/// The run id of the latest successful run of `job`, if any.
pub fn latest_run_id(
    hbase: &mut HBase,
    config: &Config,
    job: &str,
) -> anyhow::Result<Option<String>> {
    let row = hbase.get_row(&table(config), &latest_key(job))?;
    Ok(row.and_then(|r| cell_string(&r, "run_id")))
}

/// The result sets of one run of `job`, in job-file order.
pub fn read_run(
    hbase: &mut HBase,
    config: &Config,
    job: &str,
    run_id: &str,
) -> anyhow::Result<Vec<ResultSet>> {
    let prefix = format!("{job}|{run_id}|").into_bytes();
    let mut headers: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut rows: BTreeMap<String, Vec<(usize, Vec<Value>)>> = BTreeMap::new();
    let mut bad = None;
    hbase.scan(&table(config), &prefix, &prefix_end(&prefix), 1000, |r| {
        let key = String::from_utf8_lossy(r.row.as_deref().unwrap_or_default()).into_owned();
        let rest = &key[prefix.len().min(key.len())..];
        let parsed = match rest.split_once('|') {
            None => serde_json::from_str(&cell_string(&r, "columns").unwrap_or_default()).map(
                |columns| {
                    let index = cell_string(&r, "index").and_then(|i| i.parse().ok());
                    headers.insert(rest.to_string(), (index.unwrap_or(usize::MAX), columns));
                },
            ),
            Some((result, n)) => serde_json::from_str(&cell_string(&r, "_row").unwrap_or_default())
                .map(|values| {
                    let n = n.parse().unwrap_or(usize::MAX);
                    rows.entry(result.to_string()).or_default().push((n, values));
                }),
        };
        if let Err(e) = parsed {
            bad.get_or_insert(format!("row {key}: {e}"));
        }
    })?;
    if let Some(e) = bad {
        anyhow::bail!("insights of {job} run {run_id} are malformed: {e}");
    }
    let mut out: Vec<(usize, ResultSet)> = headers
        .into_iter()
        .map(|(name, (index, columns))| {
            let mut r = rows.remove(&name).unwrap_or_default();
            r.sort_by_key(|(n, _)| *n);
            (index, ResultSet { name, columns, rows: r.into_iter().map(|(_, v)| v).collect() })
        })
        .collect();
    out.sort_by_key(|(index, _)| *index);
    Ok(out.into_iter().map(|(_, rs)| rs).collect())
}

/// The result sets of the latest successful run of `job`; empty when the job never succeeded.
///
/// This is the reader for reports:
///
/// ```no_run
/// # fn main() -> anyhow::Result<()> {
/// let config = ecomflow::config::Config::default();
/// for rs in ecomflow::insights::latest(&config, "fraud_detection")? {
///     println!("{}: {} rows, columns {:?}", rs.name, rs.rows.len(), rs.columns);
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// Fails when HBase cannot be reached or the stored rows do not parse.
pub fn latest(config: &Config, job: &str) -> anyhow::Result<Vec<ResultSet>> {
    let mut hbase = HBase::connect(&config.hbase)?;
    match latest_run_id(&mut hbase, config, job)? {
        Some(run_id) => read_run(&mut hbase, config, job, &run_id)
            .with_context(|| format!("cannot read the latest insights of {job}")),
        None => Ok(Vec::new()),
    }
}

/// [`latest`] as a map from result-set name to result set.
pub fn latest_by_name(config: &Config, job: &str) -> anyhow::Result<BTreeMap<String, ResultSet>> {
    Ok(latest(config, job)?.into_iter().map(|rs| (rs.name.clone(), rs)).collect())
}

fn cell_string(row: &hbase_thrift::hbase::TRowResult, qualifier: &str) -> Option<String> {
    let column = format!("{FAMILY}:{qualifier}").into_bytes();
    let cell = row.columns.as_ref()?.get(&column)?;
    cell.value.as_ref().map(|v| String::from_utf8_lossy(v).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_group_a_run_and_sort_its_rows() {
        assert_eq!(header_key("eda", "R1", "counts"), b"eda|R1|counts".to_vec());
        assert_eq!(row_key("eda", "R1", "counts", 7), b"eda|R1|counts|000007".to_vec());
        assert!(row_key("eda", "R1", "c", 9) < row_key("eda", "R1", "c", 10));
        assert_eq!(latest_key("eda"), b"!latest|eda".to_vec());
        // Pointer rows sort before every job row, outside any job's prefix scan.
        assert!(latest_key("zzz") < header_key("a", "R", "x"));
        let p = b"eda|R1|".to_vec();
        assert_eq!(prefix_end(&p), b"eda|R1}".to_vec());
        assert!(row_key("eda", "R1", "z", 999_999) < prefix_end(&p));
        assert_eq!(prefix_end(&[0xff]), Vec::<u8>::new());
    }

    #[test]
    fn spark_values_become_json() {
        assert_eq!(spark_to_json(&SparkValue::Long(3)), serde_json::json!(3));
        assert_eq!(spark_to_json(&SparkValue::Double(0.25)), serde_json::json!(0.25));
        assert_eq!(spark_to_json(&SparkValue::Double(f64::NAN)), Value::Null);
        assert_eq!(spark_to_json(&SparkValue::Date(19_723)), serde_json::json!("2024-01-01"));
        assert_eq!(
            spark_to_json(&SparkValue::Timestamp(1_704_067_260_000_000)),
            serde_json::json!("2024-01-01T00:01:00Z")
        );
        let dec = SparkValue::Decimal { value: "12.50".into(), precision: None, scale: None };
        assert_eq!(spark_to_json(&dec), serde_json::json!(12.5));
        let st = SparkValue::Struct(vec![("a".into(), SparkValue::Integer(1))]);
        assert_eq!(spark_to_json(&st), serde_json::json!({"a": 1}));
    }

    #[test]
    fn result_set_lookups() {
        let row = Row::new(
            vec!["category".into(), "orders".into()],
            vec![SparkValue::String("Books".into()), SparkValue::Long(4)],
        );
        let rs = ResultSet::from_rows("by_category", vec![], &[row]);
        assert_eq!(rs.columns, vec!["category", "orders"]);
        assert_eq!(rs.get(0, "orders"), Some(&serde_json::json!(4)));
        assert_eq!(rs.find("Books").unwrap()[1], serde_json::json!(4));
        assert!(rs.find("Toys").is_none());
        let empty = ResultSet::from_rows("x", vec!["a".into()], &[]);
        assert_eq!(empty.columns, vec!["a"]);
        assert!(empty.rows.is_empty());
    }
}
