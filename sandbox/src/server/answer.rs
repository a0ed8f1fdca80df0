//! Each call's answer as its protocol sends it (JSON, query XML, REST), its error body,
//! and the faults and slow answers the state asks for.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::protocol::{xml_response, ApiError, Service};
use crate::state::SandboxState;

/// The response as each protocol sends it, and what the traffic log keeps of it. `status`
/// is the call's; a 204 has no body (the traffic log keeps the empty output, `{}`).
pub(super) fn render(
    service: Service,
    operation: &str,
    status: u16,
    result: Result<Value, ApiError>,
) -> (Response, Value) {
    match (service, result) {
        (Service::Iam | Service::Sts, result) => {
            let (status, xml) = match result {
                Ok(body) => (200, xml_response(operation, namespace(service), &strip_nulls(body))),
                Err(error) => (error.status(service), error.xml_body(service)),
            };
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let response = (code, [("content-type", "text/xml")], xml.clone()).into_response();
            (response, Value::from(xml))
        }
        (_, Ok(body)) if status == 204 => (StatusCode::NO_CONTENT.into_response(), strip_nulls(body)),
        (_, Ok(body)) => {
            let body = strip_nulls(body);
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (code, Json(body.clone())).into_response();
            if let Some(content_type) = aws_json_content_type(service) {
                response
                    .headers_mut()
                    .insert("content-type", HeaderValue::from_static(content_type));
            }
            (response, body)
        }
        (_, Err(error)) => (json_error(service, &error), error_body(service, &error)),
    }
}

/// The awsJson protocols' Content-Type (restJson1 answers `application/json`).
pub(super) fn aws_json_content_type(service: Service) -> Option<&'static str> {
    match service {
        Service::Organizations | Service::EventBridge | Service::CloudTrail => Some("application/x-amz-json-1.1"),
        Service::Sqs => Some("application/x-amz-json-1.0"),
        _ => None,
    }
}

/// A JSON error body as each service sends it: SQS names the shape with its namespace
/// (`com.amazonaws.sqs#QueueDoesNotExist`); Security Hub's error shapes carry a `Code`.
pub(super) fn error_body(service: Service, error: &ApiError) -> Value {
    let mut body = error.json_body();
    if let Value::Object(members) = &mut body {
        match service {
            Service::Sqs => {
                members.insert(
                    "__type".to_owned(),
                    Value::from(format!("com.amazonaws.sqs#{}", error.code)),
                );
            }
            Service::SecurityHub => {
                members
                    .entry("Code")
                    .or_insert_with(|| Value::from(error.code.as_str()));
            }
            _ => {}
        }
    }
    body
}

pub(super) fn namespace(service: Service) -> &'static str {
    match service {
        Service::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        _ => "https://iam.amazonaws.com/doc/2010-05-08/",
    }
}

/// How late the answer to this call comes (0: on time).
pub(super) fn slow_answer_ms(state: &SandboxState, operation: &str, region: &str) -> u64 {
    state
        .slow_answers
        .iter()
        .find(|slow| slow.operation == operation && slow.region.as_deref().is_none_or(|only| only == region))
        .map_or(0, |slow| slow.latency_ms)
}

/// Consumes one use of the first fault matching the call.
pub(super) fn injected_fault(state: &mut SandboxState, operation: &str, region: &str) -> Option<ApiError> {
    let fault = state.faults.iter_mut().find(|fault| {
        fault.operation == operation
            && fault.region.as_deref().is_none_or(|only| only == region)
            && fault.times.is_none_or(|times| times > 0)
    })?;
    if let Some(times) = fault.times.as_mut() {
        *times -= 1;
    }
    Some(ApiError::new(
        &fault.error,
        format!("injected fault: {} on {operation}", fault.error),
    ))
}

pub(super) fn json_error(service: Service, error: &ApiError) -> Response {
    let status = StatusCode::from_u16(error.status(service)).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, Json(error_body(service, error))).into_response();
    let headers = response.headers_mut();
    if let Ok(code) = HeaderValue::from_str(&error.code) {
        headers.insert("x-amzn-errortype", code);
    }
    if let Some(content_type) = aws_json_content_type(service) {
        headers.insert("content-type", HeaderValue::from_static(content_type));
    }
    // SQS is awsQuery-compatible: the SDK takes the code from this header
    // (`AWS.SimpleQueueService.NonExistentQueue;Sender`) before the body's `__type`.
    if service == Service::Sqs {
        let kind = if status.is_server_error() { "Receiver" } else { "Sender" };
        if let Ok(value) = HeaderValue::from_str(&format!("{};{kind}", error.sqs_query_code())) {
            headers.insert("x-amzn-query-error", value);
        }
    }
    response
}

/// AWS omits absent members rather than sending `null`.
pub(super) fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| (key, strip_nulls(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
