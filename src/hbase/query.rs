//! `ecomflow hbase get` and `ecomflow hbase scan`: the two reads the record tables' row keys are
//! laid out for, a point lookup by entity id and a range scan by time.
//!
//! A lookup reads the record table directly (`get <table> <id>`). A time range scans the
//! `<table>_by_time` index, whose keys `<time>|<id>` sort in time order, and then fetches the
//! records it names in batches of `getRows`, so each record costs one index row and a share of
//! one round trip.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use tracing::{debug, warn};

use crate::error::usage;
use crate::generate::Topic;
use crate::hbase::HBase;
use crate::hbase::schema::{Schema, TableSpec, index_time};
use crate::ingest::RECORD_QUALIFIER;

/// Records fetched per `getRows` call while scanning a time range.
const FETCH_BATCH: usize = 500;

/// A record table as the queries see it: full names (prefix applied) and the data column.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordTable {
    pub topic: Topic,
    pub table: String,
    pub index_table: String,
    /// `family:qualifier` of the cell that holds the record's JSON.
    pub column: String,
    /// Whether the time field is a calendar date (shipments) rather than a timestamp (orders).
    pub dated: bool,
    /// The record field the index is keyed by.
    pub time_field: String,
}

impl RecordTable {
    /// The record table fed by the topic named `name` (its name in `hbase/tables.toml`).
    ///
    /// # Errors
    /// A usage error listing the accepted names when `name` is none of them.
    pub fn named(name: &str, prefix: &str) -> anyhow::Result<RecordTable> {
        let accepted = || Topic::ALL.map(|t| t.name()).join(", ");
        let topic = Topic::ALL.into_iter().find(|t| t.name() == name).ok_or_else(|| {
            usage(format!("unknown record table {name:?}; expected one of {}", accepted()))
        })?;
        let schema = Schema::builtin();
        let spec: &TableSpec = schema
            .for_topic(topic.name())
            .ok_or_else(|| anyhow::anyhow!("hbase/tables.toml has no table for {topic}"))?;
        Ok(RecordTable {
            topic,
            table: format!("{prefix}{}", spec.name),
            index_table: format!("{prefix}{}", spec.index_table()),
            column: format!("{}:{RECORD_QUALIFIER}", spec.data_family()),
            dated: topic != Topic::FraudAnalysis,
            time_field: spec.time_field.clone().unwrap_or_default(),
        })
    }
}

/// Checks one end of a time range and returns it as the index key prefix it stands for.
///
/// Accepted: the leading part of an ISO-8601 UTC time, cut after any of its fields: `2024`,
/// `2024-03`, `2024-03-01`, `2024-03-01T10`, `2024-03-01T10:30`, `2024-03-01T10:30:15`, with an
/// optional trailing `Z` on the last. Tables indexed by date take only the first three forms.
///
/// # Errors
/// A usage error that names the flag, the value and the accepted forms.
pub fn time_bound(flag: &str, value: &str, dated: bool) -> anyhow::Result<String> {
    const TEMPLATE: &str = "0000-01-01T00:00:00";
    let text = value.strip_suffix('Z').filter(|t| t.len() == TEMPLATE.len()).unwrap_or(value);
    let forms = if dated {
        "YYYY, YYYY-MM or YYYY-MM-DD (this table is indexed by date)"
    } else {
        "YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS[Z]"
    };
    let bad = || usage(format!("invalid {flag} {value:?}: expected {forms}"));
    let cuts: &[usize] = if dated { &[4, 7, 10] } else { &[4, 7, 10, 13, 16, 19] };
    if !cuts.contains(&text.len()) {
        return Err(bad());
    }
    // Every digit position must hold a digit and every separator its own character; the padded
    // text must then be a real time (no month 13, no 31 April).
    let shape_ok = text
        .bytes()
        .zip(TEMPLATE.bytes())
        .all(|(c, t)| if t.is_ascii_digit() { c.is_ascii_digit() } else { c == t });
    let padded = format!("{text}{}", &TEMPLATE[text.len()..]);
    if !shape_ok || NaiveDateTime::parse_from_str(&padded, "%Y-%m-%dT%H:%M:%S").is_err() {
        return Err(bad());
    }
    Ok(value.to_string())
}

/// The index keys `[start, stop)` of a time range; an absent `to` means to the end.
///
/// A bound is a key prefix: `--from 2024-03` starts at the first March key, `--to 2024-04`
/// stops before the first April key.
///
/// # Errors
/// A usage error when `from` does not come before `to`.
pub fn range_keys(from: &str, to: Option<&str>) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    if let Some(to) = to {
        if from >= to {
            return Err(usage(format!(
                "empty time range: --from {from} must come before --to {to} (--to is exclusive)"
            )));
        }
    }
    Ok((from.as_bytes().to_vec(), to.unwrap_or_default().as_bytes().to_vec()))
}

/// The id an index row points at: the text after the last `|` of its key.
pub fn id_of_index_key(key: &[u8]) -> &[u8] {
    match key.iter().rposition(|&b| b == b'|') {
        Some(i) => &key[i + 1..],
        None => key,
    }
}

/// Whether `record` still has the time its index row `key` was written for.
///
/// A record sent again under the same id with another time overwrites its row, but the index
/// row of its old time stays behind (removing it would cost ingest a read before every write).
/// Such a stale row must not bring the record into a range it has left, nor twice into one.
pub fn index_row_is_current(key: &[u8], record: &[u8], time_field: &str) -> bool {
    let Some(split) = key.iter().rposition(|&b| b == b'|') else {
        return false;
    };
    let Ok(fields) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(record)
    else {
        return false;
    };
    let time = fields.get(time_field).and_then(crate::hbase::schema::cell_text);
    let time = time.as_deref().map(String::from_utf8_lossy);
    time.is_some_and(|t| index_time(&t).as_bytes() == &key[..split])
}

/// The records stored under `ids`, in the order asked; `None` for an id with no row.
///
/// # Errors
/// Fails with the gateway's message when the read fails.
pub fn records(
    hbase: &mut HBase,
    table: &RecordTable,
    ids: &[Vec<u8>],
) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
    let mut found: HashMap<Vec<u8>, Vec<u8>> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(FETCH_BATCH) {
        for row in hbase.get_rows(&table.table, chunk)? {
            let value = row
                .columns
                .and_then(|mut cols| cols.remove(table.column.as_bytes()))
                .and_then(|cell| cell.value);
            if let (Some(key), Some(value)) = (row.row, value) {
                found.insert(key, value);
            }
        }
    }
    Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
}

/// Calls `each` with the JSON of every record whose time lies in `[start, stop)`, oldest first,
/// stopping after `limit` records when one is given; returns how many it passed.
///
/// The index is read a page at a time and each page's records fetched in one `getRows` call, so
/// memory stays bounded by the page whatever the range holds.
///
/// # Errors
/// Fails with the gateway's message when the index or the records cannot be read, or when
/// `each` fails (a closed stdout, say).
pub fn scan_time_range(
    hbase: &mut HBase,
    table: &RecordTable,
    (start, stop): (&[u8], &[u8]),
    limit: Option<u64>,
    mut each: impl FnMut(&[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let mut left = limit.unwrap_or(u64::MAX);
    let mut passed = 0u64;
    let mut orphans = 0u64;
    let mut stale = 0u64;
    let mut from = start.to_vec();
    while left > 0 {
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(FETCH_BATCH);
        let mut keys = Vec::with_capacity(want);
        hbase.scan_while(&table.index_table, &from, stop, want as i32, |row| {
            keys.extend(row.row);
            keys.len() < want
        })?;
        let ids: Vec<Vec<u8>> = keys.iter().map(|k| id_of_index_key(k).to_vec()).collect();
        for (key, record) in keys.iter().zip(records(hbase, table, &ids)?) {
            match record {
                Some(json) if index_row_is_current(key, &json, &table.time_field) => {
                    each(&json)?;
                    passed += 1;
                    left -= 1;
                }
                Some(_) => stale += 1,
                None => orphans += 1,
            }
        }
        match keys.pop() {
            // The next page starts just after this one's last key.
            Some(mut last) if keys.len() + 1 == want => {
                last.push(0);
                from = last;
            }
            _ => break,
        }
    }

    // Ingest writes a record's row and its index row in the same batch, and a replay rewrites
    // both, so an index row without its record means a batch is still being written.
    if orphans > 0 {
        warn!(table = %table.table, orphans, "index rows whose record is not stored (yet)");
    }
    if stale > 0 {
        debug!(table = %table.table, stale, "skipped index rows of records sent again with another time");
    }
    Ok(passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_map_to_their_tables() {
        let t = RecordTable::named("fraud_analysis", "t1_").unwrap();
        assert_eq!(t.table, "t1_fraud_analysis");
        assert_eq!(t.index_table, "t1_fraud_analysis_by_time");
        assert_eq!(t.column, "d:record");
        assert!(!t.dated);
        assert!(RecordTable::named("freight_cost_analytics", "").unwrap().dated);

        let e = RecordTable::named("orders", "").unwrap_err();
        assert!(e.downcast_ref::<crate::error::UsageError>().is_some());
        assert_eq!(
            e.to_string(),
            "unknown record table \"orders\"; expected one of pharmaceutical_supply_chain, \
             fraud_analysis, freight_cost_analytics, product_group_analytics"
        );
    }

    #[test]
    fn time_bounds_accept_iso_prefixes_only() {
        for ok in [
            "2024",
            "2024-03",
            "2024-03-01",
            "2024-03-01T10",
            "2024-03-01T10:30",
            "2024-03-01T10:30:15",
            "2024-03-01T10:30:15Z",
            "2024-02-29",
        ] {
            assert_eq!(time_bound("--from", ok, false).unwrap(), ok, "{ok}");
        }
        for bad in [
            "",
            "24",
            "2024-3",
            "2024-13",
            "2023-02-29",
            "2024-04-31",
            "2024-03-01 10:00",
            "2024-03-01T25",
            "2024-03-01T10:30Z",
            "March",
            "2024-03-01T10:30:15+01:00",
        ] {
            let e = time_bound("--from", bad, false).unwrap_err();
            assert!(e.downcast_ref::<crate::error::UsageError>().is_some(), "{bad}");
            assert!(e.to_string().starts_with(&format!("invalid --from {bad:?}: expected")));
        }
        assert!(time_bound("--to", "2024-03-01", true).is_ok());
        let e = time_bound("--to", "2024-03-01T10", true).unwrap_err();
        assert!(e.to_string().contains("indexed by date"), "{e}");
    }

    #[test]
    fn ranges_are_half_open_key_prefixes() {
        let (start, stop) = range_keys("2024-03", Some("2024-04")).unwrap();
        assert_eq!(
            (start.as_slice(), stop.as_slice()),
            (b"2024-03".as_slice(), b"2024-04".as_slice())
        );
        // Every March key sorts inside, the first April key outside.
        assert!(b"2024-03-31T23:59:59Z|9".as_slice() < stop.as_slice());
        assert!(b"2024-03-01|1".as_slice() >= start.as_slice());
        assert!(b"2024-04-01|1".as_slice() >= stop.as_slice());
        assert_eq!(range_keys("2024", None).unwrap().1, Vec::<u8>::new());

        let e = range_keys("2024-04", Some("2024-03")).unwrap_err();
        assert!(e.to_string().contains("must come before --to"), "{e}");
        assert!(range_keys("2024-04", Some("2024-04")).is_err());
    }

    #[test]
    fn index_keys_name_their_record() {
        assert_eq!(id_of_index_key(b"2024-03-01T10:00:00Z|1234"), b"1234");
        assert_eq!(id_of_index_key(b"2024-03-01|ASN-7"), b"ASN-7");
        assert_eq!(id_of_index_key(b"no-separator"), b"no-separator");
    }

    #[test]
    fn index_rows_left_by_an_earlier_time_of_a_record_are_stale() {
        let record = br#"{"transaction_id":155,"event_time":"2024-03-04T20:00:26Z"}"#;
        let current = b"2024-03-04T20:00:26Z|155";
        assert!(index_row_is_current(current, record, "event_time"));
        assert!(!index_row_is_current(b"2024-01-30T20:00:26Z|155", record, "event_time"));
        // The index holds UTC; the record may spell the same instant with an offset.
        let offset = br#"{"transaction_id":155,"event_time":"2024-03-04T15:00:26-05:00"}"#;
        assert!(index_row_is_current(current, offset, "event_time"));
        let shipment = br#"{"id":"ASN-7","delivered_date":"2024-06-01"}"#;
        assert!(index_row_is_current(b"2024-06-01|ASN-7", shipment, "delivered_date"));
        assert!(!index_row_is_current(b"2024-06-02|ASN-7", shipment, "delivered_date"));
        assert!(!index_row_is_current(current, b"not json", "event_time"));
        assert!(!index_row_is_current(current, br#"{"transaction_id":155}"#, "event_time"));
    }
}
