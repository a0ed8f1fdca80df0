//! Tags of a behavior graph: TagResource, UntagResource, ListTagsForResource. Only the
//! graph's administrator may call them (as for every other graph operation).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{administered_by, check_count, region_mut, string_list, Call};
use crate::names::{tag_key_problem, tag_value_problem, TAGS_MAX};
use crate::protocol::ApiError;
use crate::state::{GraphSettings, SandboxState};

/// The tags in the member `field` (the model's TagMap: 1 to 50 entries, each TagKey and
/// TagValue within its limits); None when absent. Anything else is ValidationException.
pub(super) fn request_tags(body: &Value, field: &str) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    let entries = match body.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(entries)) => entries,
        Some(other) => return Err(ApiError::validation(format!("{field} must be a map; found {other}"))),
    };
    check_count(field, entries.len(), 1, TAGS_MAX)?;
    let mut tags = BTreeMap::new();
    for (key, value) in entries {
        let value = value
            .as_str()
            .ok_or_else(|| ApiError::validation(format!("the value of tag {key:?} must be a string")))?;
        if let Some(problem) = tag_key_problem(key).or_else(|| tag_value_problem(key, value)) {
            return Err(ApiError::validation(problem));
        }
        tags.insert(key.clone(), value.to_owned());
    }
    Ok(Some(tags))
}

/// The graph named by `ResourceArn` (a URI label), administered by the caller: its ARN.
fn tagged_graph(state: &mut SandboxState, call: &Call) -> Result<String, ApiError> {
    administered_by(state, call, "ResourceArn").map(|graph| graph.arn.clone())
}

/// Adds or replaces tags. A graph holds at most 50 tags (the model's TagMap maximum, and
/// AWS's limit of tags on a resource): a call that would pass it is ValidationException and
/// changes nothing (the code and wording AWS uses are not documented).
pub fn tag_resource(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let tags = request_tags(call.body, "Tags")?.ok_or_else(|| ApiError::validation("Tags is required"))?;
    let arn = tagged_graph(state, call)?;
    let region = region_mut(state, call.region);
    let mut merged = region.settings(&arn).tags;
    merged.extend(tags);
    if merged.len() > TAGS_MAX {
        return Err(ApiError::validation(format!(
            "behavior graph {arn} can have at most {TAGS_MAX} tags; this call would give it {}",
            merged.len()
        )));
    }
    region.graph_settings.entry(arn).or_default().tags = merged;
    Ok(json!({}))
}

/// Removes the tags with the `tagKeys` query parameters (the model's TagKeyList: 1 to 50
/// keys, each a TagKey); keys the graph does not have are ignored.
pub fn untag_resource(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let keys = string_list(call.body, "tagKeys")?;
    check_count("tagKeys", keys.len(), 1, TAGS_MAX)?;
    if let Some(problem) = keys.iter().find_map(|key| tag_key_problem(key)) {
        return Err(ApiError::validation(problem));
    }
    let arn = tagged_graph(state, call)?;
    let region = region_mut(state, call.region);
    if let Some(settings) = region.graph_settings.get_mut(&arn) {
        settings.tags.retain(|key, _| !keys.contains(key));
        if *settings == GraphSettings::default() {
            region.graph_settings.remove(&arn);
        }
    }
    Ok(json!({}))
}

/// The graph's tags; `Tags` is absent when it has none (the model's TagMap has at least one
/// entry).
pub fn list_tags_for_resource(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let arn = tagged_graph(state, call)?;
    let tags = state
        .region(call.region)
        .map(|region| region.settings(&arn).tags)
        .unwrap_or_default();
    Ok(json!({"Tags": (!tags.is_empty()).then_some(tags)}))
}
