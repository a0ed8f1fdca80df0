//! Recording sinks: SQS SendMessage, EventBridge PutEvents and Security Hub
//! BatchImportFindings, served as the Rust SDK sends them, validated as the models and the
//! API references document, and kept for tests (`Sandbox::sqs_messages`, `events`,
//! `security_hub_findings`; `GET /_sandbox/sqs`, `/_sandbox/events`, `/_sandbox/securityhub`).
//! Nothing is delivered anywhere: a sent message, a put event and an imported finding are
//! only recorded.

pub mod eventbridge;
pub mod securityhub;
pub mod sqs;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// A message SendMessage accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SqsMessage {
    pub queue_url: String,
    pub message_id: String,
    pub body: String,
    /// The hex MD5 of the body, as SendMessage answered it.
    pub md5_of_body: String,
    /// As sent; None: the queue's default delay (the sandbox's queues have none).
    pub delay_seconds: Option<u32>,
    /// `MessageAttributes` as sent (name: `{DataType, StringValue | BinaryValue}`).
    pub attributes: Map<String, Value>,
    /// FIFO queues only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_group_id: Option<String>,
    /// The sandbox's now when it was sent.
    pub sent_time: DateTime<Utc>,
    pub region: String,
    /// The account that sent it.
    pub sender: String,
}

impl SqsMessage {
    /// When a consumer could first receive it: the sent time plus its delay.
    pub fn available_time(&self) -> DateTime<Utc> {
        self.sent_time + chrono::Duration::seconds(i64::from(self.delay_seconds.unwrap_or(0)))
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// An event PutEvents accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusEvent {
    pub event_id: String,
    /// As sent (a name or an ARN); `default` when absent.
    pub event_bus_name: String,
    pub source: String,
    pub detail_type: String,
    /// `Detail`, parsed (always a JSON object).
    pub detail: Value,
    pub resources: Vec<String>,
    /// `Time` as sent, else the sandbox's now.
    pub time: DateTime<Utc>,
    pub region: String,
    /// The account that put it.
    pub account: String,
}

/// A finding BatchImportFindings holds, one per `(ProductArn, Id)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityHubFinding {
    pub product_arn: String,
    pub id: String,
    /// The ASFF finding as last imported, less what an update cannot change (see
    /// `securityhub::import`).
    pub finding: Value,
    /// How many times it was imported: 1 when created, one more per update.
    pub imports: u32,
    pub first_imported: DateTime<Utc>,
    pub last_imported: DateTime<Utc>,
    pub region: String,
}

/// What the sinks have recorded.
#[derive(Debug, Clone, Default)]
pub struct Sinks {
    pub sqs: Vec<SqsMessage>,
    pub events: Vec<BusEvent>,
    pub findings: Vec<SecurityHubFinding>,
    /// For ids (MessageId, EventId, SequenceNumber).
    sequence: u64,
}

impl Sinks {
    /// A UUID-shaped id (version 4 layout), different for every call.
    fn next_uuid(&mut self, salt: &str) -> String {
        self.sequence += 1;
        let hex = hex128(&format!("{salt}/{}", self.sequence));
        let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default().to_owned();
        format!(
            "{}-{}-4{}-8{}-{}",
            part(0..8),
            part(8..12),
            part(13..16),
            part(17..20),
            part(20..32)
        )
    }

    fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }
}

/// 32 hex digits from `seed` (FNV-1a twice with different bases): stable and spread out.
fn hex128(seed: &str) -> String {
    let hash = |basis: u64| {
        seed.bytes().fold(basis, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x8422_2325_cbf2_9ce4)
    )
}

/// The members of a JSON body as an object (an empty one when it is not an object).
fn members(body: &Value) -> Map<String, Value> {
    body.as_object().cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_shaped_and_distinct() {
        let mut sinks = Sinks::default();
        let (a, b) = (sinks.next_uuid("m"), sinks.next_uuid("m"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.split('-').map(str::len).collect::<Vec<_>>(), vec![8, 4, 4, 4, 12]);
        assert_eq!(a.get(14..15), Some("4"));
    }
}
