//! CloudFormation custom resource requests, as CloudFormation invokes a function with them
//! (not an EventBridge event): the request types are `aws_lambda_events`', which ignore
//! fields added later (such as `ServiceTimeout` among the properties).

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use serde_json::{Map, Value};

use super::Envelope;

/// Create, Update or Delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Create,
    Update,
    Delete,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Update => "Update",
            Self::Delete => "Delete",
        }
    }
}

/// A request: where to answer, and what it asks. `problem` says why it cannot be acted
/// on, when it cannot: it is still answered (FAILED), since its ResponseURL is known.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomResourceRequest {
    pub kind: Option<RequestKind>,
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    /// Given with Update and Delete: the id our Create answered.
    pub physical_resource_id: Option<String>,
    pub properties: Map<String, Value>,
    pub problem: Option<String>,
}

fn text(payload: &Value, field: &str) -> String {
    payload
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl CustomResourceRequest {
    /// A payload carrying a `ResponseURL` and a `RequestType` is a custom resource request.
    pub fn detect(payload: &Value) -> Option<Self> {
        let response_url = payload.get("ResponseURL")?.as_str()?.to_owned();
        payload.get("RequestType")?;
        let mut request = Self {
            kind: None,
            response_url,
            stack_id: text(payload, "StackId"),
            request_id: text(payload, "RequestId"),
            logical_resource_id: text(payload, "LogicalResourceId"),
            physical_resource_id: payload
                .get("PhysicalResourceId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            properties: Map::new(),
            problem: None,
        };
        match serde_json::from_value::<CloudFormationCustomResourceRequest>(payload.clone()) {
            Ok(typed) => {
                let (kind, properties) = match typed {
                    CloudFormationCustomResourceRequest::Create(create) => {
                        (RequestKind::Create, create.resource_properties)
                    }
                    CloudFormationCustomResourceRequest::Update(update) => {
                        (RequestKind::Update, update.resource_properties)
                    }
                    CloudFormationCustomResourceRequest::Delete(delete) => {
                        (RequestKind::Delete, delete.resource_properties)
                    }
                };
                request.kind = Some(kind);
                match properties {
                    Value::Object(properties) => request.properties = properties,
                    other => {
                        request.problem = Some(format!(
                            "ResourceProperties: expected an object; found {}",
                            super::fields::describe(&other)
                        ))
                    }
                }
            }
            Err(error) => {
                request.problem = Some(format!(
                    "not a readable CloudFormation custom resource request: {error}"
                ))
            }
        }
        Some(request)
    }

    /// Sends the answer of the request in `payload` to `url` instead (the CLI and the bench,
    /// where the sandbox stands in for the presigned URL). False when it is no request.
    pub fn redirect(payload: &mut Value, url: &str) -> bool {
        match payload.as_object_mut() {
            Some(request) if request.contains_key("ResponseURL") => {
                request.insert("ResponseURL".to_owned(), Value::from(url));
                true
            }
            _ => false,
        }
    }

    /// The account in the stack's ARN (`arn:aws:cloudformation:REGION:ACCOUNT:stack/...`).
    pub fn stack_account(&self) -> Option<&str> {
        self.stack_id.split(':').nth(4).filter(|account| !account.is_empty())
    }

    /// The region in the stack's ARN.
    pub fn stack_region(&self) -> Option<&str> {
        self.stack_id.split(':').nth(3).filter(|region| !region.is_empty())
    }

    /// The envelope the runner gives handlers: the request's id, account and region.
    pub fn envelope(&self, payload: &Value) -> Envelope {
        Envelope {
            id: Some(self.request_id.clone()).filter(|id| !id.is_empty()),
            source: "aws.cloudformation".to_owned(),
            detail_type: "CloudFormation Custom Resource Request".to_owned(),
            account: self.stack_account().map(str::to_owned),
            time: None,
            region: self.stack_region().map(str::to_owned),
            resources: vec![self.stack_id.clone()],
            detail: payload.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The documented request format (CloudFormation User Guide, "Custom resource request
    /// objects"), with ServiceTimeout among the properties as CloudFormation passes it.
    fn create() -> Value {
        json!({
            "RequestType": "Create",
            "ServiceToken": "arn:aws:lambda:us-east-1:111111111111:function:configure-detective",
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=y",
            "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/detective-autopilot/5b4b0a40-0000-11ef-0000-0a1b2c3d4e5f",
            "RequestId": "3b5fd4a1-2c33-4bd2-8d38-1c1b7a0b2f6e",
            "ResourceType": "Custom::DetectiveSetup",
            "LogicalResourceId": "DetectiveSetup",
            "ResourceProperties": {
                "ServiceToken": "arn:aws:lambda:us-east-1:111111111111:function:configure-detective",
                "ServiceTimeout": "300",
                "Part": "graph"
            }
        })
    }

    #[test]
    fn a_documented_create_is_read_with_its_addressing() {
        let request = CustomResourceRequest::detect(&create());
        let Some(request) = request else { panic!("not detected") };
        assert_eq!(request.kind, Some(RequestKind::Create));
        assert_eq!(request.problem, None);
        assert_eq!(request.stack_account(), Some("111111111111"));
        assert_eq!(request.properties.get("Part"), Some(&json!("graph")));
        assert_eq!(request.physical_resource_id, None);
    }

    #[test]
    fn an_unreadable_request_is_still_detected_so_it_can_be_answered() {
        let mut payload = create();
        payload["RequestType"] = json!("Replace");
        let request = CustomResourceRequest::detect(&payload);
        let Some(request) = request else { panic!("not detected") };
        assert_eq!(request.kind, None);
        assert!(request.problem.is_some_and(|problem| problem.contains("Replace")));
        assert!(request.response_url.starts_with("https://"));
    }

    #[test]
    fn an_eventbridge_event_is_not_a_custom_resource_request() {
        let event = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        assert_eq!(CustomResourceRequest::detect(&event), None);
    }
}
