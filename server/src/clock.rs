//! The server's notion of "now", replaceable in tests so windows, deadlines and rate limits
//! can be checked at chosen instants instead of whenever the test happens to run.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use baoming_contract::time::Timestamp;

/// Either the system clock or a settable instant shared by every clone.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock standing still at `at` until [`Clock::set`] or [`Clock::advance`] moves it.
    pub fn fixed(at: Timestamp) -> Clock {
        Clock {
            fixed: Some(Arc::new(AtomicI64::new(at.0))),
        }
    }

    /// The current instant, in whole seconds.
    pub fn now(&self) -> Timestamp {
        match &self.fixed {
            Some(t) => Timestamp(t.load(Ordering::Relaxed)),
            // A system clock before 1970 is a broken machine; treating it as the epoch keeps
            // the server answering instead of panicking.
            None => Timestamp(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            ),
        }
    }

    /// Moves a fixed clock to `at`; no effect on the system clock.
    pub fn set(&self, at: Timestamp) {
        if let Some(t) = &self.fixed {
            t.store(at.0, Ordering::Relaxed);
        }
    }

    /// Moves a fixed clock forward by `seconds`; no effect on the system clock.
    pub fn advance(&self, seconds: i64) {
        if let Some(t) = &self.fixed {
            t.fetch_add(seconds, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clocks_move_only_when_told_and_clones_share_them() {
        let c = Clock::fixed(Timestamp(100));
        let shared = c.clone();
        assert_eq!(c.now(), Timestamp(100));
        c.advance(5);
        assert_eq!(shared.now(), Timestamp(105));
        shared.set(Timestamp(7));
        assert_eq!(c.now(), Timestamp(7));
    }

    #[test]
    fn the_system_clock_is_after_2025() {
        assert!(Clock::system().now() > Timestamp(1_735_689_600));
    }
}
