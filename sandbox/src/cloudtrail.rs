//! CloudTrail (awsJson1.1, `X-Amz-Target: CloudTrail_20131101.<Operation>` as the SDKs send it
//! from the Smithy model, or botocore's `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.`),
//! read-only, as far as `autopilot status` needs it: DescribeTrails, GetTrailStatus,
//! GetEventSelectors. Which trail logs whose management events decides whether EventBridge
//! receives "AWS API Call via CloudTrail" events at all.
//!
//! Documented: a multi-region trail has shadow copies in every other region; an
//! organization trail of the management account logs every account of the organization, and
//! member accounts see it (a shadow) but must name it by ARN. Not documented, the sandbox's
//! choice: a member account may read an organization trail's status and event selectors by
//! its ARN.

use serde_json::{json, Value};

use crate::protocol::ApiError;
use crate::state::{SandboxState, Trail};

pub const TARGET_PREFIX: &str = "CloudTrail_20131101.";
/// The same target as botocore's model writes it (its `targetPrefix`).
pub const LONG_TARGET_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

pub fn call(
    state: &SandboxState,
    caller: &str,
    region: &str,
    operation: &str,
    body: &Value,
) -> Result<Value, ApiError> {
    match operation {
        "DescribeTrails" => describe_trails(state, caller, region, body),
        "GetTrailStatus" => {
            let trail = named(state, caller, region, body, "Name")?;
            Ok(json!({"IsLogging": trail.logging}))
        }
        "GetEventSelectors" => {
            let trail = named(state, caller, region, body, "TrailName")?;
            Ok(event_selectors(state, trail))
        }
        other => Err(ApiError::new(
            "UnsupportedOperationException",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

fn arn(state: &SandboxState, trail: &Trail) -> String {
    format!(
        "arn:{}:cloudtrail:{}:{}:trail/{}",
        state.partition, trail.home_region, trail.account_id, trail.name
    )
}

/// Whether `caller` sees the trail in `region`, and whether it is there only as a shadow
/// (another region's multi-region trail, or the organization's trail).
fn visible(state: &SandboxState, caller: &str, region: &str, trail: &Trail) -> Option<bool> {
    let own = trail.account_id == caller;
    let organization = trail.is_organization_trail
        && state.organization.as_ref().is_some_and(|org| {
            org.management_account_id == trail.account_id && org.accounts.iter().any(|account| account.id == caller)
        });
    let here = trail.home_region == region;
    match (own || organization, here || trail.is_multi_region_trail) {
        (true, true) => Some(!(own && here)),
        _ => None,
    }
}

fn describe_trails(state: &SandboxState, caller: &str, region: &str, body: &Value) -> Result<Value, ApiError> {
    let include_shadows = body.get("includeShadowTrails").and_then(Value::as_bool).unwrap_or(true);
    let names: Vec<&str> = body
        .get("trailNameList")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let trails: Vec<Value> = state
        .trails
        .iter()
        .filter(|trail| match visible(state, caller, region, trail) {
            Some(shadow) => include_shadows || !shadow,
            None => false,
        })
        .filter(|trail| {
            names.is_empty()
                || names
                    .iter()
                    .any(|name| *name == trail.name || *name == arn(state, trail))
        })
        .map(|trail| {
            json!({
                "Name": trail.name,
                "S3BucketName": format!("aws-cloudtrail-logs-{}", trail.account_id),
                "IncludeGlobalServiceEvents": true,
                "IsMultiRegionTrail": trail.is_multi_region_trail,
                "HomeRegion": trail.home_region,
                "TrailARN": arn(state, trail),
                "LogFileValidationEnabled": true,
                "HasCustomEventSelectors": trail.management_events != "All",
                "HasInsightSelectors": false,
                "IsOrganizationTrail": trail.is_organization_trail,
            })
        })
        .collect();
    Ok(json!({"trailList": trails}))
}

/// The trail a name or ARN gives: by name only the caller's own trail of this region; a
/// shadow (another region's, the organization's) only by its ARN, as documented.
fn named<'a>(
    state: &'a SandboxState,
    caller: &str,
    region: &str,
    body: &Value,
    member: &str,
) -> Result<&'a Trail, ApiError> {
    let name = body
        .get(member)
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ApiError::new("InvalidTrailNameException", format!("{member} is required")))?;
    state
        .trails
        .iter()
        .find(|trail| {
            let shadow = visible(state, caller, region, trail);
            (shadow == Some(false) && trail.name == name) || (shadow.is_some() && arn(state, trail) == name)
        })
        .ok_or_else(|| {
            ApiError::new(
                "TrailNotFoundException",
                format!("Unknown trail: {name} for the user: {caller}"),
            )
        })
}

fn event_selectors(state: &SandboxState, trail: &Trail) -> Value {
    let (read_write, management) = match trail.management_events.as_str() {
        "None" => ("All", false),
        other => (other, true),
    };
    json!({
        "TrailARN": arn(state, trail),
        "EventSelectors": [{"ReadWriteType": read_write, "IncludeManagementEvents": management, "DataResources": []}],
    })
}
