//! CPU time of this process's threads, by thread name (Linux `/proc`).
//!
//! The load test runs the emulator in the same process as its load generator, each on its
//! own named tokio runtime; summing the CPU of the threads whose names start with a prefix
//! tells the two apart. Elsewhere than Linux these return `None`.

use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` times (USER_HZ; 100 on every Linux we run on).
const TICKS_PER_SEC: u64 = 100;

/// User + system CPU of the threads of this process whose name starts with `prefix`.
///
/// ```
/// let all = wxpay_mock::cpu::threads_cpu("").unwrap_or_default();
/// assert!(all >= std::time::Duration::ZERO);
/// ```
pub fn threads_cpu(prefix: &str) -> Option<Duration> {
    threads_cpu_split(prefix).map(|(user, system)| user + system)
}

/// (user, system) CPU of the threads whose name starts with `prefix`.
pub fn threads_cpu_split(prefix: &str) -> Option<(Duration, Duration)> {
    let (mut user, mut system) = (0u64, 0u64);
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue; // the thread ended meanwhile
        };
        if let Some((name, u, s)) = parse_stat(&stat)
            && name.starts_with(prefix)
        {
            user += u;
            system += s;
        }
    }
    Some((ticks(user), ticks(system)))
}

fn ticks(n: u64) -> Duration {
    Duration::from_millis(n * 1000 / TICKS_PER_SEC)
}

/// User + system CPU of the whole process so far.
pub fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat).map(|(_, u, s)| ticks(u + s))
}

/// (comm, utime, stime) from a `stat` line; comm is in parentheses and may hold spaces.
fn parse_stat(stat: &str) -> Option<(&str, u64, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = &stat[open + 1..close];
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // After the comm: state(0) … utime(11) stime(12).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime, stime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_spaces_and_parens() {
        let stat = "1234 (mock srv (1)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0";
        assert_eq!(parse_stat(stat), Some(("mock srv (1)", 250, 50)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn spinning_shows_up_in_process_cpu() {
        let (Some(before), Some(_)) = (process_cpu(), threads_cpu("")) else {
            return; // not Linux
        };
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < Duration::from_millis(150) {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        assert!(x > 0);
        assert!(process_cpu().unwrap_or_default() > before);
    }
}
