//! The time scope of an investigation.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Timelike, Utc};

/// Parses the timestamp forms real findings carry: RFC 3339 (`2026-01-01T10:00:00.123Z`)
/// and the space-separated form some log stores rewrite them to.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    let trimmed = text.trim_end_matches('Z');
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(trimmed, format).ok())
        .map(|naive| Utc.from_utc_datetime(&naive))
}

fn floor_hour(time: DateTime<Utc>) -> DateTime<Utc> {
    let seconds_into_hour = i64::from(time.minute()) * 60 + i64::from(time.second());
    time - Duration::seconds(seconds_into_hour) - Duration::nanoseconds(i64::from(time.nanosecond()))
}

fn ceil_hour(time: DateTime<Utc>) -> DateTime<Utc> {
    let floor = floor_hour(time);
    if floor == time {
        floor
    } else {
        floor + Duration::hours(1)
    }
}

/// From `first_seen - padding` to `last_seen + padding`, widened to whole hours, at least
/// one hour long, and never ending after the last whole hour before `now`.
pub fn investigation_scope(
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    padding_hours: u32,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let padding = Duration::hours(i64::from(padding_hours));
    let (earliest, latest) = if first_seen <= last_seen {
        (first_seen, last_seen)
    } else {
        (last_seen, first_seen)
    };
    let end = ceil_hour(latest + padding).min(floor_hour(now));
    let start = floor_hour(earliest - padding).min(end - Duration::hours(1));
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_timestamp(text).unwrap_or_default()
    }

    #[test]
    fn parses_the_forms_findings_use() {
        assert_eq!(at("2026-01-01T10:15:30.123Z").minute(), 15);
        assert_eq!(at("2025-02-25 20:40:06.721"), at("2025-02-25T20:40:06.721Z"));
        assert_eq!(parse_timestamp("Sep 16, 2020 9:20:50 PM"), None);
    }

    #[test]
    fn padded_and_rounded_to_whole_hours() {
        let (start, end) = investigation_scope(
            at("2026-01-01T10:15:00Z"),
            at("2026-01-01T11:20:00Z"),
            1,
            at("2026-01-02T00:00:00Z"),
        );
        assert_eq!((start, end), (at("2026-01-01T09:00:00Z"), at("2026-01-01T13:00:00Z")));
    }

    #[test]
    fn never_ends_in_the_future_and_lasts_at_least_an_hour() {
        let now = at("2026-01-01T11:30:00Z");
        let (start, end) = investigation_scope(at("2026-01-01T11:05:00Z"), at("2026-01-01T11:10:00Z"), 0, now);
        assert_eq!((start, end), (at("2026-01-01T10:00:00Z"), at("2026-01-01T11:00:00Z")));
        let (start, end) = investigation_scope(
            at("2026-01-01T10:00:00Z"),
            at("2026-01-01T10:00:00Z"),
            0,
            at("2026-01-02T00:00:00Z"),
        );
        assert_eq!(end - start, Duration::hours(1));
        assert_eq!(start, at("2026-01-01T09:00:00Z"));
    }

    #[test]
    fn swapped_sightings_are_tolerated() {
        let (start, end) = investigation_scope(
            at("2026-01-01T12:00:00Z"),
            at("2026-01-01T10:00:00Z"),
            1,
            at("2026-01-03T00:00:00Z"),
        );
        assert_eq!((start, end), (at("2026-01-01T09:00:00Z"), at("2026-01-01T13:00:00Z")));
    }
}
