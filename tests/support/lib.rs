//! Helpers shared by the integration tests: a sandbox with the real SDK pointed at it,
//! standard states and events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;

use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use sandbox::{Account, Graph, Member, Organization, RegionState, Sandbox, SandboxState};
use serde_json::{json, Value};

pub const ADMIN: &str = "111111111111";
pub const MEMBER: &str = "222222222222";
pub const GRAPH: &str = "arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90";
pub const REGION: &str = "us-east-1";

/// One of the sandbox's own endpoints (`/_sandbox/...`) over plain HTTP: its JSON body,
/// asserting a 200.
pub async fn sandbox_get(addr: std::net::SocketAddr, path: &str) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap()
}

/// The folder of published payloads beside the checkout, when present.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/events-corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("NOTICE: {} is absent; corpus checks skipped", dir.display());
        None
    }
}

pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// "Now" in the tests: two days after the sample findings.
pub fn now() -> DateTime<Utc> {
    at("2026-11-22T12:00:00Z")
}

/// An administrator account with one graph in us-east-1 and one ENABLED member.
pub fn state() -> SandboxState {
    let mut state = SandboxState::empty(ADMIN);
    state.now = Some(now());
    state.organization = Some(Organization::new(
        "o-exampleorgid",
        "999999999999",
        [ADMIN, MEMBER, "333333333333"]
            .iter()
            .map(|id| Account::new(id, &format!("account-{id}"), &format!("{id}@example.com"), "ACTIVE"))
            .collect(),
    ));
    let graph = Graph {
        arn: GRAPH.into(),
        auto_enable: false,
        members: vec![Member::new(MEMBER, "222222222222@example.com", "ENABLED")],
    };
    state.regions.insert(
        REGION.into(),
        RegionState {
            // The organization behavior graph: ADMIN is Detective's delegated administrator.
            organization_admin_account_id: Some(ADMIN.into()),
            graphs: vec![graph],
            ..RegionState::default()
        },
    );
    state
}

pub async fn start(state: SandboxState) -> (Sandbox, SdkConfig) {
    let sandbox = Sandbox::start(state).await.unwrap();
    let sdk = shared::aws::local_sdk_config(&sandbox.endpoint(), REGION).await;
    (sandbox, sdk)
}

/// A GuardDuty Finding event about `user_type`/`user_name` in `account`.
pub fn finding_event(account: &str, user_type: &str, user_name: &str) -> Value {
    json!({
        "version": "0", "id": format!("event-{account}-{user_name}"), "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": ADMIN, "time": "2026-11-20T12:00:00Z", "region": REGION, "resources": [],
        "detail": {
            "schemaVersion": "2.0", "accountId": account, "region": REGION, "partition": "aws",
            "id": "f0", "type": "UnauthorizedAccess:IAMUser/TorIPCaller", "severity": 8,
            "resource": {"resourceType": "AccessKey", "accessKeyDetails": {
                "accessKeyId": "ASIAEXAMPLE", "principalId": "AIDAEXAMPLE", "userName": user_name, "userType": user_type}},
            "service": {"serviceName": "guardduty", "archived": false, "additionalInfo": {"sample": false},
                        "eventFirstSeen": "2026-11-20T09:12:31Z", "eventLastSeen": "2026-11-20T10:47:02Z"},
            "createdAt": "2026-11-20T09:20:11.412Z", "updatedAt": "2026-11-20T10:55:40.019Z"
        }
    })
}

/// The IAM actions behind the calls the sandbox served, sorted and unique.
pub fn actions_called(sandbox: &Sandbox) -> Vec<String> {
    let mut actions: Vec<String> = sandbox
        .requests()
        .into_iter()
        .map(|r| format!("{}:{}", r.service, r.operation))
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

pub fn sorted(actions: &[&str]) -> Vec<String> {
    let mut actions: Vec<String> = actions.iter().map(|a| (*a).to_owned()).collect();
    actions.sort();
    actions
}
