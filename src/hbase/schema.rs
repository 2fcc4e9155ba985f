//! The declarative table layout in `hbase/tables.toml` and the row keys derived from it.
//!
//! The file is compiled into the binary, so `ecomflow hbase init` works from any directory; the
//! layout is documented in the file itself.

use hbase_thrift::hbase::ColumnDescriptor;
use serde::Deserialize;
use serde_json::Value;

/// The table layout shipped with ecomflow.
pub const TABLES_TOML: &str = include_str!("../../hbase/tables.toml");

/// Every table ecomflow uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    #[serde(rename = "table")]
    pub tables: Vec<TableSpec>,
}

/// One table: its column families and, for record tables, where its rows come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Table name before `hbase.table_prefix` is applied.
    pub name: String,
    /// The topic whose records fill this table (record tables only).
    pub topic: Option<String>,
    /// The record field used as the row key.
    pub id_field: Option<String>,
    /// The record field whose ISO-8601 text keys the `<name>_by_time` index table.
    pub time_field: Option<String>,
    pub families: Vec<FamilySpec>,
    /// Row keys where the table's initial regions split (through the thrift2 gateway).
    #[serde(default)]
    pub split_keys: Vec<String>,
    /// The same for the `<name>_by_time` index table.
    #[serde(default)]
    pub index_split_keys: Vec<String>,
}

/// One table to create: full layout before `hbase.table_prefix`.
#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: String,
    pub families: Vec<FamilySpec>,
    pub split_keys: Vec<String>,
}

/// One column family.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilySpec {
    pub name: String,
    /// Cell versions kept; 1 for records, where a replay rewrites the same value.
    pub max_versions: i32,
    /// `NONE`, `GZ`, `SNAPPY`, `LZ4`, `ZSTD`: codecs other than NONE and GZ need native
    /// libraries on the region server.
    #[serde(default = "none")]
    pub compression: String,
    /// `NONE`, `ROW` or `ROWCOL`.
    #[serde(default = "row")]
    pub bloom_filter: String,
    /// Seconds a cell lives; absent means forever.
    pub ttl_seconds: Option<i32>,
    #[serde(default)]
    pub in_memory: bool,
}

fn none() -> String {
    "NONE".into()
}

fn row() -> String {
    "ROW".into()
}

/// Family of the time-index tables; its one cell `i:id` holds the record id.
pub const INDEX_FAMILY: &str = "i";

impl Schema {
    /// The layout compiled into the binary.
    pub fn builtin() -> Schema {
        // The file is part of the source tree and a unit test parses it.
        toml::from_str(TABLES_TOML).expect("hbase/tables.toml is valid")
    }

    /// The record table fed by `topic`, if any.
    pub fn for_topic(&self, topic: &str) -> Option<&TableSpec> {
        self.tables.iter().find(|t| t.topic.as_deref() == Some(topic))
    }

    /// Every table to create, index tables included.
    pub fn all_tables(&self) -> Vec<TableDef> {
        let mut out = Vec::new();
        for t in &self.tables {
            out.push(TableDef {
                name: t.name.clone(),
                families: t.families.clone(),
                split_keys: t.split_keys.clone(),
            });
            if t.time_field.is_some() {
                out.push(TableDef {
                    name: t.index_table(),
                    families: vec![FamilySpec::simple(INDEX_FAMILY, 1)],
                    split_keys: t.index_split_keys.clone(),
                });
            }
        }
        out
    }
}

/// How `create_tables` left one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// Full name, prefix included.
    pub table: String,
    /// False when it existed already (and was left as it was).
    pub created: bool,
    /// Regions it has now, as HBase reports them.
    pub regions: usize,
}

/// Creates every table of the built-in layout that is missing, with `hbase.table_prefix` before
/// its name.
///
/// Tables are created through the thrift2 gateway (`hbase.thrift2_addr`), which is what gives
/// them their declared split keys; with `hbase.thrift2_addr` empty, through the thrift1 gateway
/// with one region each, and a warning says so.
///
/// # Errors
/// Fails with the gateway's message when a table cannot be listed or created, and when the
/// configured thrift2 gateway does not answer.
pub fn create_tables(
    hbase: &mut super::HBase,
    cfg: &crate::config::HBaseConfig,
) -> anyhow::Result<Vec<Created>> {
    let tables = Schema::builtin().all_tables();
    let existing = hbase.table_names()?;
    let missing =
        tables.iter().any(|t| !existing.contains(&format!("{}{}", cfg.table_prefix, t.name)));
    // A configured gateway that does not answer is an error rather than a quiet fallback: tables
    // created with one region keep that layout for good.
    let mut ddl = if missing {
        let ddl = super::ddl::Ddl::connect(cfg).map_err(|e| {
            anyhow::anyhow!(
                "{e}; start it (`scripts/stack up`), or set hbase.thrift2_addr = \"\" to create \
                 one-region tables through thrift1"
            )
        })?;
        if ddl.is_none() {
            tracing::warn!(
                "hbase.thrift2_addr is empty: creating tables through thrift1, one region each, \
                 without the split keys of hbase/tables.toml"
            );
        }
        ddl
    } else {
        None
    };
    let mut out = Vec::new();
    for t in tables {
        let table = format!("{}{}", cfg.table_prefix, t.name);
        let created = !existing.contains(&table) && create(hbase, ddl.as_mut(), &table, &t)?;
        let regions = hbase.region_count(&table)?;
        out.push(Created { table, created, regions });
    }
    Ok(out)
}

/// Creates one table; false when another client created it first.
fn create(
    hbase: &mut super::HBase,
    ddl: Option<&mut super::ddl::Ddl>,
    table: &str,
    t: &TableDef,
) -> anyhow::Result<bool> {
    match ddl {
        Some(ddl) => match ddl.create_table(table, &t.families, &t.split_keys) {
            Ok(()) => Ok(true),
            // Another writer created it between our listing and our create: that is fine.
            Err(e) if e.to_string().contains("TableExistsException") => Ok(false),
            Err(e) => Err(e),
        },
        None => {
            let families: Vec<_> = t.families.iter().map(FamilySpec::descriptor).collect();
            hbase.ensure_table(table, &families)
        }
    }
}

impl TableSpec {
    /// Name of the time-index table.
    pub fn index_table(&self) -> String {
        format!("{}_by_time", self.name)
    }

    /// The first family, where record cells go.
    pub fn data_family(&self) -> &str {
        &self.families[0].name
    }
}

impl FamilySpec {
    /// A family with HBase's usual settings and `max_versions` versions.
    pub fn simple(name: &str, max_versions: i32) -> FamilySpec {
        FamilySpec {
            name: name.into(),
            max_versions,
            compression: none(),
            bloom_filter: row(),
            ttl_seconds: None,
            in_memory: false,
        }
    }

    /// The Thrift descriptor, with every field set: the generated defaults (zero versions, zero
    /// TTL, empty codec names) are not values HBase accepts.
    pub fn descriptor(&self) -> ColumnDescriptor {
        ColumnDescriptor {
            name: Some(format!("{}:", self.name).into_bytes()),
            max_versions: Some(self.max_versions),
            compression: Some(self.compression.clone()),
            in_memory: Some(self.in_memory),
            bloom_filter_type: Some(self.bloom_filter.clone()),
            bloom_filter_vector_size: Some(0),
            bloom_filter_nb_hashes: Some(0),
            block_cache_enabled: Some(true),
            time_to_live: Some(self.ttl_seconds.unwrap_or(i32::MAX)),
        }
    }
}

/// A JSON scalar as the text stored in a cell: strings without quotes, the rest as JSON.
pub fn cell_text(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.as_bytes().to_vec()),
        other => Some(other.to_string().into_bytes()),
    }
}

/// The row key of a time-index row: `<time>|<id>`, with `time` as [`index_time`] spells it.
pub fn time_key(time: &str, id: &str) -> Vec<u8> {
    format!("{}|{id}", index_time(time)).into_bytes()
}

/// A record's time as the index spells it: an instant in UTC to the second
/// (`2024-03-01T10:00:00Z`), a date as `2024-03-01`. The schema check accepts any offset and
/// a space for the `T`; keys written as they came would sort `23:30-05:00` before midnight UTC
/// and out of the range a scan asks for. Text that is neither kind is kept as it came.
pub fn index_time(text: &str) -> std::borrow::Cow<'_, str> {
    use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

    if let Ok(instant) = text.parse::<DateTime<Utc>>() {
        // Whole seconds: a fraction would sort `00.5Z` before `00Z`; the id after the time
        // keeps keys of one second apart.
        let utc = instant.to_rfc3339_opts(SecondsFormat::Secs, true);
        if utc != text {
            return utc.into();
        }
    } else if let Ok(date) = text.parse::<NaiveDate>() {
        let day = date.format("%Y-%m-%d").to_string();
        if day != text {
            return day.into();
        }
    }
    text.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schema_covers_the_four_topics() {
        let s = Schema::builtin();
        for topic in [
            "fraud_analysis",
            "pharmaceutical_supply_chain",
            "freight_cost_analytics",
            "product_group_analytics",
        ] {
            let t = s.for_topic(topic).unwrap();
            assert!(t.id_field.is_some() && t.time_field.is_some(), "{topic}");
        }
        let names: Vec<String> = s.all_tables().into_iter().map(|t| t.name).collect();
        assert!(names.contains(&"fraud_analysis_by_time".to_string()));
        assert!(names.contains(&"job_runs".to_string()));
        assert_eq!(names.len(), 10);
    }

    #[test]
    fn descriptors_spell_out_every_setting() {
        let d = Schema::builtin().all_tables()[0].families[0].descriptor();
        assert_eq!(d.name.as_deref(), Some(b"d:".as_slice()));
        assert_eq!(d.max_versions, Some(1));
        assert_eq!(d.time_to_live, Some(i32::MAX));
        assert_eq!(d.compression.as_deref(), Some("NONE"));
    }

    #[test]
    fn cells_and_keys() {
        assert_eq!(cell_text(&Value::from("Air")), Some(b"Air".to_vec()));
        assert_eq!(cell_text(&Value::from(12.5)), Some(b"12.5".to_vec()));
        assert_eq!(cell_text(&Value::from(true)), Some(b"true".to_vec()));
        assert_eq!(cell_text(&Value::Null), None);
        assert_eq!(time_key("2024-03-01T10:00:00Z", "42"), b"2024-03-01T10:00:00Z|42".to_vec());
        // ISO text sorts chronologically, which is what makes time range scans work.
        assert!(time_key("2024-03-01", "9") < time_key("2024-03-02", "1"));
        // Offsets and spellings the schema check accepts all land on the same UTC key.
        for same in ["2024-09-10T04:30:00Z", "2024-09-09T23:30:00-05:00", "2024-09-10 04:30:00Z"] {
            assert_eq!(time_key(same, "7"), b"2024-09-10T04:30:00Z|7".to_vec(), "{same}");
        }
        assert_eq!(index_time("2024-03-01T10:00:00.250+01:00"), "2024-03-01T09:00:00Z");
        assert_eq!(index_time("2024-03-01"), "2024-03-01");
        assert_eq!(index_time("true"), "true");
    }
}
