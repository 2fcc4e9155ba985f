//! `ecomflow generate`: flags, validation, and the run that writes one file per topic.
//!
//! The data set options live in [`DatasetArgs`] so that `ecomflow produce` can flatten the same
//! flags and get the same records. Numeric flags are read as text and validated here, so that a
//! bad value gives one line saying what was wrong and what is accepted (exit code 2).

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use tracing::info;

use super::batch::Format;
use super::dataset::{Dataset, DatasetSpec, Volume};
use super::size::{human, parse_size};
use super::writer::{FileSummary, TopicFiles, prepare_dir};
use crate::error::usage;

/// Options that decide the generated records; shared by `generate` and `produce`.
#[derive(clap::Args, Debug, Clone)]
pub struct DatasetArgs {
    /// Approximate total size over the four topics: 1.25GB, 500MB, 2GiB (GB = 10^9 bytes)
    #[arg(long, value_name = "SIZE", default_value = "1.25GB", allow_hyphen_values = true)]
    pub size: String,

    /// Generate exactly N orders (fraud_analysis) and ceil(N/4) shipment lines
    /// (pharmaceutical_supply_chain, product_group_analytics) instead of a size;
    /// freight_cost_analytics gets one record per shipment
    #[arg(long, value_name = "N", conflicts_with = "size", allow_hyphen_values = true)]
    pub rows: Option<String>,

    /// Seed of every random stream; the same seed and options give byte-identical output
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// First day of order times and scheduled deliveries, YYYY-MM-DD
    #[arg(long, value_name = "DATE", default_value = "2024-01-01", allow_hyphen_values = true)]
    pub start: String,

    /// Last day (inclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE", default_value = "2024-12-31", allow_hyphen_values = true)]
    pub end: String,

    /// Fraud share of the base sample, 0 to 1
    #[arg(long, value_name = "SHARE", default_value = "0.03", allow_hyphen_values = true)]
    pub fraud_share: String,

    /// Fraud share after SMOTE-like oversampling, 0 to 1 (at or below --fraud-share: off)
    #[arg(long, value_name = "SHARE", default_value = "0.08", allow_hyphen_values = true)]
    pub fraud_target: String,

    /// Copies of each record with a rare category, country, vendor or product group, 1 (off)
    /// to 10; extra copies are fresh draws, never duplicates
    #[arg(long, value_name = "FACTOR", default_value = "2", allow_hyphen_values = true)]
    pub rare_boost: String,

    /// Worker threads [default: every core]; the output does not depend on it
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub threads: Option<String>,
}

impl DatasetArgs {
    /// Validates the flags into a spec.
    ///
    /// # Errors
    ///
    /// A usage error (exit code 2) for the first flag that is out of range or unparsable.
    pub fn to_spec(&self) -> anyhow::Result<DatasetSpec> {
        let volume = match &self.rows {
            Some(rows) => Volume::Rows(match rows.trim().parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(usage(format!(
                        "invalid --rows '{rows}': expected a whole number of records, at least 1"
                    )));
                }
            }),
            None => Volume::Bytes(
                parse_size(&self.size)
                    .map_err(|why| usage(format!("invalid --size '{}': {why}", self.size)))?,
            ),
        };
        let threads = match &self.threads {
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(usage(format!(
                        "invalid --threads '{text}': expected a whole number, at least 1"
                    )));
                }
            },
        };
        let spec = DatasetSpec {
            volume,
            seed: self.seed,
            start: date("--start", &self.start)?,
            end: date("--end", &self.end)?,
            fraud_share: share("--fraud-share", &self.fraud_share)?,
            fraud_target: share("--fraud-target", &self.fraud_target)?,
            rare_boost: number("--rare-boost", &self.rare_boost, 1.0, 10.0, "1 turns it off")?,
            threads,
        };
        spec.validate()?;
        Ok(spec)
    }
}

fn date(flag: &str, text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        usage(format!("invalid {flag} '{text}': expected a date as YYYY-MM-DD, e.g. 2024-01-01"))
    })
}

fn share(flag: &str, text: &str) -> anyhow::Result<f64> {
    number(flag, text, 0.0, 1.0, "e.g. 0.03")
}

fn number(flag: &str, text: &str, min: f64, max: f64, hint: &str) -> anyhow::Result<f64> {
    match text.trim().parse::<f64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(usage(format!(
            "invalid {flag} '{text}': expected a number from {min} to {max} ({hint})"
        ))),
    }
}

/// Flags of `ecomflow generate`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,

    /// Output encoding
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,

    /// Output directory, created if missing; one file per topic, named after the topic
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub out: PathBuf,
}

/// Generates the data set into `args.out` and prints a summary on stdout.
///
/// # Errors
///
/// Usage errors (exit code 2) for bad flags, an unusable `--out` or too little free disk space,
/// all detected before anything is written; other errors (exit code 1) when writing fails, in
/// which case no file with a final name is left behind.
/// Writes the data set and prints its summary; returns the records and bytes written.
pub fn run(args: &GenerateArgs) -> anyhow::Result<(u64, u64)> {
    let spec = args.dataset.to_spec()?;
    let threads = spec.threads;
    let format = args.format;
    let dataset = Dataset::new(spec, format)?;
    let estimate = dataset.estimated_bytes();

    let created = prepare_dir(&args.out, estimate)?;
    let mut files = match TopicFiles::create(&args.out, format) {
        Ok(files) => files,
        Err(e) => {
            if created {
                // Leave no empty directory behind for a run that wrote nothing.
                let _ = std::fs::remove_dir(&args.out);
            }
            return Err(e);
        }
    };

    info!(
        out = %args.out.display(),
        format = format.extension(),
        threads,
        chunks = dataset.chunk_count(),
        orders = dataset.total_orders(),
        shipment_lines = dataset.total_lines(),
        estimated_bytes = estimate,
        "generating data set"
    );
    let progress = progress_bar(estimate);
    let started = Instant::now();
    // SIGINT/SIGTERM end the run through an error, so the temporary files are dropped (and
    // deleted) instead of being left behind by a killed process.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))?;
    }
    dataset.for_each_chunk(format, threads, |_, batches| {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            anyhow::bail!("interrupted; no file was completed and the partial files are removed");
        }
        files.write(batches)?;
        progress.inc(batches.total_bytes() as u64);
        Ok(())
    })?;
    let summaries = files.finish()?;
    let seconds = started.elapsed().as_secs_f64();
    progress.finish_and_clear();

    let rows: u64 = summaries.iter().map(|s| s.rows).sum();
    let bytes: u64 = summaries.iter().map(|s| s.bytes).sum();
    let mb_per_s = bytes as f64 / 1e6 / seconds.max(1e-9);
    info!(rows, bytes, seconds, mb_per_s, "data set written");
    // Written, not printed: a closed stdout is an error `main` can treat as success, where
    // `print!` would panic.
    std::io::stdout().lock().write_all(summary(&summaries, seconds).as_bytes())?;
    Ok((rows, bytes))
}

/// A byte progress bar on stderr, hidden when stderr is not a terminal.
fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{wide_bar}] {decimal_bytes}/{decimal_total_bytes} \
         {decimal_bytes_per_sec} eta {eta}",
    )
    // The template is a constant; a typo would show on the first run of any test.
    .expect("valid progress template");
    bar.set_style(style);
    bar
}

/// The closing summary: one line per topic, then totals and throughput.
fn summary(files: &[FileSummary], seconds: f64) -> String {
    let mut out = String::new();
    let (mut rows, mut bytes) = (0, 0);
    for f in files {
        rows += f.rows;
        bytes += f.bytes;
        out += &format!(
            "{:<30} {:>12} rows {:>10}  {}\n",
            f.topic.name(),
            f.rows,
            human(f.bytes),
            f.path.display()
        );
    }
    out += &format!(
        "{:<30} {:>12} rows {:>10}  in {:.2} s, {:.1} MB/s, {:.0} rows/s\n",
        "total",
        rows,
        human(bytes),
        seconds,
        bytes as f64 / 1e6 / seconds.max(1e-9),
        rows as f64 / seconds.max(1e-9)
    );
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::error::UsageError;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: GenerateArgs,
    }

    fn parse(args: &[&str]) -> Result<GenerateArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("generate").chain(args.iter().copied())).map(|c| c.args)
    }

    fn usage_message(args: &[&str]) -> String {
        let err = parse(args).unwrap().dataset.to_spec().unwrap_err();
        assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
        let message = err.to_string();
        assert!(!message.contains('\n'), "one line: {message}");
        message
    }

    #[test]
    fn defaults() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.format, Format::Jsonl);
        assert_eq!(args.out, PathBuf::from("data"));
        let spec = args.dataset.to_spec().unwrap();
        assert_eq!(spec.volume, Volume::Bytes(1_250_000_000));
        assert_eq!(spec.seed, 42);
        assert!(spec.threads >= 1);
        assert_eq!(spec, DatasetSpec { threads: spec.threads, ..DatasetSpec::default() });
    }

    #[test]
    fn rows_and_options() {
        let args = parse(&[
            "--rows",
            "1000",
            "--seed",
            "7",
            "--start",
            "2023-02-01",
            "--end",
            "2023-03-01",
            "--fraud-share",
            "0.1",
            "--fraud-target",
            "0.2",
            "--rare-boost",
            "1",
            "--threads",
            "3",
            "--format",
            "csv",
            "--out",
            "x",
        ])
        .unwrap();
        let spec = args.dataset.to_spec().unwrap();
        assert_eq!(spec.volume, Volume::Rows(1000));
        assert_eq!((spec.seed, spec.threads), (7, 3));
        assert_eq!((spec.fraud_share, spec.fraud_target, spec.rare_boost), (0.1, 0.2, 1.0));
        assert_eq!(args.format, Format::Csv);
    }

    #[test]
    fn bad_values_give_one_line_usage_errors() {
        assert!(usage_message(&["--rows", "0"]).contains("--rows"));
        assert!(usage_message(&["--rows", "-5"]).contains("at least 1"));
        assert!(usage_message(&["--size", "-1GB"]).contains("negative"));
        assert!(usage_message(&["--size", "lots"]).contains("1.25GB"));
        assert!(usage_message(&["--start", "2024-13-01"]).contains("YYYY-MM-DD"));
        assert!(
            usage_message(&["--start", "2024-06-01", "--end", "2024-01-01"]).contains("before")
        );
        assert!(usage_message(&["--fraud-share", "1.5"]).contains("0 to 1"));
        assert!(usage_message(&["--fraud-target", "-0.1"]).contains("--fraud-target"));
        assert!(usage_message(&["--rare-boost", "0.5"]).contains("1 turns it off"));
        assert!(usage_message(&["--threads", "0"]).contains("--threads"));
    }

    #[test]
    fn clap_rejects_conflicts_and_unknown_formats() {
        assert!(parse(&["--rows", "5", "--size", "1GB"]).is_err());
        let err = parse(&["--format", "xml"]).err().unwrap();
        assert!(err.to_string().contains("jsonl"));
    }

    #[test]
    fn summary_lists_every_topic_and_totals() {
        let files: Vec<FileSummary> = crate::generate::Topic::ALL
            .into_iter()
            .map(|topic| FileSummary {
                topic,
                path: PathBuf::from(format!("data/{}.jsonl", topic.name())),
                rows: 10,
                bytes: 2_000_000,
            })
            .collect();
        let text = summary(&files, 2.0);
        assert_eq!(text.lines().count(), 5);
        assert!(text.contains("fraud_analysis"));
        assert!(text.contains("4.0 MB/s"), "{text}");
        assert!(text.contains("20 rows/s"), "{text}");
    }
}
