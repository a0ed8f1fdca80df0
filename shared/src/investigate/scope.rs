//! The time scope of an investigation.
//!
//! The API reference puts no constraint on StartInvestigation's ScopeStartTime and
//! ScopeEndTime beyond their type. The Detective console documents its own: whole hours for
//! a profile's scope time, and "a minimum of 3 hours and a maximum of 30 days" for an
//! investigation. Whether the API enforces those, or refuses an end in the future, is not
//! documented. So the first scope tried contains the whole activity window on whole hours,
//! at least 3 hours long, ending no later than the end of the current hour; and when
//! Detective answers ValidationException, the next one relaxes what it may have refused,
//! each saying what it gave up.

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, TimeZone, Utc};

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

/// One scope to try, and what it gives up against the activity window, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub note: Option<String>,
}

/// The console's shortest investigation.
const MIN_HOURS: i64 = 3;
/// The console's longest investigation.
const MAX_DAYS: i64 = 30;

fn hours(count: i64) -> TimeDelta {
    TimeDelta::hours(count)
}

fn floor_hour(time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    time.duration_trunc(hours(1)).ok()
}

fn ceil_hour(time: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let floor = floor_hour(time)?;
    if floor == time {
        Some(floor)
    } else {
        floor.checked_add_signed(hours(1))
    }
}

fn text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The scopes to try for activity seen from `first_seen` to `last_seen` (either order),
/// `padding_hours` either side, handled at `now`; best first. None only if a time is so far
/// from now that the arithmetic would overflow (callers refuse such timestamps first).
pub fn investigation_scopes(
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    padding_hours: u32,
    now: DateTime<Utc>,
) -> Option<Vec<Scope>> {
    let padding = hours(i64::from(padding_hours));
    let (earliest, latest) = if first_seen <= last_seen {
        (first_seen, last_seen)
    } else {
        (last_seen, first_seen)
    };
    // Padding after the last sighting stops at the end of the current hour: a later end
    // adds nothing but a future time Detective may refuse.
    let padded_end = ceil_hour(latest.checked_add_signed(padding)?)?.min(ceil_hour(now)?);
    let end = padded_end.max(ceil_hour(latest)?);
    let start = floor_hour(earliest.checked_sub_signed(padding)?)?.min(end.checked_sub_signed(hours(MIN_HOURS))?);
    let mut scopes = vec![Scope { start, end, note: None }];
    if end > now {
        scopes.push(Scope {
            start,
            end: now,
            note: Some(format!(
                "Detective refused the whole-hour scope ending {} (in the future); the scope ends now instead",
                text(end)
            )),
        });
        let past_end = floor_hour(now)?;
        scopes.push(Scope {
            start: start.min(past_end.checked_sub_signed(hours(MIN_HOURS))?),
            end: past_end,
            note: Some(format!(
                "Detective refused scopes ending in the future or off the hour; the scope ends at {}, so activity seen after it (last seen {}) is not covered",
                text(past_end),
                text(latest)
            )),
        });
    }
    if let Some(last) = scopes.last().cloned() {
        let longest = hours(24 * MAX_DAYS);
        if last.end - last.start > longest {
            let start = last.end.checked_sub_signed(longest)?;
            scopes.push(Scope {
                start,
                end: last.end,
                note: Some(format!(
                    "Detective refused a scope longer than {MAX_DAYS} days; the scope starts at {}, after the activity first seen {}",
                    text(start),
                    text(earliest)
                )),
            });
        }
    }
    Some(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_timestamp(text).unwrap_or_default()
    }

    fn first(scopes: Option<Vec<Scope>>) -> (DateTime<Utc>, DateTime<Utc>) {
        let scopes = scopes.unwrap_or_default();
        scopes
            .first()
            .map_or((at("1970-01-01T00:00:00Z"), at("1970-01-01T00:00:00Z")), |s| {
                (s.start, s.end)
            })
    }

    #[test]
    fn parses_the_forms_findings_use() {
        use chrono::Timelike;
        assert_eq!(at("2026-01-01T10:15:30.123Z").minute(), 15);
        assert_eq!(at("2025-02-25 20:40:06.721"), at("2025-02-25T20:40:06.721Z"));
        assert_eq!(parse_timestamp("Sep 16, 2020 9:20:50 PM"), None);
    }

    #[test]
    fn padded_and_rounded_to_whole_hours() {
        let scopes = investigation_scopes(
            at("2026-01-01T10:15:00Z"),
            at("2026-01-01T11:20:00Z"),
            1,
            at("2026-01-02T00:00:00Z"),
        );
        assert_eq!(
            first(scopes.clone()),
            (at("2026-01-01T09:00:00Z"), at("2026-01-01T13:00:00Z"))
        );
        assert_eq!(
            scopes.map(|s| s.len()),
            Some(1),
            "nothing to fall back on for a scope in the past"
        );
    }

    #[test]
    fn activity_minutes_before_handling_is_covered() {
        // Seen 11:05 to 11:10, handled at 11:30: the scope must reach past 11:10.
        let now = at("2026-01-01T11:30:00Z");
        let scopes =
            investigation_scopes(at("2026-01-01T11:05:00Z"), at("2026-01-01T11:10:00Z"), 0, now).unwrap_or_default();
        let best = scopes.first().cloned().unwrap_or(Scope {
            start: now,
            end: now,
            note: None,
        });
        assert_eq!(
            (best.start, best.end),
            (at("2026-01-01T09:00:00Z"), at("2026-01-01T12:00:00Z"))
        );
        assert!(best.start <= at("2026-01-01T11:05:00Z") && best.end >= at("2026-01-01T11:10:00Z"));
        // The fallbacks, should Detective refuse an end in the future: now, then the last whole hour.
        let ends: Vec<_> = scopes.iter().map(|s| s.end).collect();
        assert_eq!(ends, vec![at("2026-01-01T12:00:00Z"), now, at("2026-01-01T11:00:00Z")]);
        assert!(scopes
            .get(1)
            .and_then(|s| s.note.clone())
            .unwrap_or_default()
            .contains("ends now"));
        assert!(scopes
            .get(2)
            .and_then(|s| s.note.clone())
            .unwrap_or_default()
            .contains("not covered"));
    }

    #[test]
    fn padding_never_reaches_beyond_the_current_hour() {
        let now = at("2026-01-01T11:30:00Z");
        let (_, end) = first(investigation_scopes(
            at("2026-01-01T11:05:00Z"),
            at("2026-01-01T11:10:00Z"),
            6,
            now,
        ));
        assert_eq!(end, at("2026-01-01T12:00:00Z"));
    }

    #[test]
    fn at_least_three_hours_and_sightings_in_either_order() {
        let (start, end) = first(investigation_scopes(
            at("2026-01-01T10:00:00Z"),
            at("2026-01-01T10:00:00Z"),
            0,
            at("2026-01-02T00:00:00Z"),
        ));
        assert_eq!((start, end), (at("2026-01-01T07:00:00Z"), at("2026-01-01T10:00:00Z")));
        let swapped = first(investigation_scopes(
            at("2026-01-01T12:00:00Z"),
            at("2026-01-01T10:00:00Z"),
            1,
            at("2026-01-03T00:00:00Z"),
        ));
        assert_eq!(swapped, (at("2026-01-01T09:00:00Z"), at("2026-01-01T13:00:00Z")));
    }

    #[test]
    fn a_long_window_is_covered_whole_first_then_limited_to_thirty_days() {
        let scopes = investigation_scopes(
            at("2025-10-01T00:00:00Z"),
            at("2026-01-01T10:00:00Z"),
            0,
            at("2026-01-02T00:00:00Z"),
        )
        .unwrap_or_default();
        let spans: Vec<_> = scopes.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(
            spans,
            vec![
                (at("2025-10-01T00:00:00Z"), at("2026-01-01T10:00:00Z")),
                (at("2025-12-02T10:00:00Z"), at("2026-01-01T10:00:00Z")),
            ]
        );
    }

    #[test]
    fn times_at_the_edge_of_the_calendar_do_not_overflow() {
        let max = DateTime::<Utc>::MAX_UTC;
        assert_eq!(investigation_scopes(max, max, 1, max), None);
        let min = DateTime::<Utc>::MIN_UTC;
        assert_eq!(investigation_scopes(min, min, 1, at("2026-01-01T00:00:00Z")), None);
    }
}
