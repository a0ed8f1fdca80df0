//! Whether a CloudTrail trail logs the account's management events in a region.
//! EventBridge receives "AWS API Call via CloudTrail" events only for calls a trail logs
//! (the EventBridge User Guide, "Events from AWS services": "you must have a trail"), so
//! without one tamper response and Organizations' API-call events are blind there.

use std::future::Future;

use serde::Serialize;

use crate::aws::AwsError;

/// The management events a trail logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ManagementEvents {
    All,
    WriteOnly,
    ReadOnly,
    None,
}

/// One trail that covers the region (its own, a multi-region one, or the organization's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRead {
    pub arn: String,
    pub is_logging: bool,
    pub management_events: ManagementEvents,
}

/// Read-only CloudTrail: DescribeTrails (shadow trails included), then GetTrailStatus and
/// GetEventSelectors of each trail, by ARN.
pub trait TrailPort: Sync {
    fn trails(&self, region: &str) -> impl Future<Output = Result<Vec<TrailRead>, AwsError>> + Send;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailStatus {
    /// A trail is logging this account's write management events here.
    pub logs_management_events: bool,
    /// The trails that do.
    pub trails: Vec<String>,
    /// Why it is not known, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TrailStatus {
    /// Read, and no trail logs management events here (a trail that could not be read is
    /// unknown, never blind).
    pub fn blind(&self) -> bool {
        self.error.is_none() && !self.logs_management_events
    }

    /// As people read it.
    pub fn describe(&self) -> String {
        match (&self.error, self.logs_management_events) {
            (Some(error), _) => format!("unknown ({error})"),
            (None, true) => format!("logging management events ({})", self.trails.join(", ")),
            (None, false) => "NONE logs management events here: Detective's calls (tamper response) and \
                              Organizations' API calls never reach EventBridge"
                .to_owned(),
        }
    }
}

/// Pure: the trails that log write management events (what the tamper rules match).
pub fn logging_trails(trails: &[TrailRead]) -> Vec<String> {
    trails
        .iter()
        .filter(|trail| {
            trail.is_logging
                && matches!(
                    trail.management_events,
                    ManagementEvents::All | ManagementEvents::WriteOnly
                )
        })
        .map(|trail| trail.arn.clone())
        .collect()
}

pub async fn trail_status<T: TrailPort>(port: &T, region: &str) -> TrailStatus {
    match port.trails(region).await {
        Ok(trails) => {
            let logging = logging_trails(&trails);
            TrailStatus {
                logs_management_events: !logging.is_empty(),
                trails: logging,
                error: None,
            }
        }
        Err(error) => TrailStatus {
            logs_management_events: false,
            trails: Vec::new(),
            error: Some(error.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trail(name: &str, is_logging: bool, management_events: ManagementEvents) -> TrailRead {
        TrailRead {
            arn: format!("arn:aws:cloudtrail:us-east-1:111111111111:trail/{name}"),
            is_logging,
            management_events,
        }
    }

    #[test]
    fn only_a_logging_trail_of_write_management_events_counts() {
        let trails = [
            trail("stopped", false, ManagementEvents::All),
            trail("reads", true, ManagementEvents::ReadOnly),
            trail("data-only", true, ManagementEvents::None),
            trail("writes", true, ManagementEvents::WriteOnly),
        ];
        assert_eq!(
            logging_trails(&trails),
            vec!["arn:aws:cloudtrail:us-east-1:111111111111:trail/writes".to_owned()]
        );
        assert!(logging_trails(&trails[..3]).is_empty());
    }
}
