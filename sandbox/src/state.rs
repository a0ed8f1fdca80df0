//! The sandbox's world: one caller account, an organization, and per-region Detective state.
//! Loaded from and readable back as JSON (format in the README).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxState {
    #[serde(default = "default_partition")]
    pub partition: String,
    /// The account whose credentials the callers use (the Detective administrator, or a member).
    pub caller_account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(default)]
    pub regions: BTreeMap<String, RegionState>,
    /// Errors to return instead of serving, for a number of calls.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Accounts CreateMembers returns in UnprocessedAccounts with a reason, a number of times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unprocessed: Vec<UnprocessedRule>,
    /// Added to every call.
    #[serde(default)]
    pub latency_ms: u64,
    /// The sandbox's "now" (creation times); the real clock when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<DateTime<Utc>>,
    /// Next investigation number (ids are 21 digits, as Detective's are).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub next_investigation: u64,
}

fn default_partition() -> String {
    "aws".to_owned()
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub management_account_id: String,
    #[serde(default)]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED.
    #[serde(default = "active")]
    pub status: String,
}

fn active() -> String {
    "ACTIVE".to_owned()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RegionState {
    #[serde(default)]
    pub graphs: Vec<Graph>,
    /// Invitations the caller account has received.
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    #[serde(default)]
    pub investigations: Vec<Investigation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub arn: String,
    #[serde(default)]
    pub auto_enable: bool,
    #[serde(default)]
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub account_id: String,
    #[serde(default)]
    pub email: String,
    /// INVITED, VERIFICATION_IN_PROGRESS, VERIFICATION_FAILED, ENABLED or ACCEPTED_BUT_DISABLED.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub graph_arn: String,
    pub administrator_id: String,
    /// INVITED or ENABLED (accepted).
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub id: String,
    pub graph_arn: String,
    pub entity_arn: String,
    /// RUNNING, FAILED or SUCCESSFUL.
    pub status: String,
    /// ACTIVE or ARCHIVED.
    pub state: String,
    #[serde(default = "informational")]
    pub severity: String,
    pub created_time: DateTime<Utc>,
    pub scope_start_time: DateTime<Utc>,
    pub scope_end_time: DateTime<Utc>,
}

fn informational() -> String {
    "INFORMATIONAL".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// The API operation, as named in the API reference (`StartInvestigation`).
    pub operation: String,
    /// TooManyRequestsException (429), InternalServerException (500), AccessDeniedException (403), ...
    pub error: String,
    /// How many calls fail; absent means every call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Only calls to this region; absent means every region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnprocessedRule {
    pub account_id: String,
    pub reason: String,
    /// How many CreateMembers calls reject the account; absent means every call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

/// Could not load a state file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read sandbox state {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("sandbox state {path} is not valid: {message}")]
    Parse { path: String, message: String },
}

impl SandboxState {
    pub fn from_json(path: &str, text: &str) -> Result<Self, StateError> {
        serde_json::from_str(text).map_err(|error| StateError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })
    }

    pub fn from_file(path: &str) -> Result<Self, StateError> {
        let text = std::fs::read_to_string(path).map_err(|source| StateError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(path, &text)
    }

    /// The built-in demo organization used by `autopilot demo` and `replay` by default.
    pub fn demo() -> Self {
        Self::from_json("built-in demo state", DEMO_STATE).unwrap_or_else(|_| Self::empty("111111111111"))
    }

    pub fn empty(caller_account_id: &str) -> Self {
        Self {
            partition: default_partition(),
            caller_account_id: caller_account_id.to_owned(),
            organization: None,
            regions: BTreeMap::new(),
            faults: Vec::new(),
            unprocessed: Vec::new(),
            latency_ms: 0,
            now: None,
            next_investigation: 0,
        }
    }

    pub fn region(&self, region: &str) -> Option<&RegionState> {
        self.regions.get(region)
    }

    pub fn investigations(&self) -> impl Iterator<Item = &Investigation> {
        self.regions.values().flat_map(|region| region.investigations.iter())
    }
}

const DEMO_STATE: &str = include_str!("../demo-state.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_state_loads() {
        let parsed = SandboxState::from_json("demo", DEMO_STATE);
        assert!(parsed.is_ok(), "{:?}", parsed.err());
    }
}
