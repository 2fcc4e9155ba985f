//! Error kinds that decide the process exit code.
//!
//! Every stage reports failures through `anyhow` with context; the one distinction `main` needs
//! is whether the user asked for something impossible (exit 2) or the run itself failed (exit 1).

use std::fmt;

/// The user gave input we cannot accept: a bad flag value, a bad config key, an unwritable path.
///
/// `main` maps it to exit code 2 and prints it as one line, without a backtrace.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand to build an `anyhow::Error` that exits with code 2.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}
