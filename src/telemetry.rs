//! Logging setup: `tracing` events on stderr, so stdout stays for results.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber. `RUST_LOG` wins over `-v`; librdkafka and gRPC internals stay quiet
/// unless asked for.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "ecomflow=info,warn",
        1 => "ecomflow=debug,info",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal, never in files or CI logs.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
