//! The `ecomflow` binary: parse arguments, load configuration, dispatch, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use ecomflow::cli::{Cli, Command, HbaseCommand, PipelineCommand};
use ecomflow::config::Config;
use ecomflow::error::UsageError;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if e.use_stderr()
                && e.kind() != ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            eprintln!("{}", ecomflow::cli::one_line(&e));
            return ExitCode::from(2);
        }
        // --help and --version (stdout, exit 0), and the help of a bare `ecomflow` or
        // `ecomflow hbase` (stderr, exit 2), are meant to be read whole.
        Err(e) => e.exit(),
    };
    ecomflow::telemetry::init(cli.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that closed our stdout early (`ecomflow lag | head`) got what it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
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

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref(), &cli.overrides())?;
    match cli.command {
        Command::Doctor => ecomflow::doctor::run(&config),
        Command::Config => {
            use std::io::Write;
            write!(std::io::stdout().lock(), "{}", toml::to_string_pretty(&config)?)?;
            Ok(())
        }
        Command::Hbase(HbaseCommand::Init) => ecomflow::commands::hbase_init(&config),
        Command::Hbase(HbaseCommand::Get(args)) => ecomflow::commands::hbase_get(&config, &args),
        Command::Hbase(HbaseCommand::Scan(args)) => ecomflow::commands::hbase_scan(&config, &args),
        Command::Ingest(args) => ecomflow::commands::ingest(&config, args.until_caught_up),
        Command::Pipeline(PipelineCommand::Run(args)) => ecomflow::pipeline::run(&config, &args),
        Command::Generate(args) => ecomflow::generate::run(&args).map(drop),
        Command::Produce(args) => ecomflow::commands::produce(&config, &args),
        Command::Lag => ecomflow::commands::lag(&config),
        Command::Submit(args) => args.run(&config),
        Command::RunJobs(args) => args.run(&config),
        Command::Runs(args) => args.run(&config),
        Command::Jobs(cmd) => cmd.run(&config),
        Command::Stream(cmd) => cmd.run(&config),
        Command::Report(args) => args.run(&config),
    }
}
