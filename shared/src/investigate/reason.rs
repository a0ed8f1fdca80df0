//! Why investigate-findings took, planned or left an action. An action holds it as an `outcome::Reason`
//! (displayed, and serialised as its wording); metrics and tests ask for it back by type.

use std::fmt;

use crate::outcome::Explains;

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    AlreadyInvestigating {
        investigation_id: String,
        entity_arn: String,
        window_hours: u32,
    },
}

impl Explains for Reason {}

impl fmt::Display for Reason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyInvestigating {
                investigation_id,
                entity_arn,
                window_hours,
            } => write!(
                formatter,
                "investigation {investigation_id} of {entity_arn} is already ACTIVE (created within DEDUP_WINDOW_HOURS={window_hours})"
            ),
        }
    }
}
