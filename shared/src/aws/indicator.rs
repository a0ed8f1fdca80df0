//! Detective's investigation indicators (ListIndicators), one variant per IndicatorType.

use serde::Serialize;

/// One indicator with the detail its type carries; a type AWS adds later is kept by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Indicator {
    TtpObserved {
        tactic: Option<String>,
        technique: Option<String>,
        procedure: Option<String>,
        api_name: Option<String>,
        ip_address: Option<String>,
        api_success_count: Option<i64>,
        api_failure_count: Option<i64>,
    },
    ImpossibleTravel {
        starting_ip_address: Option<String>,
        ending_ip_address: Option<String>,
        starting_location: Option<String>,
        ending_location: Option<String>,
        hourly_time_delta: Option<i32>,
    },
    FlaggedIpAddress {
        ip_address: Option<String>,
        reason: Option<String>,
    },
    NewGeolocation {
        location: Option<String>,
        ip_address: Option<String>,
        is_new_for_entire_account: bool,
    },
    NewAso {
        aso: Option<String>,
        is_new_for_entire_account: bool,
    },
    NewUserAgent {
        user_agent: Option<String>,
        is_new_for_entire_account: bool,
    },
    RelatedFinding {
        arn: Option<String>,
        finding_type: Option<String>,
        ip_address: Option<String>,
    },
    RelatedFindingGroup {
        id: Option<String>,
    },
    Other {
        indicator_type: String,
    },
}

impl Indicator {
    /// The IndicatorType, as the API names it.
    pub fn indicator_type(&self) -> &str {
        match self {
            Self::TtpObserved { .. } => "TTP_OBSERVED",
            Self::ImpossibleTravel { .. } => "IMPOSSIBLE_TRAVEL",
            Self::FlaggedIpAddress { .. } => "FLAGGED_IP_ADDRESS",
            Self::NewGeolocation { .. } => "NEW_GEOLOCATION",
            Self::NewAso { .. } => "NEW_ASO",
            Self::NewUserAgent { .. } => "NEW_USER_AGENT",
            Self::RelatedFinding { .. } => "RELATED_FINDING",
            Self::RelatedFindingGroup { .. } => "RELATED_FINDING_GROUP",
            Self::Other { indicator_type } => indicator_type,
        }
    }
}
