//! Pure decision: is this finding one we investigate, and on whom, over what time?

use chrono::{DateTime, TimeDelta, Utc};

use super::config::InvestigateConfig;
use super::principal::{principals, NotInvestigable, Principal};
use super::scope::{investigation_scopes, parse_timestamp, Scope};
use crate::event::{EventError, Finding};

/// A finding that passed every filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Every IAM user and role the finding names (one investigation each).
    pub principals: Vec<Principal>,
    /// Identities the finding names that are not investigated, with why.
    pub left_out: Vec<String>,
    /// The scopes to try, best first (at least one).
    pub scopes: Vec<Scope>,
}

/// Sightings later than this after the finding is handled are not clock skew but nonsense.
const FUTURE_TOLERANCE: TimeDelta = TimeDelta::hours(1);

#[derive(Debug, Clone, PartialEq)]
pub enum Screened {
    Investigate(Candidate),
    Ignore(String),
    Invalid(EventError),
}

pub fn screen(finding: &Finding, region: Option<&str>, config: &InvestigateConfig, now: DateTime<Utc>) -> Screened {
    if finding.sample && !config.investigate_sample_findings {
        return Screened::Ignore(
            "sample finding (service.additionalInfo.sample is true) and INVESTIGATE_SAMPLE_FINDINGS is off".to_owned(),
        );
    }
    if finding.archived {
        return Screened::Ignore("archived finding (service.archived is true)".to_owned());
    }
    let Some(severity) = finding.severity else {
        return Screened::Invalid(missing("event.detail.severity", "a number from 0 to 10"));
    };
    if severity < config.min_severity {
        return Screened::Ignore(format!(
            "severity {severity} is below MIN_SEVERITY {}",
            config.min_severity
        ));
    }
    let finding_type = finding.finding_type.as_deref().unwrap_or_default();
    if !config.finding_types.is_empty()
        && !config
            .finding_types
            .iter()
            .any(|prefix| type_matches(finding_type, prefix, finding.via_security_hub))
    {
        return Screened::Ignore(format!(
            "finding type {finding_type:?} matches none of FINDING_TYPES ({})",
            config.finding_types.join(", ")
        ));
    }
    if finding.via_security_hub && !config.investigate_security_hub_findings {
        return Screened::Ignore(
            "a GuardDuty finding forwarded by Security Hub and INVESTIGATE_SECURITY_HUB_FINDINGS is off".to_owned(),
        );
    }
    let (principals, left_out) = match principals(finding, region) {
        Ok(found) => found,
        Err(NotInvestigable::Ignore(reason)) => return Screened::Ignore(reason),
        Err(NotInvestigable::Invalid(error)) => return Screened::Invalid(error),
    };
    let first = match sighting(
        &[
            ("service.eventFirstSeen", &finding.event_first_seen),
            ("createdAt", &finding.created_at),
        ],
        now,
    ) {
        Ok(time) => time,
        Err(error) => return Screened::Invalid(error),
    };
    let last = match sighting(
        &[
            ("service.eventLastSeen", &finding.event_last_seen),
            ("updatedAt", &finding.updated_at),
        ],
        now,
    ) {
        Ok(time) => time,
        Err(error) => return Screened::Invalid(error),
    };
    match investigation_scopes(first, last, config.scope_padding_hours, now) {
        Some(scopes) if !scopes.is_empty() => Screened::Investigate(Candidate {
            principals,
            left_out,
            scopes,
        }),
        // Unreachable for sightings within the bounds `sighting` enforces; said plainly if not.
        _ => Screened::Invalid(EventError::InvalidField {
            field: "event.detail.service.eventFirstSeen and eventLastSeen".to_owned(),
            expected: "times from which a scope can be computed",
            found: format!("{first} to {last}"),
        }),
    }
}

/// Whether a finding type starts with a FINDING_TYPES prefix. Security Hub writes a
/// GuardDuty type's `/` as `-` (`UnauthorizedAccess:IAMUser-TorIPCaller`), except in
/// attack sequences': a prefix written GuardDuty's way matches either.
fn type_matches(finding_type: &str, prefix: &str, via_security_hub: bool) -> bool {
    finding_type.starts_with(prefix) || (via_security_hub && finding_type.starts_with(&prefix.replace('/', "-")))
}

/// The first of the named timestamps that is present; present but unreadable, or outside
/// the Unix epoch to an hour after `now`, is an error naming the field.
fn sighting(candidates: &[(&str, &Option<String>)], now: DateTime<Utc>) -> Result<DateTime<Utc>, EventError> {
    for (field, value) in candidates {
        if let Some(text) = value {
            let invalid = |expected| EventError::InvalidField {
                field: format!("event.detail.{field}"),
                expected,
                found: format!("{text:?}"),
            };
            let time = parse_timestamp(text).ok_or_else(|| invalid("an ISO 8601 timestamp"))?;
            let latest = now.checked_add_signed(FUTURE_TOLERANCE).unwrap_or(now);
            if time < DateTime::UNIX_EPOCH || time > latest {
                return Err(invalid(
                    "a time after 1970 and no later than an hour after the finding is handled",
                ));
            }
            return Ok(time);
        }
    }
    let names: Vec<&str> = candidates.iter().map(|(field, _)| *field).collect();
    Err(missing(
        &format!("event.detail.{}", names.join(" or event.detail.")),
        "an ISO 8601 timestamp",
    ))
}

fn missing(field: &str, expected: &'static str) -> EventError {
    EventError::InvalidField {
        field: field.to_owned(),
        expected,
        found: "nothing".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::AccessKeyDetails;
    use std::collections::HashMap;

    fn config() -> InvestigateConfig {
        InvestigateConfig::from_env(&HashMap::new()).unwrap_or_else(|_| unreachable!())
    }

    fn iam_finding() -> Finding {
        Finding {
            finding_type: Some("UnauthorizedAccess:IAMUser/TorIPCaller".into()),
            account_id: Some("111122223333".into()),
            severity: Some(8.0),
            event_first_seen: Some("2026-01-01T10:15:00Z".into()),
            event_last_seen: Some("2026-01-01T11:20:00Z".into()),
            access_key: Some(AccessKeyDetails {
                user_type: Some("IAMUser".into()),
                user_name: Some("alice".into()),
                ..AccessKeyDetails::default()
            }),
            ..Finding::default()
        }
    }

    fn now() -> DateTime<Utc> {
        parse_timestamp("2026-01-02T00:00:00Z").unwrap_or_default()
    }

    fn reason(screened: Screened) -> String {
        match screened {
            Screened::Ignore(reason) => reason,
            other => format!("{other:?}"),
        }
    }

    fn scope(candidate: &Candidate) -> (String, String) {
        let best = candidate.scopes.first();
        (
            best.map(|s| s.start.to_rfc3339()).unwrap_or_default(),
            best.map(|s| s.end.to_rfc3339()).unwrap_or_default(),
        )
    }

    #[test]
    fn an_iam_finding_is_investigated_over_its_padded_scope() {
        let Screened::Investigate(candidate) = screen(&iam_finding(), Some("us-east-1"), &config(), now()) else {
            unreachable!("expected a candidate")
        };
        assert_eq!(
            candidate.principals[0].arn_with_path("/"),
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!(
            scope(&candidate),
            (
                "2026-01-01T09:00:00+00:00".to_owned(),
                "2026-01-01T13:00:00+00:00".to_owned()
            )
        );
    }

    #[test]
    fn an_absurd_timestamp_is_a_field_error_not_a_panic() {
        let mut finding = iam_finding();
        finding.event_last_seen = Some("+262142-12-31T23:30:00Z".into());
        let text = format!("{:?}", screen(&finding, None, &config(), now()));
        assert!(text.starts_with("Invalid(InvalidField"), "{text}");
        assert!(
            text.contains("event.detail.service.eventLastSeen") && text.contains("+262142-12-31T23:30:00Z"),
            "{text}"
        );
        finding = iam_finding();
        finding.event_first_seen = Some("-262000-01-01T00:00:00Z".into());
        let text = format!("{:?}", screen(&finding, None, &config(), now()));
        assert!(text.contains("event.detail.service.eventFirstSeen"), "{text}");
    }

    #[test]
    fn filters_say_why() {
        let mut low = iam_finding();
        low.severity = Some(5.0);
        assert_eq!(
            reason(screen(&low, None, &config(), now())),
            "severity 5 is below MIN_SEVERITY 7"
        );

        let mut sample = iam_finding();
        sample.sample = true;
        assert!(reason(screen(&sample, None, &config(), now())).starts_with("sample finding"));
        let mut allow_samples = config();
        allow_samples.investigate_sample_findings = true;
        assert!(matches!(
            screen(&sample, None, &allow_samples, now()),
            Screened::Investigate(_)
        ));

        let mut archived = iam_finding();
        archived.archived = true;
        assert!(reason(screen(&archived, None, &config(), now())).starts_with("archived"));

        let mut only_recon = config();
        only_recon.finding_types = vec!["Recon:".into()];
        assert!(
            reason(screen(&iam_finding(), None, &only_recon, now())).contains("matches none of FINDING_TYPES (Recon:)")
        );
    }

    #[test]
    fn finding_types_match_security_hubs_copy_by_its_classifier() {
        let mut config = config();
        config.investigate_security_hub_findings = true;
        let asff = |asff_type: &str| Finding {
            finding_type: crate::event::guardduty_type(asff_type),
            via_security_hub: true,
            ..iam_finding()
        };
        for (prefixes, asff_type, investigated) in [
            ("Discovery:", "TTPs/Discovery/Discovery:IAMUser-AnomalousBehavior", true),
            (
                "UnauthorizedAccess:IAMUser/",
                "TTPs/Initial Access/UnauthorizedAccess:IAMUser-TorIPCaller",
                true,
            ),
            (
                "AttackSequence:IAM/",
                "TTPs/AttackSequence:IAM/CompromisedCredentials",
                true,
            ),
            ("Recon:", "TTPs/Discovery/Discovery:IAMUser-AnomalousBehavior", false),
        ] {
            config.finding_types = vec![prefixes.to_owned()];
            let screened = screen(&asff(asff_type), None, &config, now());
            assert_eq!(
                matches!(screened, Screened::Investigate(_)),
                investigated,
                "{prefixes} {asff_type}: {screened:?}"
            );
        }
    }

    #[test]
    fn falls_back_to_created_and_updated_times() {
        let mut finding = iam_finding();
        finding.event_first_seen = None;
        finding.event_last_seen = None;
        finding.created_at = Some("2026-01-01T05:30:00.000Z".into());
        finding.updated_at = Some("2026-01-01T06:30:00.000Z".into());
        let Screened::Investigate(candidate) = screen(&finding, None, &config(), now()) else {
            unreachable!("expected a candidate")
        };
        assert_eq!(
            scope(&candidate),
            (
                "2026-01-01T04:00:00+00:00".to_owned(),
                "2026-01-01T08:00:00+00:00".to_owned()
            )
        );
    }

    #[test]
    fn missing_times_and_severity_are_invalid() {
        let mut finding = iam_finding();
        finding.event_first_seen = None;
        let text = format!("{:?}", screen(&finding, None, &config(), now()));
        assert!(
            text.contains("service.eventFirstSeen or event.detail.createdAt"),
            "{text}"
        );
        finding = iam_finding();
        finding.severity = None;
        assert!(matches!(screen(&finding, None, &config(), now()), Screened::Invalid(_)));
    }
}
