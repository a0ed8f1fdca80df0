//! Event models and routing: from any EventBridge payload to a typed trigger.

mod asff;
mod cloudtrail;
mod custom_resource;
mod envelope;
pub mod fields;
mod guardduty;
mod membership;
mod route;
#[cfg(test)]
pub(crate) mod samples;
mod sqs;
mod tamper;

pub use asff::{guardduty_type, FIELDS as ASFF_FIELDS};
pub use cloudtrail::CloudTrailRecord;
pub use custom_resource::{CustomResourceRequest, RequestKind};
pub use envelope::Envelope;
pub use guardduty::{AccessKeyDetails, Actor, Finding, Owner, FIELDS as GUARDDUTY_FIELDS};
pub use route::{route, route_payload, AccountEventKind, DepartureKind, Trigger};
pub use sqs::{SqsBatch, SqsRecord};
pub use tamper::{Caller, TamperEvent, TamperOperation};

use serde_json::Value;

/// Why a payload could not be read as an event we handle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not an EventBridge event: expected {missing}, found {found}")]
    NotAnEvent { missing: &'static str, found: String },
    #[error("{field}: expected {expected}; found {found}")]
    InvalidField {
        field: String,
        expected: &'static str,
        found: String,
    },
}

impl EventError {
    pub(crate) fn invalid(prefix: &str, path: &[&str], expected: &'static str, found: &Value) -> Self {
        let mut field = prefix.to_owned();
        for key in path {
            field.push('.');
            field.push_str(key);
        }
        Self::InvalidField {
            field,
            expected,
            found: fields::describe(found),
        }
    }
}
