//! Pure decision: is this finding one we investigate, and on whom, over what time?

use chrono::{DateTime, Utc};

use super::config::InvestigateConfig;
use super::principal::{principal, NotInvestigable, Principal};
use super::scope::{investigation_scope, parse_timestamp};
use crate::event::{EventError, Finding};

/// A finding that passed every filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub principal: Principal,
    pub scope_start: DateTime<Utc>,
    pub scope_end: DateTime<Utc>,
}

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
            .any(|prefix| finding_type.starts_with(prefix))
    {
        return Screened::Ignore(format!(
            "finding type {finding_type:?} matches none of FINDING_TYPES ({})",
            config.finding_types.join(", ")
        ));
    }
    let principal = match principal(finding, region) {
        Ok(principal) => principal,
        Err(NotInvestigable::Ignore(reason)) => return Screened::Ignore(reason),
        Err(NotInvestigable::Invalid(error)) => return Screened::Invalid(error),
    };
    let first = match sighting(&[
        ("service.eventFirstSeen", &finding.event_first_seen),
        ("createdAt", &finding.created_at),
    ]) {
        Ok(time) => time,
        Err(error) => return Screened::Invalid(error),
    };
    let last = match sighting(&[
        ("service.eventLastSeen", &finding.event_last_seen),
        ("updatedAt", &finding.updated_at),
    ]) {
        Ok(time) => time,
        Err(error) => return Screened::Invalid(error),
    };
    let (scope_start, scope_end) = investigation_scope(first, last, config.scope_padding_hours, now);
    Screened::Investigate(Candidate {
        principal,
        scope_start,
        scope_end,
    })
}

/// The first of the named timestamps that is present; present but unreadable is an error.
fn sighting(candidates: &[(&str, &Option<String>)]) -> Result<DateTime<Utc>, EventError> {
    for (field, value) in candidates {
        if let Some(text) = value {
            return parse_timestamp(text).ok_or_else(|| EventError::InvalidField {
                field: format!("event.detail.{field}"),
                expected: "an ISO 8601 timestamp",
                found: format!("{text:?}"),
            });
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

    #[test]
    fn an_iam_finding_is_investigated_over_its_padded_scope() {
        let Screened::Investigate(candidate) = screen(&iam_finding(), Some("us-east-1"), &config(), now()) else {
            unreachable!("expected a candidate")
        };
        assert_eq!(candidate.principal.arn, "arn:aws:iam::111122223333:user/alice");
        assert_eq!(candidate.scope_start.to_rfc3339(), "2026-01-01T09:00:00+00:00");
        assert_eq!(candidate.scope_end.to_rfc3339(), "2026-01-01T13:00:00+00:00");
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
    fn falls_back_to_created_and_updated_times() {
        let mut finding = iam_finding();
        finding.event_first_seen = None;
        finding.event_last_seen = None;
        finding.created_at = Some("2026-01-01T05:30:00.000Z".into());
        finding.updated_at = Some("2026-01-01T06:30:00.000Z".into());
        let Screened::Investigate(candidate) = screen(&finding, None, &config(), now()) else {
            unreachable!("expected a candidate")
        };
        assert_eq!(candidate.scope_start.to_rfc3339(), "2026-01-01T04:00:00+00:00");
        assert_eq!(candidate.scope_end.to_rfc3339(), "2026-01-01T08:00:00+00:00");
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
