//! The HTTP server: one loopback port serving both APIs, the request log and the state.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::api_error::ApiError;
use crate::state::SandboxState;
use crate::{detective, organizations};

/// One served call, as `GET /_sandbox/requests` returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    pub operation: String,
    pub region: String,
    pub parameters: Value,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<Option<SandboxState>>,
    requests: Mutex<Vec<RequestRecord>>,
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

    pub async fn bind(state: SandboxState, addr: SocketAddr) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(Some(state)),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/_sandbox/state", get(read_state))
            .route("/_sandbox/requests", get(read_requests))
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

async fn read_state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(serde_json::to_value(lock(&shared.state).as_ref()).unwrap_or_default())
}

async fn read_requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RequestRecord>> {
    Json(lock(&shared.requests).clone())
}

/// The region from the SigV4 credential scope (`Credential=AKID/date/REGION/service/aws4_request`).
fn signed_region(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|scope| scope.split('/').nth(2))
        .unwrap_or("us-east-1")
        .to_owned()
}

fn operation(method: &Method, uri: &Uri, headers: &HeaderMap) -> Option<(&'static str, String)> {
    if let Some(target) = headers.get("x-amz-target").and_then(|value| value.to_str().ok()) {
        let name = target.strip_prefix(organizations::TARGET_PREFIX)?;
        return Some(("organizations", name.to_owned()));
    }
    detective::operation_for(method.as_str(), uri.path()).map(|name| ("detective", name.to_owned()))
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let region = signed_region(&headers);
    let Some((service, name)) = operation(&method, &uri, &headers) else {
        let error = ApiError::new(
            "UnknownOperationException",
            format!("{method} {} is not an operation the sandbox serves", uri.path()),
        );
        return error_response(&error);
    };
    let parameters: Value = if body.is_empty() {
        Value::Object(serde_json::Map::new())
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(error) => return error_response(&ApiError::new("SerializationException", error.to_string())),
        }
    };
    let latency = lock(&shared.state).as_ref().map_or(0, |state| state.latency_ms);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let result = {
        let mut guard = lock(&shared.state);
        match guard.as_mut() {
            None => Err(ApiError::new("InternalServerException", "sandbox has no state")),
            Some(state) => match injected_fault(state, &name, &region) {
                Some(fault) => Err(fault),
                None if service == "organizations" => organizations::call(state, &name, &parameters),
                None => detective::call(state, &region, &name, &parameters),
            },
        }
    };
    let (status, error) = match &result {
        Ok(_) => (200, None),
        Err(error) => (error.status, Some(format!("{}: {}", error.code, error.message))),
    };
    lock(&shared.requests).push(RequestRecord {
        operation: name,
        region,
        parameters,
        status,
        error,
    });
    match result {
        Ok(body) => (StatusCode::OK, Json(strip_nulls(body))).into_response(),
        Err(error) => error_response(&error),
    }
}

/// Consumes one use of the first fault matching the call.
fn injected_fault(state: &mut SandboxState, operation: &str, region: &str) -> Option<ApiError> {
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

fn error_response(error: &ApiError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, Json(error.body())).into_response();
    if let Ok(code) = HeaderValue::from_str(&error.code) {
        response.headers_mut().insert("x-amzn-errortype", code);
    }
    response
}

/// AWS omits absent members rather than sending `null`.
fn strip_nulls(value: Value) -> Value {
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
