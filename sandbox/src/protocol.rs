//! The wire protocols the sandbox speaks, and service errors as each carries them:
//! Detective and Security Hub restJson1, Organizations and EventBridge awsJson1.1, SQS
//! awsJson1.0 (query-compatible), IAM and STS awsQuery (XML responses).

use serde_json::{Map, Value};

/// Which service a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Detective,
    Organizations,
    Iam,
    Sts,
    Sqs,
    EventBridge,
    SecurityHub,
    CloudTrail,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Self::Detective => "detective",
            Self::Organizations => "organizations",
            Self::Iam => "iam",
            Self::Sts => "sts",
            Self::Sqs => "sqs",
            Self::EventBridge => "events",
            Self::SecurityHub => "securityhub",
            Self::CloudTrail => "cloudtrail",
        }
    }

    /// The code a service uses for an invalid parameter.
    pub fn invalid_input(self) -> &'static str {
        match self {
            Self::Detective => "ValidationException",
            Self::Organizations => "InvalidInputException",
            Self::Iam => "InvalidInput",
            Self::Sts => "ValidationError",
            Self::Sqs => "InvalidParameterValue",
            Self::EventBridge => "ValidationException",
            Self::SecurityHub => "InvalidInputException",
            Self::CloudTrail => "InvalidParameterException",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    /// Members of the error shape besides the message (Detective's `ErrorCode`,
    /// Organizations' `Reason`).
    pub fields: Map<String, Value>,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            fields: Map::new(),
        }
    }

    pub fn with_field(mut self, name: &str, value: &str) -> Self {
        self.fields.insert(name.to_owned(), Value::from(value));
        self
    }

    /// Detective's ValidationException, with its `ErrorCode`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message).with_field("ErrorCode", "INVALID_REQUEST_BODY")
    }

    pub fn invalid_graph(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message).with_field("ErrorCode", "INVALID_GRAPH_ARN")
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new("AccessDeniedException", message)
    }

    /// Organizations' InvalidInputException, with its `Reason`.
    pub fn invalid_input(reason: &str, message: impl Into<String>) -> Self {
        Self::new("InvalidInputException", message).with_field("Reason", reason)
    }

    /// The HTTP status this error comes with from `service` (the models' error traits;
    /// awsJson1.1 sends 400 for client errors and 500 for faults).
    pub fn status(&self, service: Service) -> u16 {
        let code = self.code.as_str();
        match service {
            Service::Detective => match code {
                "ServiceQuotaExceededException" => 402,
                "AccessDeniedException" => 403,
                "ResourceNotFoundException" | "UnknownOperationException" => 404,
                "ConflictException" => 409,
                "TooManyRequestsException" => 429,
                "InternalServerException" => 500,
                "ServiceUnavailableException" => 503,
                _ => 400,
            },
            // awsJson: 400 for client errors, 500 for the models' faults.
            Service::Organizations | Service::Sqs | Service::EventBridge | Service::CloudTrail => match code {
                "ServiceException" | "InternalException" | "InternalFailure" => 500,
                "ServiceUnavailable" => 503,
                _ => 400,
            },
            // The `httpStatusCode` of Security Hub's error shapes.
            Service::SecurityHub => match code {
                "InvalidAccessException" => 401,
                "ServiceQuotaExceededException" => 402,
                "AccessDeniedException" => 403,
                "ResourceNotFoundException" | "UnknownOperationException" => 404,
                "ResourceConflictException" | "ConflictException" => 409,
                "LimitExceededException" | "ThrottlingException" => 429,
                "InternalException" | "InternalServerException" => 500,
                _ => 400,
            },
            Service::Iam | Service::Sts => match code {
                "AccessDenied" | "AccessDeniedException" | "RegionDisabledException" => 403,
                "NoSuchEntity" => 404,
                "LimitExceeded" | "EntityAlreadyExists" => 409,
                "ServiceFailure" | "InternalFailure" => 500,
                "ServiceUnavailable" => 503,
                _ => 400,
            },
        }
    }

    /// The JSON body of restJson1 and awsJson1.1 errors: the code in `__type` (awsJson
    /// reads it there; restJson reads the `x-amzn-ErrorType` header), the message under
    /// both spellings the SDKs accept, and the shape's other members.
    pub fn json_body(&self) -> Value {
        let mut body = self.fields.clone();
        body.insert("__type".to_owned(), Value::from(self.code.as_str()));
        body.insert("message".to_owned(), Value::from(self.message.as_str()));
        body.insert("Message".to_owned(), Value::from(self.message.as_str()));
        Value::Object(body)
    }

    /// SQS's awsQuery-compatible error code (the `x-amzn-query-error` header, which the SDK
    /// reads before the body's `__type`): the model's awsQueryError code where it has one.
    pub fn sqs_query_code(&self) -> &str {
        match self.code.as_str() {
            "QueueDoesNotExist" => "AWS.SimpleQueueService.NonExistentQueue",
            "UnsupportedOperation" => "AWS.SimpleQueueService.UnsupportedOperation",
            "KmsAccessDenied" => "KMS.AccessDeniedException",
            "KmsDisabled" => "KMS.DisabledException",
            "KmsInvalidKeyUsage" => "KMS.InvalidKeyUsageException",
            "KmsInvalidState" => "KMS.InvalidStateException",
            "KmsNotFound" => "KMS.NotFoundException",
            "KmsOptInRequired" => "KMS.OptInRequired",
            "KmsThrottled" => "KMS.ThrottlingException",
            other => other,
        }
    }

    /// The awsQuery error document.
    pub fn xml_body(&self, service: Service) -> String {
        let kind = if self.status(service) >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        format!(
            "<ErrorResponse><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{REQUEST_ID}</RequestId></ErrorResponse>",
            escape(&self.code),
            escape(&self.message)
        )
    }
}

pub const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

/// An awsQuery request body (`Action=GetRole&Version=...&RoleName=...`) as a flat map.
pub fn parse_query(body: &[u8]) -> Map<String, Value> {
    query_pairs(body)
        .into_iter()
        .map(|(key, value)| (key, Value::from(value)))
        .collect()
}

/// A query string's `name=value` pairs, decoded, in order; a name may repeat (a REST
/// list member such as UntagResource's `tagKeys=a&tagKeys=b`).
pub fn query_pairs(query: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(query)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

/// A URI path segment as the SDK percent-encodes it (`arn%3Aaws%3A...`), decoded; `+` is
/// itself there, not a space.
pub fn decode_path_segment(segment: &str) -> String {
    percent_decode(segment, false)
}

/// `%XX` escapes, and in query strings `+` for a space.
fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (byte, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                index += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                index += 1;
            }
            _ => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An awsQuery response: `<{Op}Response><{Op}Result>…</{Op}Result><ResponseMetadata>…`,
/// objects as elements, lists as `member` elements.
pub fn xml_response(operation: &str, namespace: &str, result: &Value) -> String {
    let mut xml = format!("<{operation}Response xmlns=\"{namespace}\"><{operation}Result>");
    write_xml(&mut xml, result);
    xml.push_str(&format!(
        "</{operation}Result><ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata></{operation}Response>"
    ));
    xml
}

fn write_xml(xml: &mut String, value: &Value) {
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter().filter(|(_, member)| !member.is_null()) {
                xml.push_str(&format!("<{name}>"));
                write_xml(xml, member);
                xml.push_str(&format!("</{name}>"));
            }
        }
        Value::Array(items) => {
            for item in items {
                xml.push_str("<member>");
                write_xml(xml, item);
                xml.push_str("</member>");
            }
        }
        Value::String(text) => xml.push_str(&escape(text)),
        Value::Null => {}
        other => xml.push_str(&other.to_string()),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_bodies_are_decoded() {
        let params = parse_query(b"Action=GetRole&Version=2010-05-08&RoleName=a%2Bb%3Dc&X=1+2");
        assert_eq!(params.get("RoleName"), Some(&Value::from("a+b=c")));
        assert_eq!(params.get("X"), Some(&Value::from("1 2")));
        assert_eq!(decode_path_segment("arn%3Aaws%3Ax+y"), "arn:aws:x+y");
        assert_eq!(
            query_pairs(b"tagKeys=a&tagKeys=b%2Bc"),
            vec![
                ("tagKeys".to_owned(), "a".to_owned()),
                ("tagKeys".to_owned(), "b+c".to_owned())
            ]
        );
    }

    #[test]
    fn xml_responses_wrap_the_result() {
        let xml = xml_response("GetRole", "ns", &json!({"Role": {"Path": "/", "RoleName": "a<b"}}));
        assert_eq!(
            xml,
            format!("<GetRoleResponse xmlns=\"ns\"><GetRoleResult><Role><Path>/</Path><RoleName>a&lt;b</RoleName></Role></GetRoleResult><ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata></GetRoleResponse>")
        );
    }

    #[test]
    fn statuses_follow_each_protocol() {
        let throttled = ApiError::new("TooManyRequestsException", "slow down");
        assert_eq!(throttled.status(Service::Detective), 429);
        assert_eq!(throttled.status(Service::Organizations), 400, "awsJson1.1 client error");
        assert_eq!(
            ApiError::new("ServiceException", "x").status(Service::Organizations),
            500
        );
        assert_eq!(ApiError::new("NoSuchEntity", "x").status(Service::Iam), 404);
    }
}
