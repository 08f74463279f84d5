//! Calendar dates and instants without a date-time crate (they would cost the web app size).
//!
//! Instants travel as RFC 3339 strings in China Standard Time (`2026-12-01T09:00:00+08:00`),
//! the time zone every candidate and reviewer reads them in; parsing accepts any offset.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// China Standard Time, UTC+8, no daylight saving.
pub const CST_OFFSET_S: i64 = 8 * 3600;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid date, or `None` (for example 2026-02-30).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        (1..=12)
            .contains(&month)
            .then(|| days_in_month(year, month))
            .filter(|max| (1..=*max).contains(&day))
            .map(|_| Date { year, month, day })
    }
    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }
    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }
    pub fn from_days_since_epoch(days: i64) -> Date {
        let (year, month, day) = civil_from_days(days);
        Date { year, month, day }
    }
    /// The day `days` after this one (before it, when negative).
    pub fn plus_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        ((self.days_since_epoch() + 3).rem_euclid(7) + 1) as u8
    }
    /// Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        self.weekday() >= 6
    }
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::new(
            digits(&b[0..4])? as i32,
            digits(&b[5..7])? as u8,
            digits(&b[8..10])? as u8,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html).
fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// An instant, as whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00+08:00"))]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The calendar date in China Standard Time.
    pub fn date_cst(self) -> Date {
        Date::from_days_since_epoch((self.0 + CST_OFFSET_S).div_euclid(86_400))
    }
    /// `HH:MM` in China Standard Time.
    pub fn time_of_day_cst(self) -> (u8, u8) {
        let secs = (self.0 + CST_OFFSET_S).rem_euclid(86_400);
        ((secs / 3600) as u8, (secs % 3600 / 60) as u8)
    }
    /// Midnight at the start of `date`, China Standard Time.
    pub fn start_of_day_cst(date: Date) -> Timestamp {
        Timestamp(date.days_since_epoch() * 86_400 - CST_OFFSET_S)
    }
    /// RFC 3339 in China Standard Time.
    pub fn to_rfc3339(self) -> String {
        let (h, m) = self.time_of_day_cst();
        let s = (self.0 + CST_OFFSET_S).rem_euclid(60);
        format!("{}T{h:02}:{m:02}:{s:02}+08:00", self.date_cst())
    }
    /// Parses RFC 3339 with a numeric offset or `Z` (fractional seconds are dropped).
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date = Date::parse(&s[..10])?;
        let (h, mi, se) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            rest = &frac[n..];
        }
        let offset = match rest.as_bytes() {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), oh @ ..] if rest.len() == 6 && oh[2] == b':' => {
                let v = i64::from(digits(&oh[0..2])? * 3600 + digits(&oh[3..5])? * 60);
                if *sign == b'-' { -v } else { v }
            }
            _ => return None,
        };
        let secs = date.days_since_epoch() * 86_400 + i64::from(h * 3600 + mi * 60 + se) - offset;
        Some(Timestamp(secs))
    }
}

/// `days` working days after `t`, at the same time of day, in China Standard Time: each
/// Saturday and Sunday on the way is skipped (public holidays are not known here). Starting on
/// a weekend counts from the next Monday: Friday 10:00 + 2 is Tuesday 10:00, and so is
/// Saturday 10:00 + 2. Zero days is `t` itself.
pub fn add_working_days(t: Timestamp, days: u32) -> Timestamp {
    let mut date = t.date_cst();
    let mut left = days;
    while left > 0 {
        date = date.plus_days(1);
        if !date.is_weekend() {
            left -= 1;
        }
    }
    let time_of_day = (t.0 + CST_OFFSET_S).rem_euclid(86_400);
    Timestamp(Timestamp::start_of_day_cst(date).0 + time_of_day)
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 date-time: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_validate_the_calendar() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2026, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(2026, 4, 31).is_none());
        assert_eq!(Date::parse("2026-11-28").unwrap().to_string(), "2026-11-28");
        assert!(Date::parse("2026-1-28").is_none());
    }

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
    }

    #[test]
    fn timestamps_format_in_china_time_and_parse_any_offset() {
        let t = Timestamp(1_764_550_800); // 2025-12-01T01:00:00Z
        assert_eq!(t.to_rfc3339(), "2025-12-01T09:00:00+08:00");
        for s in [
            "2025-12-01T09:00:00+08:00",
            "2025-12-01T01:00:00Z",
            "2025-12-01T01:00:00.123Z",
            "2025-11-30T20:00:00-05:00",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(s), Some(t), "{s}");
        }
        assert_eq!(Timestamp::parse_rfc3339("2025-12-01"), None);
        assert_eq!(Timestamp::parse_rfc3339("2025-12-01T25:00:00Z"), None);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    #[test]
    fn weekdays() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(d("1970-01-01").weekday(), 4);
        assert_eq!(d("2026-11-27").weekday(), 5, "a Friday");
        assert_eq!(d("2026-11-28").weekday(), 6);
        assert_eq!(d("2026-11-29").weekday(), 7);
        assert_eq!(d("2026-11-30").weekday(), 1);
        assert!(d("2026-11-29").is_weekend());
        assert!(!d("2026-11-30").is_weekend());
        assert_eq!(d("2024-02-28").plus_days(2), d("2024-03-01"));
        assert_eq!(d("2026-01-01").plus_days(-1), d("2025-12-31"));
    }

    #[test]
    fn working_days_skip_weekends_in_china_time() {
        let t = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
        let table = [
            // Monday → Wednesday
            ("2026-11-23T10:00:00+08:00", 2, "2026-11-25T10:00:00+08:00"),
            // Thursday → Monday
            ("2026-11-26T10:00:00+08:00", 2, "2026-11-30T10:00:00+08:00"),
            // Friday → Tuesday
            ("2026-11-27T10:00:00+08:00", 2, "2026-12-01T10:00:00+08:00"),
            // Friday early morning is still Thursday in UTC; the days are China's
            ("2026-11-27T07:00:00+08:00", 2, "2026-12-01T07:00:00+08:00"),
            // Saturday and Sunday count from Monday
            ("2026-11-28T10:00:00+08:00", 2, "2026-12-01T10:00:00+08:00"),
            ("2026-11-29T10:00:00+08:00", 1, "2026-11-30T10:00:00+08:00"),
            // Two weekends
            ("2026-11-27T10:00:00+08:00", 6, "2026-12-07T10:00:00+08:00"),
            // Across a month and a year
            ("2026-12-31T09:00:00+08:00", 2, "2027-01-04T09:00:00+08:00"),
            ("2026-11-28T10:00:00+08:00", 0, "2026-11-28T10:00:00+08:00"),
        ];
        for (from, days, expected) in table {
            assert_eq!(
                add_working_days(t(from), days).to_rfc3339(),
                expected,
                "{from} + {days}"
            );
        }
    }

    #[test]
    fn china_midnight_is_16_utc_the_day_before() {
        let d = Date::new(2026, 12, 1).unwrap();
        assert_eq!(
            Timestamp::start_of_day_cst(d).to_rfc3339(),
            "2026-12-01T00:00:00+08:00"
        );
        assert_eq!(Timestamp::start_of_day_cst(d).date_cst(), d);
    }
}
