//! Job files: Spark SQL with a small comment header, parsed into a [`JobSpec`].
//!
//! A job file is plain Spark SQL that any SQL tool can read. Comment lines at the top describe
//! the job, and marker comments split the body into named sections:
//!
//! ```sql
//! -- job: fraud_detection
//! -- description: Fraud share by category and a rule-based risk score
//! -- sources: fraud_analysis
//! -- param: min_orders = 1 -- groups with fewer orders are left out
//! -- output: hbase, kafka
//!
//! -- view: scored
//! SELECT *, CAST(is_fraud AS INT) AS fraud FROM fraud_analysis;
//!
//! -- result: by_category
//! SELECT category, count(*) AS orders FROM scored GROUP BY category HAVING orders >= :min_orders;
//! ```
//!
//! - `sources` are logical topic names; the runner defines a temporary view of that name over
//!   the configured Kafka topic before the first section runs.
//! - `param: NAME = DEFAULT -- description` declares a parameter. The SQL refers to it with
//!   Spark's named parameter marker `:NAME`, which Spark binds as a typed literal, so a value
//!   can never change the statement's shape. The default's spelling decides the type: an
//!   integer, a decimal number, `true`/`false`, or text (optionally in single quotes).
//! - `-- view: NAME` runs its statement into a temporary view for later sections; `-- result:
//!   NAME` runs it and keeps the collected rows as a result set.
//! - `output` lists where result sets go: `hbase`, `kafka`, or both (the default).
//!
//! A `.sql` file without a `-- job:` header is an ad-hoc job: it is named after the file, its
//! sources are whichever topic names its text mentions, and each `;`-terminated statement is a
//! result set (`result_1`, `result_2`, ...; just `result` when there is one).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Topics;
use crate::error::usage;

/// The built-in jobs, compiled in so the binary works from any directory.
pub const BUILTIN: [(&str, &str); 4] = [
    ("fraud_detection", include_str!("../../../jobs/fraud_detection.sql")),
    ("cost_optimization", include_str!("../../../jobs/cost_optimization.sql")),
    ("product_sales", include_str!("../../../jobs/product_sales.sql")),
    ("eda", include_str!("../../../jobs/eda.sql")),
];

/// The logical source names a job may read, in the order of [`Topics::all`].
pub const SOURCES: [&str; 4] = [
    "pharmaceutical_supply_chain",
    "fraud_analysis",
    "freight_cost_analytics",
    "product_group_analytics",
];

/// The configured Kafka topic behind a logical source name.
pub fn topic_for<'a>(topics: &'a Topics, source: &str) -> Option<&'a str> {
    SOURCES.iter().position(|s| *s == source).map(|i| topics.all()[i])
}

/// A parsed job file.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// Job name; also the Kafka topic suffix and the HBase row-key prefix.
    pub name: String,
    /// One line for `ecomflow jobs list`.
    pub description: String,
    /// Logical topic names read by the job.
    pub sources: Vec<String>,
    /// Declared parameters, in file order.
    pub params: Vec<ParamSpec>,
    /// Where result sets go.
    pub output: Output,
    /// The statements, in file order.
    pub sections: Vec<Section>,
    /// Where the spec came from: a path, or `builtin:<name>`.
    pub origin: String,
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub default: ParamValue,
    pub description: String,
}

/// A typed parameter value, bound to Spark as a literal of the same type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Int(i64),
    Double(f64),
    Bool(bool),
    Text(String),
}

/// Where result sets are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub hbase: bool,
    pub kafka: bool,
}

/// One statement of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// View name or result-set name.
    pub name: String,
    pub kind: SectionKind,
    /// The SQL, without the trailing semicolon.
    pub sql: String,
}

/// What happens with a section's statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// Registered as a temporary view for later sections.
    View,
    /// Collected and stored as a result set.
    Result,
}

impl ParamValue {
    /// Reads a default as written in a header: the spelling decides the type.
    pub fn parse_default(text: &str) -> ParamValue {
        let t = text.trim();
        if let Some(inner) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
            return ParamValue::Text(inner.to_string());
        }
        if let Ok(i) = t.parse::<i64>() {
            return ParamValue::Int(i);
        }
        if let Ok(f) = t.parse::<f64>() {
            return ParamValue::Double(f);
        }
        match t {
            "true" => ParamValue::Bool(true),
            "false" => ParamValue::Bool(false),
            _ => ParamValue::Text(t.to_string()),
        }
    }

    /// Reads a value given on the command line with the type of this (default) value.
    pub fn parse_like(&self, text: &str) -> Result<ParamValue, String> {
        let t = text.trim();
        match self {
            ParamValue::Int(_) => {
                t.parse().map(ParamValue::Int).map_err(|_| format!("`{t}` is not an integer"))
            }
            ParamValue::Double(_) => {
                t.parse().map(ParamValue::Double).map_err(|_| format!("`{t}` is not a number"))
            }
            ParamValue::Bool(_) => match t {
                "true" => Ok(ParamValue::Bool(true)),
                "false" => Ok(ParamValue::Bool(false)),
                _ => Err(format!("`{t}` is not true or false")),
            },
            ParamValue::Text(_) => Ok(ParamValue::Text(text.to_string())),
        }
    }

    /// The value as JSON, for the `params` cell of a run.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::Int(i) => (*i).into(),
            ParamValue::Double(f) => (*f).into(),
            ParamValue::Bool(b) => (*b).into(),
            ParamValue::Text(s) => s.clone().into(),
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Double(d) => write!(f, "{d:?}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Text(s) => write!(f, "'{s}'"),
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.hbase, self.kafka) {
            (true, true) => f.write_str("hbase, kafka"),
            (true, false) => f.write_str("hbase"),
            (false, true) => f.write_str("kafka"),
            (false, false) => f.write_str("none"),
        }
    }
}

/// Job, view, result and parameter names: lower-case identifiers that are safe in row keys
/// (no `|`), topic names and SQL.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 64
}

impl JobSpec {
    /// Parses a job file. `fallback_name` names an ad-hoc job (a file without a `-- job:` line).
    ///
    /// # Errors
    /// A usage error naming the line when the header or a marker is malformed.
    pub fn parse(text: &str, fallback_name: &str, origin: &str) -> anyhow::Result<JobSpec> {
        let mut header: BTreeMap<String, String> = BTreeMap::new();
        let mut params = Vec::new();
        let mut sections: Vec<Section> = Vec::new();
        let mut in_header = true;
        let mut last_key: Option<String> = None;
        let mut preamble = String::new();
        let bad = |line: usize, msg: String| usage(format!("{origin}:{}: {msg}", line + 1));

        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if let Some((kind, name)) = marker(trimmed) {
                in_header = false;
                if !valid_name(name) {
                    return Err(bad(n, format!("`{name}` is not a valid section name (a-z0-9_)")));
                }
                if sections.iter().any(|s| s.name == name) {
                    return Err(bad(n, format!("section `{name}` appears twice")));
                }
                sections.push(Section { name: name.to_string(), kind, sql: String::new() });
                continue;
            }
            if in_header {
                // `--` and three spaces continue the previous header value on a new line.
                if let (Some(key), Some(more)) = (&last_key, line.strip_prefix("--   ")) {
                    if let Some(v) = header.get_mut(key) {
                        v.push(' ');
                        v.push_str(more.trim());
                        continue;
                    }
                }
                last_key = None;
                if let Some((key, value)) = header_line(trimmed) {
                    if key == "param" {
                        params.push(parse_param(value).map_err(|m| bad(n, m))?);
                    } else if ["job", "description", "sources", "output"].contains(&key) {
                        header.insert(key.to_string(), value.trim().to_string());
                        last_key = Some(key.to_string());
                    } else {
                        return Err(bad(
                            n,
                            format!(
                                "unknown header key `{key}`; expected job, description, \
                                 sources, param or output"
                            ),
                        ));
                    }
                    continue;
                }
                if !trimmed.is_empty() && !trimmed.starts_with("--") {
                    in_header = false;
                }
            }
            match sections.last_mut() {
                Some(s) => {
                    s.sql.push_str(line);
                    s.sql.push('\n');
                }
                None if !in_header => {
                    preamble.push_str(line);
                    preamble.push('\n');
                }
                None => {}
            }
        }

        let adhoc = !header.contains_key("job");
        let name = header.get("job").cloned().unwrap_or_else(|| sanitise(fallback_name));
        if !valid_name(&name) {
            return Err(usage(format!("{origin}: `{name}` is not a valid job name (a-z0-9_)")));
        }
        if sections.is_empty() {
            sections = split_statements(&preamble);
        } else if !strip_sql(&preamble).is_empty() {
            return Err(usage(format!(
                "{origin}: SQL before the first `-- result:` or `-- view:` marker; put a marker \
                 in front of every statement"
            )));
        }
        for s in &mut sections {
            s.sql = strip_sql(&s.sql);
            if s.sql.is_empty() {
                return Err(usage(format!("{origin}: section `{}` has no SQL", s.name)));
            }
        }
        if sections.is_empty() {
            return Err(usage(format!("{origin}: the file holds no SQL statement")));
        }

        let sources = match header.get("sources") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>(),
            // An ad-hoc job reads whichever topics its SQL names.
            None => SOURCES
                .iter()
                .filter(|src| sections.iter().any(|s| mentions(&s.sql, src)))
                .map(|s| s.to_string())
                .collect(),
        };
        if let Some(unknown) = sources.iter().find(|s| !SOURCES.contains(&s.as_str())) {
            return Err(usage(format!(
                "{origin}: unknown source `{unknown}`; expected some of {}",
                SOURCES.join(", ")
            )));
        }
        let output = match header.get("output") {
            None => Output { hbase: true, kafka: true },
            Some(list) => parse_output(list).map_err(|m| usage(format!("{origin}: {m}")))?,
        };
        let description = header
            .get("description")
            .cloned()
            .unwrap_or_else(|| if adhoc { "ad-hoc SQL".to_string() } else { String::new() });
        Ok(JobSpec { name, description, sources, params, output, sections, origin: origin.into() })
    }

    /// Reads and parses a job file from disk.
    pub fn from_file(path: &Path) -> anyhow::Result<JobSpec> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read job file {}", path.display()))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("adhoc");
        JobSpec::parse(&text, stem, &path.display().to_string())
    }

    /// The parameter values of a run: defaults overridden by `k=v` pairs.
    ///
    /// # Errors
    /// A usage error for a pair without `=`, a name the job does not declare, or a value that
    /// does not parse as the default's type.
    pub fn bind(&self, pairs: &[String]) -> anyhow::Result<BTreeMap<String, ParamValue>> {
        let mut values: BTreeMap<String, ParamValue> =
            self.params.iter().map(|p| (p.name.clone(), p.default.clone())).collect();
        for pair in pairs {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| usage(format!("--param `{pair}` must look like name=value")))?;
            let k = k.trim();
            let Some(spec) = self.params.iter().find(|p| p.name == k) else {
                let known: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
                return Err(usage(format!(
                    "job `{}` has no parameter `{k}`; its parameters are: {}",
                    self.name,
                    if known.is_empty() { "(none)".to_string() } else { known.join(", ") }
                )));
            };
            let value = spec
                .default
                .parse_like(v)
                .map_err(|m| usage(format!("--param {k}: {m} (default {})", spec.default)))?;
            values.insert(k.to_string(), value);
        }
        Ok(values)
    }

    /// The result-set names in file order.
    pub fn result_names(&self) -> Vec<&str> {
        self.sections
            .iter()
            .filter(|s| s.kind == SectionKind::Result)
            .map(|s| s.name.as_str())
            .collect()
    }
}

/// Finds a job by name (a file `<dir>/<name>.sql` first, then the built-ins) or by path (an
/// argument ending in `.sql` or containing a `/`).
///
/// # Errors
/// A usage error listing the known jobs when nothing matches.
pub fn resolve(dir: &Path, name_or_path: &str) -> anyhow::Result<JobSpec> {
    if name_or_path.ends_with(".sql") || name_or_path.contains('/') {
        let path = PathBuf::from(name_or_path);
        if !path.exists() {
            return Err(usage(format!("job file {} does not exist", path.display())));
        }
        return JobSpec::from_file(&path);
    }
    let file = dir.join(format!("{name_or_path}.sql"));
    if file.exists() {
        return JobSpec::from_file(&file);
    }
    if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        return JobSpec::parse(text, name, &format!("builtin:{name}"));
    }
    let known: Vec<String> = list(dir)?.into_iter().map(|j| j.name).collect();
    Err(usage(format!(
        "unknown job `{name_or_path}`; known jobs: {} (or pass a path to a .sql file)",
        known.join(", ")
    )))
}

/// Every job: the `*.sql` files of `dir` (sorted by name), then the built-ins that no file
/// replaces. A missing folder only means there are no file jobs.
///
/// # Errors
/// Fails when a file in the folder cannot be read or parsed.
pub fn list(dir: &Path) -> anyhow::Result<Vec<JobSpec>> {
    let mut jobs = Vec::new();
    if dir.is_dir() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot list job folder {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        paths.sort();
        for p in paths {
            jobs.push(JobSpec::from_file(&p)?);
        }
    }
    for (name, text) in BUILTIN {
        if !jobs.iter().any(|j| j.name == name) {
            jobs.push(JobSpec::parse(text, name, &format!("builtin:{name}"))?);
        }
    }
    Ok(jobs)
}

/// `-- result: name` or `-- view: name`.
fn marker(line: &str) -> Option<(SectionKind, &str)> {
    let (key, value) = header_line(line)?;
    match key {
        "result" => Some((SectionKind::Result, value.trim())),
        "view" => Some((SectionKind::View, value.trim())),
        _ => None,
    }
}

/// `-- key: value` where key is a single word.
fn header_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("--")?.trim_start();
    let (key, value) = rest.split_once(':')?;
    let key = key.trim();
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase())).then_some((key, value))
}

/// `NAME = DEFAULT -- description`.
fn parse_param(text: &str) -> Result<ParamSpec, String> {
    let (decl, description) = match text.split_once(" -- ") {
        Some((d, desc)) => (d, desc.trim().to_string()),
        None => (text, String::new()),
    };
    let (name, default) = decl
        .split_once('=')
        .ok_or_else(|| format!("param `{}` needs a default: NAME = VALUE", decl.trim()))?;
    let name = name.trim();
    if !valid_name(name) {
        return Err(format!("`{name}` is not a valid parameter name (a-z0-9_)"));
    }
    Ok(ParamSpec { name: name.into(), default: ParamValue::parse_default(default), description })
}

fn parse_output(list: &str) -> Result<Output, String> {
    let mut out = Output { hbase: false, kafka: false };
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item {
            "hbase" => out.hbase = true,
            "kafka" => out.kafka = true,
            other => return Err(format!("unknown output `{other}`; expected hbase and/or kafka")),
        }
    }
    Ok(out)
}

/// Splits an ad-hoc file into statements at semicolons that end a line.
///
/// Limitation: a semicolon at the end of a line inside a string literal also splits; use
/// `-- result:` markers for such files.
fn split_statements(text: &str) -> Vec<Section> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            statements.push(std::mem::take(&mut current));
        }
    }
    statements.push(current);
    let statements: Vec<String> =
        statements.iter().map(|s| strip_sql(s)).filter(|s| !s.is_empty()).collect();
    let single = statements.len() == 1;
    statements
        .into_iter()
        .enumerate()
        .map(|(i, sql)| Section {
            name: if single { "result".into() } else { format!("result_{}", i + 1) },
            kind: SectionKind::Result,
            sql,
        })
        .collect()
}

/// Drops comment-only lines at both ends, surrounding whitespace and a trailing semicolon.
fn strip_sql(sql: &str) -> String {
    let lines: Vec<&str> = sql.lines().collect();
    let is_code = |l: &&str| !l.trim().is_empty() && !l.trim_start().starts_with("--");
    let Some(first) = lines.iter().position(is_code) else {
        return String::new();
    };
    let last = lines.iter().rposition(is_code).unwrap_or(first);
    let body = lines[first..=last].join("\n");
    body.trim().trim_end_matches(';').trim_end().to_string()
}

/// Whether `word` appears in `sql` as a whole identifier.
fn mentions(sql: &str, word: &str) -> bool {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|w| w == word)
}

/// An ad-hoc job's name from its file name: lower case, other characters become `_`.
fn sanitise(stem: &str) -> String {
    let mut s: String = stem
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s.insert_str(0, "job_");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: &str = "\
-- job: demo
-- description: Orders per category
-- sources: fraud_analysis,
--   fraud_analysis
-- param: min_orders = 2 -- smaller groups are dropped
-- param: share = 0.5
-- param: label = 'x:y'
-- output: hbase

-- view: base
SELECT * FROM fraud_analysis;

-- result: by_category
-- orders per category
SELECT category, count(*) AS n
FROM base GROUP BY category HAVING n >= :min_orders;
";

    #[test]
    fn header_params_and_sections() {
        let j = JobSpec::parse(JOB, "ignored", "demo.sql").unwrap();
        assert_eq!(j.name, "demo");
        assert_eq!(j.description, "Orders per category");
        assert_eq!(j.sources, vec!["fraud_analysis", "fraud_analysis"]);
        assert_eq!(j.output, Output { hbase: true, kafka: false });
        assert_eq!(j.params.len(), 3);
        assert_eq!(j.params[0].default, ParamValue::Int(2));
        assert_eq!(j.params[0].description, "smaller groups are dropped");
        assert_eq!(j.params[1].default, ParamValue::Double(0.5));
        assert_eq!(j.params[2].default, ParamValue::Text("x:y".into()));
        assert_eq!(j.sections.len(), 2);
        assert_eq!(j.sections[0].kind, SectionKind::View);
        assert_eq!(j.sections[0].sql, "SELECT * FROM fraud_analysis");
        assert_eq!(
            j.sections[1].sql,
            "SELECT category, count(*) AS n\nFROM base GROUP BY category HAVING n >= :min_orders"
        );
        assert_eq!(j.result_names(), vec!["by_category"]);
    }

    #[test]
    fn bind_overrides_defaults_with_their_type() {
        let j = JobSpec::parse(JOB, "x", "demo.sql").unwrap();
        let v = j.bind(&["min_orders=5".into(), "share=0.25".into()]).unwrap();
        assert_eq!(v["min_orders"], ParamValue::Int(5));
        assert_eq!(v["share"], ParamValue::Double(0.25));
        assert_eq!(v["label"], ParamValue::Text("x:y".into()));

        let err = j.bind(&["nope=1".into()]).unwrap_err();
        assert!(err.downcast_ref::<crate::error::UsageError>().is_some());
        assert!(err.to_string().contains("min_orders, share, label"), "{err}");
        let err = j.bind(&["min_orders=abc".into()]).unwrap_err().to_string();
        assert!(err.contains("not an integer"), "{err}");
        assert!(j.bind(&["min_orders".into()]).is_err());
    }

    #[test]
    fn plain_sql_is_an_adhoc_job() {
        let sql = "-- my query\nSELECT count(*) FROM fraud_analysis;\n\
                   SELECT 1 AS one FROM freight_cost_analytics;\n";
        let j = JobSpec::parse(sql, "My-Query", "q.sql").unwrap();
        assert_eq!(j.name, "my_query");
        assert_eq!(j.sources, vec!["fraud_analysis", "freight_cost_analytics"]);
        assert_eq!(j.result_names(), vec!["result_1", "result_2"]);
        assert_eq!(j.sections[0].sql, "SELECT count(*) FROM fraud_analysis");

        let j = JobSpec::parse("SELECT 1", "2x", "2x.sql").unwrap();
        assert_eq!(j.name, "job_2x");
        assert_eq!(j.result_names(), vec!["result"]);
        assert!(j.sources.is_empty());
    }

    #[test]
    fn malformed_files_name_the_problem() {
        let e = JobSpec::parse("-- job: x\n-- colour: red\nSELECT 1", "x", "f.sql").unwrap_err();
        assert!(e.to_string().contains("f.sql:2: unknown header key `colour`"), "{e}");
        let e = JobSpec::parse("-- job: x\n-- sources: nope\nSELECT 1", "x", "f").unwrap_err();
        assert!(e.to_string().contains("unknown source `nope`"), "{e}");
        let e = JobSpec::parse("-- job: x\n-- result: a\n-- result: b\nSELECT 1", "x", "f")
            .unwrap_err();
        assert!(e.to_string().contains("section `a` has no SQL"), "{e}");
        let e =
            JobSpec::parse("-- job: x\nSELECT 1;\n-- result: a\nSELECT 2", "x", "f").unwrap_err();
        assert!(e.to_string().contains("before the first"), "{e}");
        assert!(JobSpec::parse("-- job: x\n-- param: k\nSELECT 1", "x", "f").is_err());
        assert!(JobSpec::parse("-- job: Bad-Name\nSELECT 1", "x", "f").is_err());
    }

    #[test]
    fn builtin_jobs_parse_and_read_known_sources() {
        for (name, text) in BUILTIN {
            let j = JobSpec::parse(text, name, name).unwrap();
            assert_eq!(j.name, name);
            assert!(!j.description.is_empty() && !j.sources.is_empty(), "{name}");
            assert!(!j.result_names().is_empty(), "{name}");
            // Every marker the SQL uses is declared, so a run never meets an unbound one.
            for s in &j.sections {
                for word in
                    s.sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                {
                    if let Some(p) = word.strip_prefix(':').filter(|p| !p.is_empty()) {
                        assert!(j.params.iter().any(|d| d.name == p), "{name}: :{p} undeclared");
                    }
                }
            }
        }
    }

    #[test]
    fn topics_map_to_configured_names() {
        let t = Topics { fraud: "orders_test".into(), ..Default::default() };
        assert_eq!(topic_for(&t, "fraud_analysis"), Some("orders_test"));
        assert_eq!(topic_for(&t, "freight_cost_analytics"), Some("freight_cost_analytics"));
        assert_eq!(topic_for(&t, "other"), None);
    }
}
