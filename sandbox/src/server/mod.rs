//! The HTTP server: one loopback port serving every API, the recording sinks, the request
//! log and the state.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use axum::response::Response;
use axum::routing::{get, put};
use axum::Router;
use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use chrono::Utc;

use crate::cloudtrail;
use crate::detective::{self, Call};
use crate::iam::{self, account_of_key};
use crate::organizations;
use crate::protocol::{parse_query, query_pairs, ApiError, Service};
use crate::sinks::{self, eventbridge, securityhub, sqs, BusEvent, SecurityHubFinding, Sinks, SqsMessage};
use crate::state::SandboxState;
use crate::traffic::{Exchange, TrafficLog};

mod answer;
mod control;

use answer::{injected_fault, json_error, render, slow_answer_ms};
use control::{
    answer_cloudformation, read_cloudformation, read_events, read_requests, read_securityhub, read_sqs, read_state,
    replace_state,
};

/// One served call, as `GET /_sandbox/requests` returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    /// `detective`, `organizations`, `iam`, `sts`, `sqs`, `events`, `securityhub` or
    /// `cloudtrail`: the IAM action's prefix (its name is the Service Authorization
    /// Reference's for the operation).
    pub service: &'static str,
    pub operation: String,
    pub region: String,
    pub parameters: Value,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The access key the request was signed with (its credential scope): who called.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub access_key_id: String,
    /// The session's ARN when the key is one the sandbox's AssumeRole issued
    /// (`arn:<partition>:sts::<account>:assumed-role/<role>/<session>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_arn: Option<String>,
}

/// A custom resource's answer, PUT to the sandbox standing in for CloudFormation's presigned
/// ResponseURL (`/_sandbox/cloudformation/...`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudFormationResponse {
    pub path: String,
    /// The Content-Type header, if one was sent (the presigned URL is signed without one).
    pub content_type: Option<String>,
    pub body: Value,
}

struct Shared {
    state: Mutex<Option<SandboxState>>,
    requests: Mutex<Vec<RequestRecord>>,
    cloudformation: Mutex<Vec<CloudFormationResponse>>,
    /// What SendMessage, PutEvents and BatchImportFindings recorded. Locked after `state`
    /// when both are held.
    sinks: Mutex<Sinks>,
    /// Every exchange, for the model check (`SANDBOX_TRAFFIC_DIR`).
    traffic: Option<TrafficLog>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler cannot panic while holding the lock (no panics in this crate), so
    // poisoning is not expected; recover the data rather than fail the call.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running sandbox; stops when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// Starts on an ephemeral loopback port.
    pub async fn start(state: SandboxState) -> std::io::Result<Self> {
        Self::bind(state, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts without writing the traffic log: for tests that send requests AWS would
    /// refuse on purpose, to prove the sandbox refuses them too. Those requests are not our
    /// code's, so the model check must not see them.
    pub async fn start_for_invalid_requests(state: SandboxState) -> std::io::Result<Self> {
        Self::serve(state, SocketAddr::from(([127, 0, 0, 1], 0)), None).await
    }

    pub async fn bind(state: SandboxState, addr: SocketAddr) -> std::io::Result<Self> {
        Self::serve(state, addr, TrafficLog::from_env()).await
    }

    async fn serve(state: SandboxState, addr: SocketAddr, traffic: Option<TrafficLog>) -> std::io::Result<Self> {
        // A state AWS could never be in makes every test built on it meaningless.
        state
            .check()
            .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidInput, message))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(Some(state)),
            requests: Mutex::new(Vec::new()),
            cloudformation: Mutex::new(Vec::new()),
            sinks: Mutex::new(Sinks::default()),
            traffic,
        });
        let app = Router::new()
            .route("/_sandbox/state", get(read_state).put(replace_state))
            .route("/_sandbox/requests", get(read_requests))
            .route("/_sandbox/cloudformation", get(read_cloudformation))
            .route("/_sandbox/cloudformation/{*rest}", put(answer_cloudformation))
            .route("/_sandbox/sqs", get(read_sqs))
            .route("/_sandbox/events", get(read_events))
            .route("/_sandbox/securityhub", get(read_securityhub))
            .fallback(dispatch)
            .with_state(shared.clone());
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
        Ok(Self { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What `AWS_ENDPOINT_URL` should be.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> SandboxState {
        lock(&self.shared.state)
            .clone()
            .unwrap_or_else(|| SandboxState::empty(""))
    }

    /// Changes the state in place (tests: add faults between calls).
    pub fn update(&self, change: impl FnOnce(&mut SandboxState)) {
        if let Some(state) = lock(&self.shared.state).as_mut() {
            change(state);
        }
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).clone()
    }

    /// Calls to `operation` so far, failed ones included.
    pub fn count(&self, operation: &str) -> usize {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }

    /// The custom resource answers received, in order.
    pub fn cloudformation_responses(&self) -> Vec<CloudFormationResponse> {
        lock(&self.shared.cloudformation).clone()
    }

    /// The messages SendMessage accepted, in order.
    pub fn sqs_messages(&self) -> Vec<SqsMessage> {
        lock(&self.shared.sinks).sqs.clone()
    }

    /// The events PutEvents accepted, in order.
    pub fn events(&self) -> Vec<BusEvent> {
        lock(&self.shared.sinks).events.clone()
    }

    /// The findings BatchImportFindings holds, one per `(ProductArn, Id)`, in the order
    /// they were created.
    pub fn security_hub_findings(&self) -> Vec<SecurityHubFinding> {
        lock(&self.shared.sinks).findings.clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Serves until the process ends (for `autopilot sandbox serve`).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// From the SigV4 credential scope (`Credential=AKID/date/REGION/SERVICE/aws4_request`):
/// the access key id, the region and the signing service.
fn credential_scope(headers: &HeaderMap) -> (String, String, String) {
    let scope: Vec<&str> = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|scope| scope.split(',').next())
        .map(|scope| scope.split('/').collect())
        .unwrap_or_default();
    let part = |index: usize, default: &str| scope.get(index).map_or_else(|| default.to_owned(), |s| (*s).to_owned());
    (part(0, ""), part(2, "us-east-1"), part(3, ""))
}

/// The service and operation of a request, and its parameters as the request log keeps them.
fn route(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signing_service: &str,
    body: &[u8],
) -> Result<(Service, String, Value), ApiError> {
    if let Some(target) = headers.get("x-amz-target").and_then(|value| value.to_str().ok()) {
        let (service, name) = [
            (Service::Organizations, organizations::TARGET_PREFIX),
            (Service::Sqs, sqs::TARGET_PREFIX),
            (Service::EventBridge, eventbridge::TARGET_PREFIX),
            (Service::CloudTrail, cloudtrail::TARGET_PREFIX),
            (Service::CloudTrail, cloudtrail::LONG_TARGET_PREFIX),
        ]
        .into_iter()
        .find_map(|(service, prefix)| target.strip_prefix(prefix).map(|name| (service, name)))
        .ok_or_else(|| ApiError::new("UnknownOperationException", format!("target {target} is not served")))?;
        return Ok((service, name.to_owned(), json_body(body)?));
    }
    if signing_service == "iam" || signing_service == "sts" {
        let service = if signing_service == "iam" {
            Service::Iam
        } else {
            Service::Sts
        };
        let params = parse_query(body);
        let action = params
            .get("Action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        return Ok((service, action, Value::Object(params)));
    }
    if let Some(name) = securityhub::operation_for(method.as_str(), uri.path()) {
        return Ok((Service::SecurityHub, name.to_owned(), json_body(body)?));
    }
    let (name, uri_members) = detective::operation_for(method.as_str(), uri.path()).ok_or_else(|| {
        ApiError::new(
            "UnknownOperationException",
            format!("{method} {} is not an operation the sandbox serves", uri.path()),
        )
    })?;
    let mut parameters = json_body(body)?;
    if let Value::Object(members) = &mut parameters {
        members.extend(uri_members);
        for (key, value) in query_pairs(uri.query().unwrap_or_default().as_bytes()) {
            let entry = members.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(values) = entry {
                values.push(Value::from(value));
            }
        }
    }
    Ok((Service::Detective, name.to_owned(), parameters))
}

/// A request as the sandbox reads it before serving it: the service (as the request log
/// names it), the operation, the region of its credential scope, and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedRequest {
    pub service: &'static str,
    pub operation: String,
    pub region: String,
    pub parameters: Value,
}

/// Decodes a raw request exactly as the server does before serving it (the credential
/// scope, then the service, operation and parameters), without serving it. `Err` is the
/// error the sandbox would answer (`Code: message`), or why the parts make no HTTP request.
pub fn decode_request(
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<DecodedRequest, String> {
    let method = Method::from_bytes(method.as_bytes()).map_err(|error| format!("not an HTTP method: {error}"))?;
    let target = match query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let uri = Uri::try_from(target).map_err(|error| format!("not a request target: {error}"))?;
    let mut header_map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|error| format!("not a header name: {error}"))?;
        let value =
            HeaderValue::from_bytes(value.as_bytes()).map_err(|error| format!("not a header value: {error}"))?;
        header_map.append(name, value);
    }
    let (_, region, signing_service) = credential_scope(&header_map);
    let (service, operation, parameters) = route(&method, &uri, &header_map, &signing_service, body)
        .map_err(|error| format!("{}: {}", error.code, error.message))?;
    Ok(DecodedRequest {
        service: service.name(),
        operation,
        region,
        parameters,
    })
}

fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|error| ApiError::new("SerializationException", error.to_string()))
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (access_key, region, signing_service) = credential_scope(&headers);
    let (service, name, parameters) = match route(&method, &uri, &headers, &signing_service, &body) {
        Ok(routed) => routed,
        Err(error) => return json_error(Service::Detective, &error),
    };
    let latency = lock(&shared.state).as_ref().map_or(0, |state| state.latency_ms);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let (result, injected, slow, caller_arn) = {
        let mut guard = lock(&shared.state);
        match guard.as_mut() {
            None => (
                Err(ApiError::new("InternalServerException", "sandbox has no state")),
                false,
                0,
                None,
            ),
            Some(state) => {
                let caller_arn = state.assumed_sessions.get(&access_key).cloned();
                let slow = slow_answer_ms(state, &name, &region);
                match injected_fault(state, &name, &region) {
                    Some(fault) => (Err(fault), true, slow, caller_arn),
                    None => {
                        let mut sinks = lock(&shared.sinks);
                        let served = serve(state, &mut sinks, service, &name, &region, &access_key, &parameters);
                        (served, false, slow, caller_arn)
                    }
                }
            }
        }
    };
    let status = match &result {
        Ok(_) if service == Service::Detective => detective::success_status(&name),
        Ok(_) => 200,
        Err(error) => error.status(service),
    };
    lock(&shared.requests).push(RequestRecord {
        service: service.name(),
        operation: name.clone(),
        region,
        parameters: parameters.clone(),
        status,
        error: result
            .as_ref()
            .err()
            .map(|error| format!("{}: {}", error.code, error.message)),
        access_key_id: access_key.clone(),
        caller_arn,
    });
    // A slow answer: the call has taken effect (or failed) above; only the answer is late.
    if slow > 0 {
        tokio::time::sleep(Duration::from_millis(slow)).await;
    }
    let (response, logged) = render(service, &name, status, result);
    if let Some(traffic) = &shared.traffic {
        traffic.record(&Exchange {
            service: service.name(),
            operation: &name,
            method: method.as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or_default(),
            request: &parameters,
            status,
            response: &logged,
            injected,
        });
    }
    response
}

fn serve(
    state: &mut SandboxState,
    sinks: &mut Sinks,
    service: Service,
    name: &str,
    region: &str,
    access_key: &str,
    parameters: &Value,
) -> Result<Value, ApiError> {
    let caller = account_of_key(access_key)
        .unwrap_or(&state.caller_account_id)
        .to_owned();
    let now = state.now.unwrap_or_else(Utc::now);
    let stuck = state.stuck_paging.iter().any(|stuck| stuck == name);
    // A stuck service ignores the token it handed out: it always starts over.
    let unstuck;
    let parameters = if stuck {
        let mut copy = parameters.clone();
        if let Value::Object(members) = &mut copy {
            members.remove("NextToken");
        }
        unstuck = copy;
        &unstuck
    } else {
        parameters
    };
    let empty = serde_json::Map::new();
    let params = parameters.as_object().unwrap_or(&empty);
    let call = Call {
        region,
        caller: &caller,
        now,
        body: parameters,
    };
    let served = match service {
        Service::Organizations => organizations::call(state, &caller, name, parameters),
        Service::Detective => detective::call(state, name, &call),
        Service::Iam => iam::iam_call(state, &caller, name, params),
        Service::Sts => iam::sts_call(state, name, params),
        Service::Sqs => sinks::sqs::call(sinks, name, &call),
        Service::EventBridge => sinks::eventbridge::call(sinks, name, &call),
        Service::SecurityHub => sinks::securityhub::call(sinks, name, &call),
        Service::CloudTrail => cloudtrail::call(state, &caller, region, name, parameters),
    }?;
    Ok(if stuck { stuck_page(served) } else { served })
}

/// The page a stuck service answers: every list empty, and always the same NextToken.
fn stuck_page(page: Value) -> Value {
    match page {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(key, value)| match value {
                    Value::Array(_) => (key, Value::Array(Vec::new())),
                    other => (key, other),
                })
                .chain([("NextToken".to_owned(), Value::from("stuck-page-token"))])
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/detective/aws4_request, SignedHeaders=host, Signature=0";

    #[test]
    fn decodes_each_protocol_as_the_server_does() {
        let members = decode_request(
            "POST",
            "/graph/members/list",
            None,
            &[("authorization", SIGNED)],
            br#"{"GraphArn": "arn:aws:detective:eu-west-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90"}"#,
        );
        assert_eq!(
            members.map(|decoded| (decoded.service, decoded.operation, decoded.region)),
            Ok(("detective", "ListMembers".to_owned(), "eu-west-1".to_owned()))
        );
        let untag = decode_request(
            "DELETE",
            "/tags/arn%3Aaws%3Ax",
            Some("tagKeys=a&tagKeys=b%2Bc"),
            &[],
            b"",
        );
        assert_eq!(
            untag.map(|decoded| decoded.parameters),
            Ok(json!({"ResourceArn": "arn:aws:x", "tagKeys": ["a", "b+c"]}))
        );
        let accounts = decode_request(
            "POST",
            "/",
            None,
            &[("x-amz-target", "AWSOrganizationsV20161128.ListAccounts")],
            b"{}",
        );
        assert_eq!(
            accounts.map(|decoded| (decoded.service, decoded.operation)),
            Ok(("organizations", "ListAccounts".to_owned()))
        );
        let role = decode_request(
            "POST",
            "/",
            None,
            &[(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request",
            )],
            b"Action=GetRole&RoleName=a%2Bb",
        );
        assert_eq!(
            role.map(|decoded| (
                decoded.service,
                decoded.operation,
                decoded.parameters.get("RoleName").cloned()
            )),
            Ok(("iam", "GetRole".to_owned(), Some(json!("a+b"))))
        );
    }

    #[test]
    fn refuses_what_it_cannot_serve_with_the_error_it_answers() {
        assert_eq!(
            decode_request("GET", "/nowhere", None, &[], b"").err(),
            Some("UnknownOperationException: GET /nowhere is not an operation the sandbox serves".to_owned())
        );
        let broken = decode_request("POST", "/graphs/list", None, &[], b"{")
            .err()
            .unwrap_or_default();
        assert!(broken.starts_with("SerializationException: "), "{broken}");
        assert!(decode_request("GE T", "/", None, &[], b"").is_err());
        assert!(decode_request("GET", "/ spaced", None, &[], b"").is_err());
        assert!(decode_request("GET", "/", None, &[("bad name", "x")], b"").is_err());
    }
}
