//! Analytics jobs: Spark SQL files run over Spark Connect against the Kafka topics.
//!
//! - [`spec`]: the job-file format (header, parameters, named sections) and job discovery;
//! - [`schema`]: the DDL schemas that turn each topic's JSON values into typed columns;
//! - [`runner`]: one run end to end (views, statements, results, retries, cancellation);
//! - [`runs`]: the `job_runs` table;
//! - [`cli`]: the `submit`, `run-jobs`, `runs` and `jobs list` commands.
//!
//! Insights themselves are stored and read by [`crate::insights`]; `docs/jobs.md` describes
//! the job-file format and the built-in jobs.

pub mod cli;
pub mod runner;
pub mod runs;
pub mod schema;
pub mod spec;

pub use runner::{RunOutcome, run_job};
pub use runs::{JobRun, Status};
pub use spec::JobSpec;
