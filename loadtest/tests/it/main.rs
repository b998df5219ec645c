//! wxpay-loadtest end to end, one binary. Runs take the machine: one at a time.

mod lifecycle;
mod remote;
mod retry_faults;
mod short_run;

/// Held by every test for its whole run (goose and the emulators would compete for the
/// same two cores, and goose keeps process-wide state).
pub(crate) fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
