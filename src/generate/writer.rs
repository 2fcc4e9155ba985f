//! Output files of `ecomflow generate`: one per topic, written under a temporary name and renamed
//! into place only when every chunk is written.
//!
//! A run that fails or is interrupted never leaves a file with a final name: failed runs delete
//! their temporary files; a killed run can leave `.<topic>.<ext>.*.partial` files behind, which
//! no reader mistakes for output. Files are not fsynced: a crash of the machine itself may lose a
//! run that had already reported success.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tempfile::NamedTempFile;

use super::batch::{Format, TopicBatches};
use super::model::Topic;
use super::size::human;
use crate::error::usage;

/// What was written for one topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSummary {
    /// The topic.
    pub topic: Topic,
    /// Final path of the file.
    pub path: PathBuf,
    /// Records written.
    pub rows: u64,
    /// Bytes written, header included.
    pub bytes: u64,
}

/// Checks that `dir` can hold `needed` bytes and creates it if missing. Returns whether it was
/// created, so a caller that fails later can remove it again.
///
/// # Errors
///
/// Usage errors: `dir` is empty or not a directory, sits under a file, cannot be created, or its
/// file system has less than `needed` bytes free.
pub(crate) fn prepare_dir(dir: &Path, needed: u64) -> anyhow::Result<bool> {
    if dir.as_os_str().is_empty() {
        return Err(usage("--out is empty; give a directory such as data/"));
    }
    let shown = dir.display();
    let existing = match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => dir.to_path_buf(),
        Ok(_) => {
            return Err(usage(format!(
                "--out {shown} exists and is not a directory; give a directory path"
            )));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => existing_ancestor(dir)?,
        Err(e) => return Err(usage(format!("cannot use --out {shown}: {e}"))),
    };

    // Best effort: a file system that cannot report free space is not a reason to refuse.
    if let Ok(free) = fs4::available_space(&existing) {
        if needed > free {
            return Err(usage(format!(
                "the data set needs about {} but only {} is free under {}; choose a smaller \
                 --size or --rows, or another --out",
                human(needed),
                human(free),
                existing.display()
            )));
        }
    }

    if existing == dir {
        return Ok(false);
    }
    fs::create_dir_all(dir).map_err(|e| usage(format!("cannot create --out {shown}: {e}")))?;
    Ok(true)
}

/// The nearest ancestor of a missing `dir` that exists; it must be a directory.
fn existing_ancestor(dir: &Path) -> anyhow::Result<PathBuf> {
    for ancestor in dir.ancestors().skip(1) {
        // A relative path's last ancestor is "", which means the working directory.
        let ancestor = if ancestor.as_os_str().is_empty() { Path::new(".") } else { ancestor };
        match fs::metadata(ancestor) {
            Ok(meta) if meta.is_dir() => return Ok(ancestor.to_path_buf()),
            Ok(_) => {
                return Err(usage(format!(
                    "cannot create --out {}: {} is not a directory",
                    dir.display(),
                    ancestor.display()
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(usage(format!("cannot create --out {}: {e}", dir.display())));
            }
        }
    }
    Err(usage(format!("cannot create --out {}: no existing parent", dir.display())))
}

/// The four temporary files of a run.
pub(crate) struct TopicFiles {
    outputs: Vec<Output>,
}

struct Output {
    topic: Topic,
    file: NamedTempFile<File>,
    path: PathBuf,
    rows: u64,
    bytes: u64,
}

impl TopicFiles {
    /// Creates a temporary file per topic in `dir`.
    ///
    /// # Errors
    ///
    /// A usage error when `dir` is not writable.
    pub(crate) fn create(dir: &Path, format: Format) -> anyhow::Result<Self> {
        let outputs = Topic::ALL
            .into_iter()
            .map(|topic| {
                let name = format!("{}.{}", topic.name(), format.extension());
                let prefix = format!(".{name}.");
                let mut builder = tempfile::Builder::new();
                builder.prefix(&prefix).suffix(".partial");
                // Output is data for other users and tools, so it gets the permissions of any
                // newly created file (0666 less the umask), not tempfile's private 0600.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    builder.permissions(fs::Permissions::from_mode(0o666));
                }
                let file = builder
                    .tempfile_in(dir)
                    .map_err(|e| usage(format!("cannot write to --out {}: {e}", dir.display())))?;
                Ok(Output { topic, file, path: dir.join(name), rows: 0, bytes: 0 })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(TopicFiles { outputs })
    }

    /// Appends one chunk.
    ///
    /// # Errors
    ///
    /// The write error, naming the file.
    pub(crate) fn write(&mut self, batches: &TopicBatches) -> anyhow::Result<()> {
        for output in &mut self.outputs {
            let batch = batches.get(output.topic);
            output
                .file
                .write_all(batch.bytes())
                .with_context(|| format!("cannot write {}", output.file.path().display()))?;
            output.rows += batch.len() as u64;
            output.bytes += batch.bytes().len() as u64;
        }
        Ok(())
    }

    /// Renames every file to its final name.
    ///
    /// # Errors
    ///
    /// The first flush or rename that failed; files not yet renamed are deleted.
    pub(crate) fn finish(self) -> anyhow::Result<Vec<FileSummary>> {
        let mut summaries = Vec::with_capacity(self.outputs.len());
        for mut output in self.outputs {
            output.file.flush().context("cannot flush output")?;
            output
                .file
                .persist(&output.path)
                .with_context(|| format!("cannot rename output to {}", output.path.display()))?;
            summaries.push(FileSummary {
                topic: output.topic,
                path: output.path,
                rows: output.rows,
                bytes: output.bytes,
            });
        }
        Ok(summaries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UsageError;

    fn is_usage(err: &anyhow::Error) -> bool {
        err.downcast_ref::<UsageError>().is_some()
    }

    #[test]
    fn files_appear_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = TopicFiles::create(dir.path(), Format::Jsonl).unwrap();
        files.write(&TopicBatches::default()).unwrap();
        let names = |d: &Path| {
            let mut v: Vec<String> = fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            v.sort();
            v
        };
        assert!(names(dir.path()).iter().all(|n| n.starts_with('.') && n.ends_with(".partial")));
        let summary = files.finish().unwrap();
        assert_eq!(summary.len(), 4);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&summary[0].path).unwrap().permissions().mode();
            assert_eq!(mode & 0o644, 0o644, "readable by others: {mode:o}");
        }
        assert_eq!(
            names(dir.path()),
            [
                "fraud_analysis.jsonl",
                "freight_cost_analytics.jsonl",
                "pharmaceutical_supply_chain.jsonl",
                "product_group_analytics.jsonl"
            ]
        );
    }

    #[test]
    fn dropped_files_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        drop(TopicFiles::create(dir.path(), Format::Csv).unwrap());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn prepare_dir_rejects_files_and_huge_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        fs::write(&file, b"x").unwrap();
        assert!(is_usage(&prepare_dir(&file, 1).unwrap_err()));
        assert!(is_usage(&prepare_dir(&file.join("below"), 1).unwrap_err()));
        assert!(is_usage(&prepare_dir(Path::new(""), 1).unwrap_err()));
        let missing = dir.path().join("a/b");
        assert!(is_usage(&prepare_dir(&missing, u64::MAX).unwrap_err()));
        assert!(!missing.exists(), "nothing is created when the check fails");
        assert!(prepare_dir(&missing, 1).unwrap());
        assert!(missing.is_dir());
        assert!(!prepare_dir(&missing, 1).unwrap());
    }
}
