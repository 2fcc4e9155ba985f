//! The `ecomflow` binary: parse arguments, load configuration, dispatch, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

use ecomflow::cli::{Cli, Command};
use ecomflow::config::Config;
use ecomflow::error::UsageError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    ecomflow::telemetry::init(cli.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line with the whole context chain; no backtrace for anything the user can fix.
            eprintln!("error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref(), &cli.overrides())?;
    match cli.command {
        Command::Doctor => ecomflow::doctor::run(&config),
        Command::Config => {
            print!("{}", toml::to_string_pretty(&config)?);
            Ok(())
        }
    }
}
