//! The sandbox's own endpoints (`/_sandbox/...`): its state, its request log and sinks,
//! and the CloudFormation answers it keeps.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use serde_json::Value;

use crate::sinks::{BusEvent, SecurityHubFinding, SqsMessage};
use crate::state::SandboxState;

use super::{lock, CloudFormationResponse, RequestRecord, Shared};

pub(super) async fn read_state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(serde_json::to_value(lock(&shared.state).as_ref()).unwrap_or_default())
}

/// Replaces the state (a test changes the world between calls: an account joins the
/// organization, a fault is set); one AWS could never be in is refused, saying why.
pub(super) async fn replace_state(State(shared): State<Arc<Shared>>, body: Bytes) -> (StatusCode, String) {
    let text = String::from_utf8_lossy(&body);
    match SandboxState::from_json("PUT /_sandbox/state", &text) {
        Ok(state) => {
            *lock(&shared.state) = Some(state);
            (StatusCode::OK, String::new())
        }
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()),
    }
}

pub(super) async fn read_requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RequestRecord>> {
    Json(lock(&shared.requests).clone())
}

pub(super) async fn read_sqs(State(shared): State<Arc<Shared>>) -> Json<Vec<SqsMessage>> {
    Json(lock(&shared.sinks).sqs.clone())
}

pub(super) async fn read_events(State(shared): State<Arc<Shared>>) -> Json<Vec<BusEvent>> {
    Json(lock(&shared.sinks).events.clone())
}

pub(super) async fn read_securityhub(State(shared): State<Arc<Shared>>) -> Json<Vec<SecurityHubFinding>> {
    Json(lock(&shared.sinks).findings.clone())
}

pub(super) async fn read_cloudformation(State(shared): State<Arc<Shared>>) -> Json<Vec<CloudFormationResponse>> {
    Json(lock(&shared.cloudformation).clone())
}

/// Keeps the answer; a path with an `expired` segment is refused as S3 refuses an expired
/// presigned URL (403), so tests can prove an undelivered answer fails the invocation.
pub(super) async fn answer_cloudformation(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if uri.path().split('/').any(|segment| segment == "expired") {
        return StatusCode::FORBIDDEN;
    }
    lock(&shared.cloudformation).push(CloudFormationResponse {
        path: uri.path().to_owned(),
        content_type: headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    StatusCode::OK
}
