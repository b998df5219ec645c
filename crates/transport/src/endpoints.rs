//! The primary and backup domains, with a circuit: after the primary fails to connect (or
//! times out), requests go to the backup until a cool-down has passed, then the primary is
//! tried again.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Which base URL an attempt used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    Primary,
    Backup,
}

#[derive(Debug)]
pub(crate) struct Endpoints {
    primary: String,
    backup: String,
    cooldown: Duration,
    open_until: Mutex<Option<Instant>>,
}

impl Endpoints {
    pub(crate) fn new(primary: String, backup: String, cooldown: Duration) -> Self {
        Self {
            primary: primary.trim_end_matches('/').to_owned(),
            backup: backup.trim_end_matches('/').to_owned(),
            cooldown,
            open_until: Mutex::new(None),
        }
    }

    /// The base URL to use now.
    pub(crate) fn pick(&self) -> (Which, &str) {
        match *self.open_until.lock() {
            Some(until) if Instant::now() < until => (Which::Backup, &self.backup),
            _ => (Which::Primary, &self.primary),
        }
    }

    /// The other base URL than `which` (after a connection failure).
    pub(crate) fn other(&self, which: Which) -> (Which, &str) {
        match which {
            Which::Primary => (Which::Backup, &self.backup),
            Which::Backup => (Which::Primary, &self.primary),
        }
    }

    pub(crate) fn url(&self, which: Which) -> &str {
        match which {
            Which::Primary => &self.primary,
            Which::Backup => &self.backup,
        }
    }

    /// `which` could not be reached.
    pub(crate) fn failed(&self, which: Which) {
        let mut open = self.open_until.lock();
        match which {
            Which::Primary => *open = Some(Instant::now() + self.cooldown),
            // The backup is down too: go back to the primary.
            Which::Backup => *open = None,
        }
    }

    /// `which` answered.
    pub(crate) fn succeeded(&self, which: Which) {
        if which == Which::Primary {
            *self.open_until.lock() = None;
        }
    }

    /// Whether requests currently go to the backup.
    pub(crate) fn on_backup(&self) -> bool {
        self.pick().0 == Which::Backup
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(cooldown: Duration) -> Endpoints {
        Endpoints::new("https://a/".into(), "https://b".into(), cooldown)
    }

    #[test]
    fn circuit_opens_on_failure_and_closes_on_success() {
        // A cooldown no stalled test thread outlasts.
        let e = endpoints(Duration::from_secs(600));
        assert_eq!(e.pick(), (Which::Primary, "https://a"));
        e.failed(Which::Primary);
        assert_eq!(e.pick(), (Which::Backup, "https://b"));
        assert!(e.on_backup());
        e.failed(Which::Backup);
        assert_eq!(e.pick().0, Which::Primary, "both down: back to the primary");
        e.failed(Which::Primary);
        e.succeeded(Which::Backup);
        assert_eq!(e.pick().0, Which::Backup);
        e.succeeded(Which::Primary);
        assert_eq!(e.pick().0, Which::Primary);
    }

    #[test]
    fn the_primary_is_tried_again_after_the_cooldown() {
        let e = endpoints(Duration::from_millis(50));
        e.failed(Which::Primary);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            e.pick().0,
            Which::Primary,
            "half-open: the primary is tried again"
        );
    }
}
