//! Times as WeChat Pay writes them: RFC 3339, whole seconds, `+08:00`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// Beijing time, the offset of every time WeChat Pay writes.
pub const BEIJING: UtcOffset = offset!(+8);

/// An instant on the wire, e.g. `2025-08-02T00:00:00+08:00`.
///
/// Parses any RFC 3339 time; writes whole seconds with the offset it was given (times this
/// crate makes are at `+08:00`), so that a parsed response serializes back to the same text.
/// Equality and ordering compare instants.
///
/// ```
/// use wxpay_models::WxTime;
/// let t: WxTime = "2025-08-02T00:00:00+08:00".parse()?;
/// assert_eq!(t.to_string(), "2025-08-02T00:00:00+08:00");
/// assert_eq!(t.unix_timestamp(), 1754064000);
/// assert_eq!(WxTime::from_unix(1754064000)?, t);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WxTime(OffsetDateTime);

/// A time that is not RFC 3339, or out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an RFC 3339 time like 2025-08-02T00:00:00+08:00")]
pub struct TimeError {
    input: String,
}

impl WxTime {
    /// The current time, at `+08:00`, truncated to whole seconds.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Self::from_unix(now.unix_timestamp()).unwrap_or(Self(now.to_offset(BEIJING)))
    }

    /// Unix seconds, at `+08:00`.
    pub fn from_unix(secs: i64) -> Result<Self, TimeError> {
        OffsetDateTime::from_unix_timestamp(secs)
            .map(|t| Self(t.to_offset(BEIJING)))
            .map_err(|_| TimeError {
                input: secs.to_string(),
            })
    }

    /// Unix seconds, at `+08:00`, clamped to the years 1–9999 that RFC 3339 writes.
    ///
    /// ```
    /// use wxpay_models::WxTime;
    /// assert_eq!(WxTime::from_unix_clamped(0).to_string(), "1970-01-01T08:00:00+08:00");
    /// assert_eq!(WxTime::from_unix_clamped(i64::MAX).to_string(), "9999-12-31T23:59:59+08:00");
    /// ```
    pub fn from_unix_clamped(secs: i64) -> Self {
        // 0001-01-01T00:00:00+08:00 and 9999-12-31T23:59:59+08:00.
        Self::from_unix(secs.clamp(-62_135_625_600, 253_402_271_999))
            .unwrap_or(Self(OffsetDateTime::UNIX_EPOCH.to_offset(BEIJING)))
    }

    /// Wraps an [`OffsetDateTime`], keeping its offset.
    pub fn from_offset_date_time(t: OffsetDateTime) -> Self {
        Self(t)
    }

    /// The instant with its original offset.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Unix seconds.
    pub fn unix_timestamp(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// The calendar day in Beijing (UTC+8): the day WeChat Pay's daily limits count in.
    pub fn beijing_date(&self) -> Date {
        self.0.to_offset(BEIJING).date()
    }

    /// 00:00:00 +08:00 of `date`.
    pub fn start_of_beijing_day(date: Date) -> Self {
        Self(date.midnight().assume_offset(BEIJING))
    }

    /// 23:59:59 +08:00 of `date`: how WeChat Pay writes the end of a validity period.
    pub fn end_of_beijing_day(date: Date) -> Self {
        Self(date.midnight().assume_offset(BEIJING) + Duration::seconds(86_399))
    }

    /// This time plus whole days (saturating at the calendar's ends).
    pub fn plus_days(&self, days: i64) -> Self {
        Self(self.0.checked_add(Duration::days(days)).unwrap_or(self.0))
    }
}

impl FromStr for WxTime {
    type Err = TimeError;

    /// RFC 3339; also `YYYY-MM-DDTHH:MM+08:00` without seconds, as WeChat Pay's own
    /// document examples write it (read as `:00`, written back with seconds).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let without_seconds = format_description!(
            "[year]-[month]-[day]T[hour]:[minute][offset_hour sign:mandatory]:[offset_minute]"
        );
        OffsetDateTime::parse(s, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(s, without_seconds))
            .map(Self)
            .map_err(|_| TimeError {
                input: s.chars().take(64).collect(),
            })
    }
}

impl fmt::Display for WxTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
        );
        let text = if self.0.nanosecond() == 0 {
            self.0.format(whole)
        } else {
            self.0.format(&Rfc3339)
        };
        match text {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0.unix_timestamp()),
        }
    }
}

impl fmt::Debug for WxTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WxTime({self})")
    }
}

impl Serialize for WxTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WxTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_offset_and_whole_seconds() {
        for s in [
            "2025-08-31T23:59:59+08:00",
            "2025-08-31T15:59:59+00:00",
            "1999-01-01T00:00:00-05:30",
        ] {
            let t: WxTime = s.parse().expect(s);
            assert_eq!(t.to_string(), s);
        }
        let z: WxTime = "2025-08-31T15:59:59Z".parse().expect("Z");
        assert_eq!(
            z,
            "2025-08-31T23:59:59+08:00".parse().expect("same instant")
        );
        let short: WxTime = "2025-07-24T00:00+08:00".parse().expect("no seconds");
        assert_eq!(short.to_string(), "2025-07-24T00:00:00+08:00");
        let frac: WxTime = "2025-08-31T15:59:59.5+00:00".parse().expect("fraction");
        assert_eq!(frac.to_string(), "2025-08-31T15:59:59.5Z");
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for s in [
            "",
            "2025-08-31",
            "2025-08-31T23:59:59",
            "yesterday",
            "2025-13-01T00:00:00+08:00",
        ] {
            assert!(s.parse::<WxTime>().is_err(), "{s}");
        }
    }

    #[test]
    fn beijing_days() {
        let t: WxTime = "2025-08-01T16:30:00Z".parse().expect("t");
        assert_eq!(t.beijing_date().to_string(), "2025-08-02");
        let end = WxTime::end_of_beijing_day(t.beijing_date());
        assert_eq!(end.to_string(), "2025-08-02T23:59:59+08:00");
        assert_eq!(
            WxTime::start_of_beijing_day(t.beijing_date()).to_string(),
            "2025-08-02T00:00:00+08:00"
        );
    }
}
