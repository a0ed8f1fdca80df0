//! A CloudTrail record as carried in `detail` of "AWS API Call via CloudTrail" and
//! "AWS Service Event via CloudTrail" events, read leniently.
//!
//! `aws_lambda_events`' typed CloudTrail struct requires `userIdentity.type`, which
//! service events (CreateAccountResult, CloseAccountResult, Control Tower lifecycle
//! events) do not carry, so we read only what routing needs.

use serde_json::Value;

use super::{fields, EventError};

const PREFIX: &str = "event.detail";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CloudTrailRecord {
    pub event_name: Option<String>,
    pub event_source: Option<String>,
    /// Set when the call failed: nothing happened.
    pub error_code: Option<String>,
    /// The account that made the call.
    pub caller_account_id: Option<String>,
    pub recipient_account_id: Option<String>,
    pub request_parameters: Option<Value>,
    pub response_elements: Option<Value>,
    pub service_event_details: Option<Value>,
    /// The record's `resources` list (ARNs and types of what the call touched).
    pub resources: Option<Value>,
}

impl CloudTrailRecord {
    pub fn from_detail(detail: &Value) -> Result<Self, EventError> {
        let text = |path: &[&str]| fields::string(detail, PREFIX, path);
        let object = |path: &[&str]| fields::object(detail, PREFIX, path);
        Ok(Self {
            event_name: text(&["eventName"])?,
            event_source: text(&["eventSource"])?,
            error_code: text(&["errorCode"])?,
            caller_account_id: text(&["userIdentity", "accountId"])?,
            recipient_account_id: text(&["recipientAccountId"])?,
            request_parameters: object(&["requestParameters"])?,
            response_elements: object(&["responseElements"])?,
            service_event_details: object(&["serviceEventDetails"])?,
            resources: fields::lookup(detail, &["resources"])
                .filter(|value| value.is_array())
                .cloned(),
        })
    }

    /// A string under `requestParameters`.
    pub fn request_string(&self, path: &[&str]) -> Result<Option<String>, EventError> {
        self.nested_string(self.request_parameters.as_ref(), "event.detail.requestParameters", path)
    }

    /// A string under `responseElements`.
    pub fn response_string(&self, path: &[&str]) -> Result<Option<String>, EventError> {
        self.nested_string(self.response_elements.as_ref(), "event.detail.responseElements", path)
    }

    /// A string under `serviceEventDetails`.
    pub fn service_detail_string(&self, path: &[&str]) -> Result<Option<String>, EventError> {
        self.nested_string(
            self.service_event_details.as_ref(),
            "event.detail.serviceEventDetails",
            path,
        )
    }

    fn nested_string(&self, root: Option<&Value>, prefix: &str, path: &[&str]) -> Result<Option<String>, EventError> {
        match root {
            Some(root) => fields::string(root, prefix, path),
            None => Ok(None),
        }
    }
}
