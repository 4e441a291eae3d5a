//! Time, injected: rules never read the system clock themselves, so tests can move time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch, UTC: how the store keeps every instant.
pub type Millis = i64;

/// The server's clock: the system's, or one a test sets and advances.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    /// Shared so every clone (handlers, sweeper) sees the test's changes.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A manual clock starting at `now`.
    pub fn manual(now: Millis) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(now)))
    }

    pub fn now(&self) -> Millis {
        match self {
            Clock::System => {
                time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
            }
            Clock::Manual(now) => now.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    pub fn advance(&self, millis: Millis) {
        match self {
            Clock::System => panic!("the system clock cannot be advanced"),
            Clock::Manual(now) => {
                now.fetch_add(millis, Ordering::SeqCst);
            }
        }
    }
}

/// RFC 3339 text for an instant, as the API returns times.
pub fn rfc3339(at: Millis) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Parses RFC 3339 text (with an offset, e.g. `2026-06-05T09:00:00+08:00`).
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_through_rfc3339_with_any_offset() {
        let at = parse_rfc3339("2026-06-05T09:00:00+08:00").unwrap();
        assert_eq!(rfc3339(at), "2026-06-05T01:00:00Z");
        assert_eq!(parse_rfc3339(&rfc3339(at)), Some(at));
        assert_eq!(parse_rfc3339("6月5日"), None);
    }
}
