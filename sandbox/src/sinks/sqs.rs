//! SQS (awsJson1.0, `X-Amz-Target: AmazonSQS.<Operation>`): SendMessage, recorded.
//!
//! Queues are not modelled: a QueueUrl of the form `http(s)://host/<12-digit account>/<name>`
//! names a standard queue (a FIFO queue when the name ends in `.fifo`) that exists, whatever
//! the account (cross-account queue policies are not modelled either); any other QueueUrl is
//! InvalidAddress. A missing queue is a fault to inject (`QueueDoesNotExist`).

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

use super::{members, Sinks, SqsMessage};
use crate::detective::Call;
use crate::names::is_account_id;
use crate::protocol::ApiError;

pub const TARGET_PREFIX: &str = "AmazonSQS.";

/// SendMessage's DelaySeconds: 0 to 900.
const DELAY_MAX: i64 = 900;
/// The largest message, body and attributes together: 1 MiB (the API reference).
const MESSAGE_MAX_BYTES: usize = 1_048_576;
/// Message attributes a message may carry.
const ATTRIBUTES_MAX: usize = 10;

pub fn call(sinks: &mut Sinks, operation: &str, call: &Call) -> Result<Value, ApiError> {
    match operation {
        "SendMessage" => send_message(sinks, call),
        other => Err(ApiError::new(
            "UnsupportedOperation",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

fn missing(parameter: &str) -> ApiError {
    ApiError::new(
        "MissingParameter",
        format!("The request must contain the parameter {parameter}."),
    )
}

fn invalid(parameter: &str, value: &str, reason: &str) -> ApiError {
    ApiError::new(
        "InvalidParameterValue",
        format!("Value {value} for parameter {parameter} is invalid. Reason: {reason}"),
    )
}

/// The queue's name, when `url` is `http(s)://host/<12-digit account>/<name>` with a queue
/// name SQS allows (1 to 80 letters, digits, hyphens and underscores, `.fifo` included).
fn queue_name(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let mut parts = rest.split('/');
    let (host, account, name) = (parts.next()?, parts.next()?, parts.next()?);
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    let valid = !host.is_empty()
        && is_account_id(account)
        && parts.next().is_none()
        && !base.is_empty()
        && name.len() <= 80
        && base
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    valid.then_some(name)
}

/// The characters SQS allows in a message: `#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to
/// #xFFFD | #x10000 to #x10FFFF`.
fn allowed_character(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn hex_md5(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One message attribute checked: its DataType and its value's bytes, with the transport
/// type SQS hashes (1 for String and Number, 2 for Binary).
struct Attribute {
    data_type: String,
    transport: u8,
    value: Vec<u8>,
}

fn attribute(name: &str, value: &Value) -> Result<Attribute, ApiError> {
    let reserved = ["aws.", "amazon."]
        .iter()
        .any(|prefix| name.to_ascii_lowercase().starts_with(prefix));
    let name_ok = !name.is_empty()
        && name.len() <= 256
        && !reserved
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'));
    if !name_ok {
        return Err(ApiError::new(
            "InvalidParameterValue",
            format!("Message attribute name '{name}' is invalid."),
        ));
    }
    let data_type = value.get("DataType").and_then(Value::as_str).unwrap_or_default();
    let base = data_type.split('.').next().unwrap_or_default();
    let text = |member: &str| value.get(member).and_then(Value::as_str);
    let (transport, bytes) = match base {
        "String" | "Number" => match text("StringValue") {
            Some(text) if !text.is_empty() && text.chars().all(allowed_character) => (1, text.as_bytes().to_vec()),
            _ => {
                return Err(ApiError::new(
                    "InvalidParameterValue",
                    format!("Message attribute '{name}' must contain a non-empty value of type '{base}'."),
                ))
            }
        },
        "Binary" => match text("BinaryValue").and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok()) {
            Some(bytes) if !bytes.is_empty() => (2, bytes),
            _ => {
                return Err(ApiError::new(
                    "InvalidParameterValue",
                    format!("Message attribute '{name}' must contain a non-empty value of type 'Binary'."),
                ))
            }
        },
        _ => {
            return Err(ApiError::new(
                "InvalidParameterValue",
                format!("The type of message attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."),
            ))
        }
    };
    Ok(Attribute {
        data_type: data_type.to_owned(),
        transport,
        value: bytes,
    })
}

/// MD5OfMessageAttributes as SQS computes it: for each attribute by name, the name, the
/// data type and the value each as a 4-byte big-endian length and the bytes, the transport
/// type byte before the value.
fn attributes_md5(attributes: &[(String, Attribute)]) -> String {
    fn field(bytes: &mut Vec<u8>, value: &[u8]) {
        bytes.extend(u32::try_from(value.len()).unwrap_or(u32::MAX).to_be_bytes());
        bytes.extend(value);
    }
    let mut bytes = Vec::new();
    for (name, attribute) in attributes {
        field(&mut bytes, name.as_bytes());
        field(&mut bytes, attribute.data_type.as_bytes());
        bytes.push(attribute.transport);
        field(&mut bytes, &attribute.value);
    }
    hex_md5(&bytes)
}

fn send_message(sinks: &mut Sinks, call: &Call) -> Result<Value, ApiError> {
    let body = members(call.body);
    let queue_url = body
        .get("QueueUrl")
        .and_then(Value::as_str)
        .filter(|url| !url.is_empty())
        .ok_or_else(|| missing("QueueUrl"))?;
    let name = queue_name(queue_url).ok_or_else(|| {
        ApiError::new(
            "InvalidAddress",
            format!("The address {queue_url} is not valid for this endpoint."),
        )
    })?;
    let message = body
        .get("MessageBody")
        .and_then(Value::as_str)
        .filter(|message| !message.is_empty())
        .ok_or_else(|| missing("MessageBody"))?;
    if !message.chars().all(allowed_character) {
        return Err(ApiError::new(
            "InvalidMessageContents",
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
        ));
    }
    let delay = match body.get("DelaySeconds") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_i64() {
            Some(seconds) if (0..=DELAY_MAX).contains(&seconds) => u32::try_from(seconds).ok(),
            _ => {
                return Err(invalid(
                    "DelaySeconds",
                    &value.to_string(),
                    &format!("DelaySeconds must be >= 0 and <= {DELAY_MAX}."),
                ))
            }
        },
    };
    let group = body.get("MessageGroupId").and_then(Value::as_str).map(str::to_owned);
    let fifo = name.ends_with(".fifo");
    if fifo {
        if group.is_none() {
            return Err(missing("MessageGroupId"));
        }
        // A FIFO queue takes a delay per queue only.
        if let Some(seconds) = delay.filter(|seconds| *seconds > 0) {
            return Err(invalid(
                "DelaySeconds",
                &seconds.to_string(),
                "The request include parameter that is not valid for this queue type.",
            ));
        }
    }
    let attributes_sent = body
        .get("MessageAttributes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if attributes_sent.len() > ATTRIBUTES_MAX {
        return Err(ApiError::new(
            "InvalidParameterValue",
            format!(
                "Number of message attributes [{}] exceeds the allowed maximum [{ATTRIBUTES_MAX}].",
                attributes_sent.len()
            ),
        ));
    }
    // A Map iterates in key order: the order SQS hashes them in.
    let attributes = attributes_sent
        .iter()
        .map(|(name, value)| attribute(name, value).map(|checked| (name.clone(), checked)))
        .collect::<Result<Vec<_>, _>>()?;
    let size = message.len()
        + attributes
            .iter()
            .map(|(name, a)| name.len() + a.data_type.len() + a.value.len())
            .sum::<usize>();
    if size > MESSAGE_MAX_BYTES {
        return Err(ApiError::new(
            "InvalidParameterValue",
            format!(
                "One or more parameters are invalid. Reason: Message must be shorter than {MESSAGE_MAX_BYTES} bytes."
            ),
        ));
    }
    let message_id = sinks.next_uuid(queue_url);
    let md5_of_body = hex_md5(message.as_bytes());
    let mut answer = Map::new();
    answer.insert("MessageId".to_owned(), json!(message_id));
    answer.insert("MD5OfMessageBody".to_owned(), json!(md5_of_body));
    if !attributes.is_empty() {
        answer.insert("MD5OfMessageAttributes".to_owned(), json!(attributes_md5(&attributes)));
    }
    if fifo {
        let sequence = 18_049_496_460_467_696_128_u64.saturating_add(sinks.next_sequence());
        answer.insert("SequenceNumber".to_owned(), json!(sequence.to_string()));
    }
    sinks.sqs.push(SqsMessage {
        queue_url: queue_url.to_owned(),
        message_id,
        body: message.to_owned(),
        md5_of_body,
        delay_seconds: delay,
        attributes: attributes_sent,
        message_group_id: group,
        sent_time: call.now,
        region: call.region.to_owned(),
        sender: call.caller.to_owned(),
    });
    Ok(Value::Object(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5s_are_rfc_1321_and_sqs_attribute_digests() {
        assert_eq!(hex_md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex_md5(b"The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        let one = attribute("a", &json!({"DataType": "String", "StringValue": "b"})).ok();
        let bytes = [
            0, 0, 0, 1, b'a', 0, 0, 0, 6, b'S', b't', b'r', b'i', b'n', b'g', 1, 0, 0, 0, 1, b'b',
        ];
        let attributes: Vec<(String, Attribute)> = one.into_iter().map(|a| ("a".to_owned(), a)).collect();
        assert_eq!(attributes_md5(&attributes), hex_md5(&bytes));
    }

    #[test]
    fn queue_urls_name_an_account_and_a_queue() {
        assert_eq!(
            queue_name("https://sqs.us-east-1.amazonaws.com/111111111111/reports"),
            Some("reports")
        );
        assert_eq!(queue_name("http://127.0.0.1:4566/111111111111/r.fifo"), Some("r.fifo"));
        for bad in [
            "sqs.us-east-1.amazonaws.com/111111111111/reports",
            "https://sqs.us-east-1.amazonaws.com/reports",
            "https://sqs.us-east-1.amazonaws.com/1111/reports",
            "https://sqs.us-east-1.amazonaws.com/111111111111/has space",
            "https://sqs.us-east-1.amazonaws.com/111111111111/a/b",
        ] {
            assert_eq!(queue_name(bad), None, "{bad}");
        }
    }
}
