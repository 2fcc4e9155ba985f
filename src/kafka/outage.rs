//! Broker outages in the logs: one warning every few seconds with the address and how many
//! errors there were, instead of librdkafka's error per connection attempt per broker thread.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use tracing::warn;

/// How often a continuing outage is logged.
const EVERY: Duration = Duration::from_secs(5);

/// Turns librdkafka's client errors into throttled warnings; librdkafka itself keeps
/// reconnecting, and the callers retry what failed.
pub struct OutageLog {
    addr: String,
    state: Mutex<State>,
}

struct State {
    errors: u64,
    last_logged: Option<Instant>,
}

impl OutageLog {
    pub fn new(addr: &str) -> OutageLog {
        OutageLog {
            addr: addr.to_string(),
            state: Mutex::new(State { errors: 0, last_logged: None }),
        }
    }

    /// Counts one error and logs it unless a warning went out less than [`EVERY`] ago.
    pub fn report(&self, error: &dyn std::fmt::Display) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.errors += 1;
        if s.last_logged.is_none_or(|t| t.elapsed() >= EVERY) {
            s.last_logged = Some(Instant::now());
            warn!(
                addr = %self.addr, attempt = s.errors, %error,
                "Kafka unreachable; librdkafka keeps reconnecting"
            );
        }
    }
}

impl ClientContext for OutageLog {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => self.report(&format_args!("{fac} {message}")),
            _ => tracing::debug!(target: "librdkafka", "{fac} {message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.report(&format_args!("{error}: {reason}"));
    }
}

impl ConsumerContext for OutageLog {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_counted_even_when_not_logged() {
        let log = OutageLog::new("127.0.0.1:9092");
        for _ in 0..50 {
            log.report(&"Connection refused");
        }
        let s = log.state.lock().unwrap();
        assert_eq!(s.errors, 50);
        assert!(s.last_logged.is_some());
    }
}
