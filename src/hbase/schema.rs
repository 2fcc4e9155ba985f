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

    /// Every table to create, index tables included, with their families.
    pub fn all_tables(&self) -> Vec<(String, Vec<ColumnDescriptor>)> {
        let mut out = Vec::new();
        for t in &self.tables {
            out.push((t.name.clone(), t.families.iter().map(FamilySpec::descriptor).collect()));
            if t.time_field.is_some() {
                let index = FamilySpec::simple(INDEX_FAMILY, 1);
                out.push((t.index_table(), vec![index.descriptor()]));
            }
        }
        out
    }
}

/// Creates every table of the built-in layout that is missing, with `prefix` before its name.
/// Returns each table's full name and whether it was created now (false: it existed).
///
/// # Errors
/// Fails with the gateway's message when a table cannot be listed or created.
pub fn create_tables(
    hbase: &mut super::HBase,
    prefix: &str,
) -> anyhow::Result<Vec<(String, bool)>> {
    Schema::builtin()
        .all_tables()
        .into_iter()
        .map(|(name, families)| {
            let table = format!("{prefix}{name}");
            let created = hbase.ensure_table(&table, &families)?;
            Ok((table, created))
        })
        .collect()
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

/// The row key of a time-index row: `<time>|<id>`.
pub fn time_key(time: &str, id: &str) -> Vec<u8> {
    format!("{time}|{id}").into_bytes()
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
        let names: Vec<String> = s.all_tables().into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"fraud_analysis_by_time".to_string()));
        assert!(names.contains(&"job_runs".to_string()));
        assert_eq!(names.len(), 10);
    }

    #[test]
    fn descriptors_spell_out_every_setting() {
        let d = Schema::builtin().all_tables()[0].1[0].clone();
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
    }
}
