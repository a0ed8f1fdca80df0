//! CloudTrail, read-only, for `status`: the trails that cover a region and what they log.

use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, ReadWriteType};
use aws_sdk_cloudtrail::Client;
use shared::aws::AwsError;
use shared::operation::Operation;
use shared::status::{ManagementEvents, TrailPort, TrailRead};

pub struct SdkCloudTrail {
    config: SdkConfig,
}

impl SdkCloudTrail {
    pub fn new(config: &SdkConfig) -> Self {
        Self { config: config.clone() }
    }

    fn client(&self, region: &str) -> Client {
        let config = aws_sdk_cloudtrail::config::Builder::from(&self.config)
            .region(aws_config::Region::new(region.to_owned()))
            .build();
        Client::from_conf(config)
    }
}

/// What two selectors log together: the one, the other, or both kinds (All).
fn together(logged: ManagementEvents, this: ManagementEvents) -> ManagementEvents {
    match (logged, this) {
        (ManagementEvents::None, this) => this,
        (logged, ManagementEvents::None) => logged,
        (same, this) if same == this => same,
        _ => ManagementEvents::All,
    }
}

/// The management events basic event selectors log (a ReadWriteType AWS adds later counts
/// for none).
fn basic(selectors: &[EventSelector]) -> ManagementEvents {
    selectors
        .iter()
        .filter(|selector| selector.include_management_events().unwrap_or(true))
        .map(|selector| match selector.read_write_type() {
            None | Some(ReadWriteType::All) => ManagementEvents::All,
            Some(ReadWriteType::WriteOnly) => ManagementEvents::WriteOnly,
            Some(ReadWriteType::ReadOnly) => ManagementEvents::ReadOnly,
            Some(_) => ManagementEvents::None,
        })
        .fold(ManagementEvents::None, together)
}

/// The management events advanced event selectors log: a selector on eventCategory
/// Management, narrowed by readOnly when it says so.
fn advanced(selectors: &[AdvancedEventSelector]) -> ManagementEvents {
    selectors
        .iter()
        .filter_map(|selector| {
            let fields = selector.field_selectors();
            let equals = |name: &str| {
                fields
                    .iter()
                    .find(|field| field.field() == name)
                    .map(|field| field.equals().to_vec())
            };
            if !equals("eventCategory").is_some_and(|values| values.iter().any(|value| value == "Management")) {
                return None;
            }
            Some(match equals("readOnly").as_deref() {
                Some([only]) if only == "true" => ManagementEvents::ReadOnly,
                Some([only]) if only == "false" => ManagementEvents::WriteOnly,
                _ => ManagementEvents::All,
            })
        })
        .fold(ManagementEvents::None, together)
}

impl TrailPort for SdkCloudTrail {
    async fn trails(&self, region: &str) -> Result<Vec<TrailRead>, AwsError> {
        let client = self.client(region);
        let described = client
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::DescribeTrails, error))?;
        let mut trails = Vec::new();
        for trail in described.trail_list() {
            let Some(arn) = trail.trail_arn() else { continue };
            let status = client
                .get_trail_status()
                .name(arn)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(Operation::GetTrailStatus, error))?;
            let selectors = client
                .get_event_selectors()
                .trail_name(arn)
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(Operation::GetEventSelectors, error))?;
            let management_events = if selectors.advanced_event_selectors().is_empty() {
                basic(selectors.event_selectors())
            } else {
                advanced(selectors.advanced_event_selectors())
            };
            trails.push(TrailRead {
                arn: arn.to_owned(),
                is_logging: status.is_logging().unwrap_or(false),
                management_events,
            });
        }
        Ok(trails)
    }
}
