//! The double's clock and WeChat's time format.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, UtcOffset};

/// Real time plus an offset that `/_double/clock` moves.
#[derive(Debug)]
pub(crate) struct Clock {
    offset_s: AtomicI64,
}

impl Clock {
    /// A clock reading `start_at` now (or real time when `None`).
    pub(crate) fn new(start_at: Option<i64>) -> Self {
        let offset = start_at.map_or(0, |at| at - real_now());
        Self {
            offset_s: AtomicI64::new(offset),
        }
    }

    /// Unix seconds on the double's clock.
    pub(crate) fn now(&self) -> i64 {
        real_now() + self.offset_s.load(Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, seconds: i64) {
        self.offset_s.fetch_add(seconds, Ordering::SeqCst);
    }
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

const CST: UtcOffset = offset!(+8);

/// `2018-06-08T10:34:56+08:00`: the rfc3339 form every WeChat Pay v3 time field
/// uses ("yyyy-MM-DDTHH:mm:ss+TIMEZONE"), written in Beijing time like WeChat does.
pub fn format_time(unix: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CST);
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    ))
    .unwrap_or_default()
}

/// Parses a time in exactly the documented shape `yyyy-MM-DDTHH:mm:ss+TIMEZONE`
/// (Native下单, time_expire: "遵循rfc3339标准格式,格式为yyyy-MM-DDTHH:mm:ss+TIMEZONE").
/// Fractional seconds and `Z` are refused: the documentation shows neither.
pub fn parse_time(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 25 {
        return None;
    }
    let shape_ok = bytes.iter().enumerate().all(|(i, &b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 | 22 => b == b':',
        19 => b == b'+' || b == b'-',
        _ => b.is_ascii_digit(),
    });
    if !shape_ok {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_beijing_time() {
        assert_eq!(format_time(1_528_425_296), "2018-06-08T10:34:56+08:00");
    }

    #[test]
    fn parses_only_the_documented_shape() {
        assert_eq!(parse_time("2018-06-08T10:34:56+08:00"), Some(1_528_425_296));
        assert_eq!(parse_time("2018-06-08T02:34:56+00:00"), Some(1_528_425_296));
        for bad in [
            "2018-06-08T02:34:56Z",
            "2018-06-08T10:34:56.000+08:00",
            "2018-06-08 10:34:56+08:00",
            "2018-13-08T10:34:56+08:00",
            "1528425296",
            "",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn clock_starts_where_asked_and_advances() {
        let clock = Clock::new(Some(1_800_000_000));
        assert!((clock.now() - 1_800_000_000).abs() <= 1);
        clock.advance(3600);
        assert!((clock.now() - 1_800_003_600).abs() <= 1);
    }
}
