//! SQS batches, as Lambda's event source mapping delivers them (not an EventBridge event):
//! `aws_lambda_events`' SQS types.

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::Value;

use super::Envelope;

/// One message of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsRecord {
    /// The batch item identifier a partial batch response names.
    pub message_id: String,
    pub body: String,
    /// `ApproximateReceiveCount`: how many times SQS has delivered it.
    pub receive_count: Option<u32>,
    pub queue_arn: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsBatch {
    pub records: Vec<SqsRecord>,
}

impl SqsBatch {
    /// A payload whose `Records` come from `aws:sqs` is an SQS batch.
    pub fn detect(payload: &Value) -> Option<Self> {
        let first = payload.get("Records")?.as_array()?.first()?;
        if first.get("eventSource")?.as_str()? != "aws:sqs" {
            return None;
        }
        let event: SqsEvent = serde_json::from_value(payload.clone()).ok()?;
        let records = event
            .records
            .into_iter()
            .map(|message| SqsRecord {
                message_id: message.message_id.unwrap_or_default(),
                body: message.body.unwrap_or_default(),
                receive_count: message
                    .attributes
                    .get("ApproximateReceiveCount")
                    .and_then(|count| count.parse().ok()),
                queue_arn: message.event_source_arn,
                region: message.aws_region,
            })
            .collect();
        Some(Self { records })
    }

    /// The envelope the runner gives handlers: the queue and its region.
    pub fn envelope(&self, payload: &Value) -> Envelope {
        let first = self.records.first();
        Envelope {
            id: first.map(|record| record.message_id.clone()),
            source: "aws.sqs".to_owned(),
            detail_type: "SQS Message Batch".to_owned(),
            account: first
                .and_then(|record| record.queue_arn.as_deref())
                .and_then(|arn| arn.split(':').nth(4))
                .map(str::to_owned),
            time: None,
            region: first.and_then(|record| record.region.clone()),
            resources: first.and_then(|record| record.queue_arn.clone()).into_iter().collect(),
            detail: payload.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_documented_batch_is_read_with_each_message_id_and_receive_count() {
        let payload = json!({"Records": [
            {"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d", "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
             "body": "{\"investigation_id\":\"1\"}",
             "attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1545082649183",
                            "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185"},
             "messageAttributes": {}, "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
             "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:111111111111:reports",
             "awsRegion": "us-east-1"}]});
        let batch = SqsBatch::detect(&payload).unwrap();
        assert_eq!(batch.records.len(), 1);
        assert_eq!(batch.records[0].message_id, "059f36b4-87a3-44ab-83d2-661975830a7d");
        assert_eq!(batch.records[0].receive_count, Some(3));
        assert_eq!(batch.envelope(&payload).account.as_deref(), Some("111111111111"));
    }

    #[test]
    fn other_records_are_not_sqs_batches() {
        assert_eq!(SqsBatch::detect(&json!({"Records": [{"eventSource": "aws:s3"}]})), None);
        assert_eq!(SqsBatch::detect(&json!({"source": "aws.events"})), None);
    }
}
