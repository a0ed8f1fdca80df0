//! NextToken pagination with the service's page-size limits.

use serde_json::Value;

use crate::api_error::ApiError;

/// One page of `items` per `MaxResults` (at most `limit`) and `NextToken` from `body`.
pub fn page<T: Clone>(items: &[T], body: &Value, limit: usize) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = match body.get("MaxResults").and_then(Value::as_u64) {
        None => limit,
        Some(requested) if requested >= 1 && requested <= limit as u64 => requested as usize,
        Some(requested) => {
            return Err(ApiError::validation(format!(
                "MaxResults must be between 1 and {limit}; got {requested}"
            )))
        }
    };
    let start = match body.get("NextToken").and_then(Value::as_str) {
        None | Some("") => 0,
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|offset| offset.parse::<usize>().ok())
            .filter(|offset| *offset <= items.len())
            .ok_or_else(|| ApiError::validation(format!("invalid NextToken {token:?}")))?,
    };
    let end = (start + size).min(items.len());
    let slice = items.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    let next = (end < items.len()).then(|| format!("page-{end}"));
    Ok((slice, next))
}
