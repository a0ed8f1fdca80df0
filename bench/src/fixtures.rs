//! The sample events and organizations the scenarios use, built from `events/`.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sandbox::{Account, Graph, Member, Organization, RegionState};
use serde_json::{json, Value};

pub const ADMIN: &str = "111111111111";
pub const MANAGEMENT: &str = "999999999999";
pub const TRUSTED_ADMIN: &str = "777777777777";

const FINDING: &str = include_str!("../../events/guardduty-finding-iam-user-first-delivery.json");
const NEW_MANAGED_ACCOUNT: &str = include_str!("../../events/controltower-create-managed-account.json");
const SCHEDULED: &str = include_str!("../../events/scheduled-event.json");
const SETUP_CREATE: &str = include_str!("../../events/cloudformation/create-graph.json");

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

pub fn scheduled_event() -> Value {
    parse(SCHEDULED)
}

/// The demo organization with one investigation to report on (it completes at the first
/// GetInvestigation).
pub fn demo_with_investigation() -> sandbox::SandboxState {
    let mut state = sandbox::SandboxState::demo();
    let at = Utc::now();
    if let Some(region) = state.regions.get_mut("us-east-1") {
        region.investigations.push(sandbox::Investigation {
            id: "000000000000000000001".to_owned(),
            graph_arn: DEMO_GRAPH.to_owned(),
            entity_arn: "arn:aws:iam::222222222222:user/ci-deployer".to_owned(),
            status: "RUNNING".to_owned(),
            state: "ACTIVE".to_owned(),
            severity: "INFORMATIONAL".to_owned(),
            created_time: at,
            scope_start_time: at - Duration::hours(3),
            scope_end_time: at,
        });
    }
    state
}

const DEMO_GRAPH: &str = "arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// report-investigations' batch: the report request for that investigation.
pub fn report_batch() -> Value {
    let body = json!({"version": 1, "graph_arn": DEMO_GRAPH, "investigation_id": "000000000000000000001",
        "entity_arn": "arn:aws:iam::222222222222:user/ci-deployer", "region": "us-east-1",
        "finding": {"id": "aab6e6ee780ed494f3b7ca56acdc74d1", "type": "UnauthorizedAccess:IAMUser/TorIPCaller", "severity": 8.0}});
    json!({"Records": [{"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d", "receiptHandle": "handle",
        "body": body.to_string(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:111111111111:detective-autopilot-reports", "awsRegion": "us-east-1"}]})
}

/// configure-detective's Create of the administrator's setup (its answer goes to the sandbox).
pub fn setup_create_event() -> Value {
    parse(SETUP_CREATE)
}

pub fn new_managed_account_event() -> Value {
    parse(NEW_MANAGED_ACCOUNT)
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The sample IAM-user finding, seen two to three hours before `now` (so that its scope is in
/// the past and the de-duplication window covers what it starts), about `user_type`/`name`
/// in `account`.
pub fn finding(now: DateTime<Utc>, number: usize, account: &str, user_type: &str, name: &str) -> Value {
    let mut event = parse(FINDING);
    let fields = [
        ("/id", json!(format!("bench-{number:08}"))),
        ("/detail/id", json!(format!("{number:032x}"))),
        ("/detail/accountId", json!(account)),
        ("/detail/resource/accessKeyDetails/userType", json!(user_type)),
        ("/detail/resource/accessKeyDetails/userName", json!(name)),
        (
            "/detail/service/eventFirstSeen",
            json!(rfc3339(now - Duration::hours(3))),
        ),
        (
            "/detail/service/eventLastSeen",
            json!(rfc3339(now - Duration::hours(2))),
        ),
        ("/detail/createdAt", json!(rfc3339(now - Duration::hours(3)))),
        ("/detail/updatedAt", json!(rfc3339(now - Duration::hours(2)))),
    ];
    for (pointer, value) in fields {
        if let Some(slot) = event.pointer_mut(pointer) {
            *slot = value;
        }
    }
    event
}

/// The finding of the cold start: the sample's user, in the demo organization's dev account.
pub fn cold_start_finding(now: DateTime<Utc>) -> Value {
    finding(now, 1, "222222222222", "IAMUser", "ci-deployer")
}

/// Twelve-digit account ids from `first` on.
pub fn account_ids(first: u64, count: usize) -> Vec<String> {
    (0..count as u64).map(|n| format!("{:012}", first + n)).collect()
}

pub fn graph_arn(region: &str) -> String {
    format!("arn:aws:detective:{region}:{ADMIN}:graph:00000000000000000000000000be0c40")
}

/// An organization of `size` ACTIVE accounts, the administrator and management accounts among them.
pub fn organization(size: usize) -> Organization {
    let others = account_ids(200_000_000_000, size.saturating_sub(2));
    let accounts = [ADMIN.to_owned(), MANAGEMENT.to_owned()]
        .into_iter()
        .chain(others)
        .take(size)
        .map(|id| {
            Account::new(
                &id,
                &format!("account-{id}"),
                &format!("aws+{id}@example.com"),
                "ACTIVE",
            )
        })
        .collect();
    Organization::new("o-benchorg000", MANAGEMENT, accounts)
}

/// One graph of the administrator in `region`, with `members` ENABLED.
pub fn region_with_graph(region: &str, members: &[String], auto_enable: bool) -> RegionState {
    RegionState {
        organization_admin_account_id: Some(ADMIN.to_owned()),
        graphs: vec![Graph {
            arn: graph_arn(region),
            auto_enable,
            members: members
                .iter()
                .map(|id| Member::new(id, &format!("aws+{id}@example.com"), "ENABLED"))
                .collect(),
        }],
        ..RegionState::default()
    }
}
