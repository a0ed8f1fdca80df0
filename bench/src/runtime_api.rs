//! A stand-in for the Lambda Runtime API, enough for one cold start: it serves one event on
//! the first `GET /2018-06-01/runtime/invocation/next` and records when the function asked
//! for it (the end of init) and when it answered (the end of the first invoke).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

const REQUEST_ID: &str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
const TRACE_ID: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

/// How the function answered its invocation (or its init).
#[derive(Debug, Clone)]
pub struct Answer {
    pub at: Instant,
    /// The response body, or the error the function reported.
    pub body: Value,
    pub is_error: bool,
}

struct Shared {
    event: Mutex<Option<Value>>,
    function_arn: String,
    timeout: Duration,
    asked: watch::Sender<Option<Instant>>,
    answered: watch::Sender<Option<Answer>>,
    shutdown: watch::Sender<bool>,
}

/// One Runtime API endpoint on an ephemeral loopback port, for one execution environment.
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl RuntimeApi {
    /// `timeout` is the function's configured timeout: the invocation's deadline is now plus it.
    pub async fn start(function: &str, event: Value, timeout: Duration) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            event: Mutex::new(Some(event)),
            function_arn: format!("arn:aws:lambda:us-east-1:111111111111:function:{function}"),
            timeout,
            asked: watch::channel(None).0,
            answered: watch::channel(None).0,
            shutdown: watch::channel(false).0,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(report_error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// What `AWS_LAMBDA_RUNTIME_API` holds: host and port, no scheme.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// When the function first asked for an invocation.
    pub async fn asked(&self) -> Option<Instant> {
        let mut asked = self.shared.asked.subscribe();
        asked.wait_for(Option::is_some).await.ok().and_then(|at| *at)
    }

    /// The function's response to its invocation, or its init or invocation error.
    pub async fn answered(&self) -> Option<Answer> {
        let mut answered = self.shared.answered.subscribe();
        answered
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|answer| answer.clone())
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        // Releases the function's pending `next` request, then stops listening.
        self.shared.shutdown.send_replace(true);
        self.task.abort();
    }
}

fn epoch_millis(after: Duration) -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_add(after)
        .as_millis()
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let at = Instant::now();
    let event = shared.event.lock().ok().and_then(|mut event| event.take());
    let Some(event) = event else {
        // One invocation per environment here: the second request waits until the end, as
        // it would in a Lambda environment that receives no more events.
        let mut shutdown = shared.shutdown.subscribe();
        let _ = shutdown.wait_for(|stop| *stop).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    shared.asked.send_if_modified(|asked| {
        let first = asked.is_none();
        if first {
            *asked = Some(at);
        }
        first
    });
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", REQUEST_ID.to_owned());
    set("lambda-runtime-deadline-ms", epoch_millis(shared.timeout).to_string());
    set("lambda-runtime-invoked-function-arn", shared.function_arn.clone());
    set("lambda-runtime-trace-id", TRACE_ID.to_owned());
    set("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, event.to_string()).into_response()
}

fn record(shared: &Shared, body: &Bytes, is_error: bool) -> StatusCode {
    let at = Instant::now();
    let body =
        serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    shared.answered.send_replace(Some(Answer { at, body, is_error }));
    StatusCode::ACCEPTED
}

async fn respond(State(shared): State<Arc<Shared>>, Path(_id): Path<String>, body: Bytes) -> StatusCode {
    record(&shared, &body, false)
}

async fn report_error(State(shared): State<Arc<Shared>>, Path(_id): Path<String>, body: Bytes) -> StatusCode {
    record(&shared, &body, true)
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    record(&shared, &body, true)
}
