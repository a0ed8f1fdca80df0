//! The EventBridge envelope, read leniently.

use serde_json::Value;

use super::{fields, EventError};

/// What every EventBridge event carries around its `detail`.
///
/// Only `source`, `detail-type` and `detail` are required: test harnesses, SAM's
/// generated events and older docs omit `version`, `id`, `time` or `resources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub id: Option<String>,
    pub source: String,
    pub detail_type: String,
    /// The account that received the event (for a forwarded event, the forwarder's).
    pub account: Option<String>,
    pub time: Option<String>,
    pub region: Option<String>,
    pub resources: Vec<String>,
    pub detail: Value,
}

impl Envelope {
    /// Parses raw bytes (a file, a Lambda payload).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EventError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|error| EventError::InvalidJson {
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        })?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, EventError> {
        if !value.is_object() {
            return Err(EventError::NotAnEvent {
                missing: "a JSON object",
                found: fields::describe(value),
            });
        }
        let source = required_string(value, "source")?;
        let detail_type = required_string(value, "detail-type")?;
        let detail = match value.get("detail") {
            None => {
                return Err(EventError::NotAnEvent {
                    missing: "detail",
                    found: top_level_keys(value),
                })
            }
            // A `null` detail carries nothing, which is what an empty object says too.
            Some(Value::Null) => Value::Object(serde_json::Map::new()),
            Some(detail @ Value::Object(_)) => detail.clone(),
            Some(other) => return Err(EventError::invalid("event", &["detail"], "an object", other)),
        };
        let resources = match fields::lookup(value, &["resources"]) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Self {
            id: fields::string(value, "event", &["id"])?,
            source,
            detail_type,
            account: fields::string(value, "event", &["account"])?,
            time: fields::string(value, "event", &["time"])?,
            region: fields::string(value, "event", &["region"])?,
            resources,
            detail,
        })
    }
}

fn required_string(value: &Value, key: &'static str) -> Result<String, EventError> {
    match fields::string(value, "event", &[key])? {
        Some(text) => Ok(text),
        None => Err(EventError::NotAnEvent {
            missing: key,
            found: top_level_keys(value),
        }),
    }
}

fn top_level_keys(value: &Value) -> String {
    let keys: Vec<&str> = value
        .as_object()
        .map(|map| map.keys().map(String::as_str).take(8).collect())
        .unwrap_or_default();
    format!("an object with keys [{}]", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn optional_envelope_fields_may_be_missing() {
        let envelope =
            Envelope::from_value(&json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}));
        let envelope = envelope.ok();
        assert_eq!(envelope.as_ref().map(|e| e.id.clone()), Some(None));
        assert_eq!(envelope.map(|e| e.resources.len()), Some(0));
    }

    #[test]
    fn null_detail_is_an_empty_object_and_unknown_fields_are_ignored() {
        let envelope = Envelope::from_value(&json!({
            "source": "aws.events", "detail-type": "Scheduled Event", "detail": null, "debug": true, "account": 123
        }));
        let envelope = envelope.ok();
        assert_eq!(envelope.as_ref().map(|e| e.detail.clone()), Some(json!({})));
        assert_eq!(envelope.and_then(|e| e.account), Some("123".to_owned()));
    }

    #[test]
    fn a_detail_only_payload_is_not_an_event() {
        let error = Envelope::from_value(&json!({"eventName": "CreateAccountResult"})).err();
        assert_eq!(
            error.map(|e| e.to_string()),
            Some("not an EventBridge event: expected source, found an object with keys [eventName]".to_owned())
        );
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let error = Envelope::from_slice(b"{\n \"source\": x}")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("not valid JSON at line 2, column"), "{error}");
    }
}
