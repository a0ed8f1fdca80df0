//! EventBridge (awsJson1.1, `X-Amz-Target: AWSEvents.<Operation>`): PutEvents, recorded.
//!
//! As the API reference documents: 1 to 10 entries, each processed on its own (a bad entry
//! fails with an ErrorCode and ErrorMessage in its place of `Entries`, the others go
//! through), `Detail` a JSON object, the total entry size (calculated as the User Guide
//! says) under 256 KB. Event buses are not modelled: any bus name or ARN of the model's
//! pattern is taken to exist.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{members, BusEvent, Sinks};
use crate::detective::Call;
use crate::protocol::ApiError;

pub const TARGET_PREFIX: &str = "AWSEvents.";

const ENTRIES_MAX: usize = 10;
/// "The total entry size must be less than 256KB."
const TOTAL_SIZE_MAX: usize = 256 * 1024;
/// The model's EventResource: at most 2048 characters.
const RESOURCE_MAX: usize = 2048;

pub fn call(sinks: &mut Sinks, operation: &str, call: &Call) -> Result<Value, ApiError> {
    match operation {
        "PutEvents" => put_events(sinks, call),
        other => Err(ApiError::new(
            "UnknownOperationException",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

fn text<'a>(entry: &'a Value, member: &str) -> Option<&'a str> {
    entry.get(member).and_then(Value::as_str)
}

/// An entry's size as the User Guide calculates it: 14 bytes for `Time`, the UTF-8 bytes of
/// `Source`, `DetailType`, `Detail` and each resource.
fn entry_size(entry: &Value) -> usize {
    let time = if entry.get("Time").is_some_and(|time| !time.is_null()) {
        14
    } else {
        0
    };
    let resources: usize = entry
        .get("Resources")
        .and_then(Value::as_array)
        .map(|resources| resources.iter().filter_map(Value::as_str).map(str::len).sum())
        .unwrap_or(0);
    time + ["Source", "DetailType", "Detail"]
        .iter()
        .filter_map(|member| text(entry, member))
        .map(str::len)
        .sum::<usize>()
        + resources
}

/// The model's NonPartnerEventBusNameOrArn: a name of `[.\-_A-Za-z0-9]+`, or an event bus
/// ARN ending in one; 1 to 1600 characters.
fn is_bus_name(name: &str) -> bool {
    let base = match name.split_once(":event-bus/") {
        Some((arn, base)) if arn.starts_with("arn:aws") && arn.contains(":events:") => base,
        Some(_) => return false,
        None => name,
    };
    (1..=1600).contains(&name.len())
        && !base.is_empty()
        && base
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_'))
}

/// Why an entry fails, as PutEvents reports it in `Entries`: `(ErrorCode, ErrorMessage)`.
fn entry_problem(entry: &Value) -> Option<(&'static str, String)> {
    let required = |member: &str| {
        text(entry, member).is_none_or(str::is_empty).then(|| {
            (
                "InvalidArgument",
                format!("Parameter {member} is not valid. Reason: {member} is a required argument."),
            )
        })
    };
    if let Some(problem) = required("Source")
        .or_else(|| required("DetailType"))
        .or_else(|| required("Detail"))
    {
        return Some(problem);
    }
    let detail = text(entry, "Detail").unwrap_or_default();
    if !serde_json::from_str::<Value>(detail).is_ok_and(|detail| detail.is_object()) {
        return Some(("MalformedDetail", "Detail is malformed.".to_owned()));
    }
    // Sources beginning with `aws.` are AWS services' own.
    if text(entry, "Source").is_some_and(|source| source.starts_with("aws.")) {
        return Some((
            "NotAuthorizedForSourceException",
            "Not authorized for the source.".to_owned(),
        ));
    }
    if let Some(bus) = text(entry, "EventBusName").filter(|bus| !is_bus_name(bus)) {
        return Some((
            "InvalidArgument",
            format!("Parameter EventBusName is not valid. Reason: {bus:?} is not an event bus name or ARN."),
        ));
    }
    let resources = entry
        .get("Resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if resources
        .iter()
        .any(|resource| resource.as_str().is_none_or(|resource| resource.len() > RESOURCE_MAX))
    {
        return Some((
            "InvalidArgument",
            format!("Parameter Resources is not valid. Reason: each resource is a string of at most {RESOURCE_MAX} characters."),
        ));
    }
    None
}

/// `Time` as awsJson sends a timestamp: epoch seconds, perhaps with a fraction.
fn event_time(entry: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    match entry.get("Time") {
        None | Some(Value::Null) => Ok(now),
        Some(time) => time
            .as_f64()
            .and_then(|seconds| {
                #[allow(clippy::cast_possible_truncation)]
                let millis = (seconds * 1000.0).round() as i64;
                DateTime::from_timestamp_millis(millis)
            })
            .ok_or_else(|| ApiError::new("ValidationException", format!("Time {time} is not a timestamp"))),
    }
}

fn put_events(sinks: &mut Sinks, call: &Call) -> Result<Value, ApiError> {
    let body = members(call.body);
    let entries = body
        .get("Entries")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::new("ValidationException", "Entries is required"))?;
    if entries.is_empty() || entries.len() > ENTRIES_MAX {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and {ENTRIES_MAX} (got {})",
                entries.len()
            ),
        ));
    }
    if entries.iter().map(entry_size).sum::<usize>() >= TOTAL_SIZE_MAX {
        return Err(ApiError::new(
            "ValidationException",
            "Total size of the entries in the request is over the limit.",
        ));
    }
    let times = entries
        .iter()
        .map(|entry| event_time(entry, call.now))
        .collect::<Result<Vec<_>, _>>()?;
    let mut failed = 0;
    let mut results = Vec::with_capacity(entries.len());
    for (entry, time) in entries.iter().zip(times) {
        if let Some((code, message)) = entry_problem(entry) {
            failed += 1;
            results.push(json!({"ErrorCode": code, "ErrorMessage": message}));
            continue;
        }
        let event_id = sinks.next_uuid("event");
        let detail = serde_json::from_str(text(entry, "Detail").unwrap_or("{}")).unwrap_or_default();
        sinks.events.push(BusEvent {
            event_id: event_id.clone(),
            event_bus_name: text(entry, "EventBusName").unwrap_or("default").to_owned(),
            source: text(entry, "Source").unwrap_or_default().to_owned(),
            detail_type: text(entry, "DetailType").unwrap_or_default().to_owned(),
            detail,
            resources: entry
                .get("Resources")
                .and_then(Value::as_array)
                .map(|resources| resources.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            time,
            region: call.region.to_owned(),
            account: call.caller.to_owned(),
        });
        results.push(json!({"EventId": event_id}));
    }
    Ok(json!({"FailedEntryCount": failed, "Entries": results}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_fail_with_the_codes_eventbridge_reports() {
        let entry = |detail: &str| json!({"Source": "detective-autopilot", "DetailType": "Report", "Detail": detail});
        assert_eq!(entry_problem(&entry("{\"a\": 1}")), None);
        for bad in ["not json", "[1, 2]", "\"text\"", "{"] {
            assert_eq!(
                entry_problem(&entry(bad)).map(|(code, _)| code),
                Some("MalformedDetail"),
                "{bad}"
            );
        }
        assert_eq!(
            entry_problem(&json!({"DetailType": "x", "Detail": "{}"})).map(|(code, _)| code),
            Some("InvalidArgument")
        );
        assert_eq!(
            entry_problem(&json!({"Source": "aws.guardduty", "DetailType": "x", "Detail": "{}"})).map(|(code, _)| code),
            Some("NotAuthorizedForSourceException")
        );
        assert!(is_bus_name("default"));
        assert!(is_bus_name("arn:aws:events:us-east-1:111111111111:event-bus/reports"));
        assert!(!is_bus_name("has space"));
        assert_eq!(
            entry_size(&json!({"Time": 1, "Source": "ab", "DetailType": "c", "Detail": "{}", "Resources": ["r"]})),
            14 + 2 + 1 + 2 + 1
        );
    }
}
