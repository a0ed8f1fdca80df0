//! Lenient, path-aware reads from a JSON document.
//!
//! Real payloads disagree on types (numbers sent as strings, `null` where an object
//! is usual), so every read accepts the reasonable variants and, when a value is
//! unusable, names the field, what was expected and what was found.

use serde_json::Value;

use super::EventError;

/// Follows `path` from `root`; a missing key or a `null` anywhere along it is `None`.
pub fn lookup<'a>(root: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(root, |node, key| node.get(key))
        .filter(|value| !value.is_null())
}

/// `lookup`, for a field of an event whose readers declare what they read: `prefix` is
/// where `root` is in the event (`event.detail.findings[0]`). Tests record every field read
/// this way, to prove the declared lists of fields (checked against the services' models)
/// complete.
pub fn value<'a>(root: &'a Value, prefix: &str, path: &[&str]) -> Option<&'a Value> {
    #[cfg(test)]
    record::read(prefix, path);
    #[cfg(not(test))]
    let _ = prefix;
    lookup(root, path)
}

/// The fields read through `value` while a test records them.
#[cfg(test)]
pub mod record {
    use std::cell::RefCell;

    thread_local! {
        static READ: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
    }

    pub fn read(prefix: &str, path: &[&str]) {
        READ.with(|read| {
            if let Some(read) = read.borrow_mut().as_mut() {
                read.push(format!("{prefix}.{}", path.join(".")));
            }
        });
    }

    /// Every field `work` read: its full path, each list index written `[]`.
    pub fn fields_read(work: impl FnOnce()) -> Vec<String> {
        READ.with(|read| *read.borrow_mut() = Some(Vec::new()));
        work();
        let read = READ.with(|read| read.borrow_mut().take()).unwrap_or_default();
        let mut fields: Vec<String> = read.iter().map(|path| without_indices(path)).collect();
        fields.sort();
        fields.dedup();
        fields
    }

    fn without_indices(path: &str) -> String {
        let mut out = String::new();
        let mut in_index = false;
        for c in path.chars() {
            match c {
                '[' => {
                    in_index = true;
                    out.push_str("[]");
                }
                ']' => in_index = false,
                _ if in_index => {}
                _ => out.push(c),
            }
        }
        out
    }
}

/// A string, or a number written as one (`"123"` and `123` both give `"123"`).
pub fn string(root: &Value, prefix: &str, path: &[&str]) -> Result<Option<String>, EventError> {
    match value(root, prefix, path) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(EventError::invalid(prefix, path, "a string", other)),
    }
}

/// A number, or a string holding one (`8`, `8.0` and `"8.0"` are all 8.0).
pub fn number(root: &Value, prefix: &str, path: &[&str]) -> Result<Option<f64>, EventError> {
    match value(root, prefix, path) {
        None => Ok(None),
        Some(Value::Number(number)) => number
            .as_f64()
            .map(Some)
            .ok_or_else(|| EventError::invalid(prefix, path, "a number", &Value::Number(number.clone()))),
        Some(Value::String(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|parsed| parsed.is_finite())
            .map(Some)
            .ok_or_else(|| {
                EventError::invalid(
                    prefix,
                    path,
                    "a number or a numeric string",
                    &Value::String(text.clone()),
                )
            }),
        Some(other) => Err(EventError::invalid(prefix, path, "a number or a numeric string", other)),
    }
}

/// A boolean, or the strings `"true"` / `"false"` (any case).
pub fn boolean(root: &Value, prefix: &str, path: &[&str]) -> Result<Option<bool>, EventError> {
    match value(root, prefix, path) {
        None => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(EventError::invalid(prefix, path, "true or false", other)),
    }
}

/// An object; some stores (SIEM exports) keep nested objects as JSON text, which is decoded.
pub fn object(root: &Value, prefix: &str, path: &[&str]) -> Result<Option<Value>, EventError> {
    match value(root, prefix, path) {
        None => Ok(None),
        Some(value @ Value::Object(_)) => Ok(Some(value.clone())),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => Ok(Some(value)),
            _ => Err(EventError::invalid(
                prefix,
                path,
                "an object",
                &Value::String(text.clone()),
            )),
        },
        Some(other) => Err(EventError::invalid(prefix, path, "an object", other)),
    }
}

/// A list; absent or `null` is an empty one.
pub fn list<'a>(root: &'a Value, prefix: &str, path: &[&str]) -> Result<&'a [Value], EventError> {
    match value(root, prefix, path) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(EventError::invalid(prefix, path, "a list", other)),
    }
}

/// A short, single-line rendering of a found value for error messages.
pub fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_arrive_as_numbers_or_strings() {
        let doc = json!({"a": 8, "b": 7.5, "c": "5.2", "d": "high", "e": null});
        assert_eq!(number(&doc, "detail", &["a"]), Ok(Some(8.0)));
        assert_eq!(number(&doc, "detail", &["b"]), Ok(Some(7.5)));
        assert_eq!(number(&doc, "detail", &["c"]), Ok(Some(5.2)));
        assert_eq!(number(&doc, "detail", &["e"]), Ok(None), "null is absent, not an error");
        let error = number(&doc, "detail", &["d"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(error, "detail.d: expected a number or a numeric string; found \"high\"");
    }

    #[test]
    fn strings_accept_numbers_and_reject_objects() {
        let doc = json!({"id": 123456789012_u64, "o": {"x": 1}});
        assert_eq!(
            string(&doc, "detail", &["id"]).ok().flatten().as_deref(),
            Some("123456789012")
        );
        assert!(string(&doc, "detail", &["o"]).is_err());
        assert_eq!(string(&doc, "detail", &["o", "missing"]), Ok(None));
    }

    #[test]
    fn stringified_objects_are_decoded() {
        let doc = json!({"s": "{\"k\": 1}", "bad": "not json"});
        assert_eq!(object(&doc, "detail", &["s"]), Ok(Some(json!({"k": 1}))));
        assert!(object(&doc, "detail", &["bad"]).is_err());
    }
}
