//! Reports over the SDK: an investigation's results (Detective), the delayed report message
//! (SQS), the report event (EventBridge) and the Security Hub finding.

use crate::operation::Operation;
use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_detective::types::{IndicatorDetail, State as SdkState};
use aws_sdk_securityhub::types::{AwsSecurityFinding, Resource, Severity, SeverityLabel};

use super::detective::{from_sdk_time, SdkDetective};
use super::indicator::Indicator;
use super::paging::next_page;
use super::ports::{
    AlertPort, AsffFinding, InvestigationDetails, InvestigationResultPort, ReportQueuePort, ReportSinkPort,
};
use super::AwsError;
use crate::domain::{InvestigationSeverity, InvestigationState, InvestigationStatus};

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_owned)
}

fn indicator(kind: &str, detail: Option<&IndicatorDetail>) -> Indicator {
    let detail = detail.cloned().unwrap_or_else(|| IndicatorDetail::builder().build());
    match kind {
        "TTP_OBSERVED" => {
            let ttp = detail.ttps_observed_detail();
            Indicator::TtpObserved {
                tactic: owned(ttp.and_then(|d| d.tactic())),
                technique: owned(ttp.and_then(|d| d.technique())),
                procedure: owned(ttp.and_then(|d| d.procedure())),
                api_name: owned(ttp.and_then(|d| d.api_name())),
                ip_address: owned(ttp.and_then(|d| d.ip_address())),
                api_success_count: ttp.map(|d| d.api_success_count()),
                api_failure_count: ttp.map(|d| d.api_failure_count()),
            }
        }
        "IMPOSSIBLE_TRAVEL" => {
            let travel = detail.impossible_travel_detail();
            Indicator::ImpossibleTravel {
                starting_ip_address: owned(travel.and_then(|d| d.starting_ip_address())),
                ending_ip_address: owned(travel.and_then(|d| d.ending_ip_address())),
                starting_location: owned(travel.and_then(|d| d.starting_location())),
                ending_location: owned(travel.and_then(|d| d.ending_location())),
                hourly_time_delta: travel.and_then(|d| d.hourly_time_delta()),
            }
        }
        "FLAGGED_IP_ADDRESS" => {
            let flagged = detail.flagged_ip_address_detail();
            Indicator::FlaggedIpAddress {
                ip_address: owned(flagged.and_then(|d| d.ip_address())),
                reason: flagged
                    .and_then(|d| d.reason())
                    .map(|reason| reason.as_str().to_owned()),
            }
        }
        "NEW_GEOLOCATION" => {
            let geo = detail.new_geolocation_detail();
            Indicator::NewGeolocation {
                location: owned(geo.and_then(|d| d.location())),
                ip_address: owned(geo.and_then(|d| d.ip_address())),
                is_new_for_entire_account: geo.is_some_and(|d| d.is_new_for_entire_account()),
            }
        }
        "NEW_ASO" => {
            let aso = detail.new_aso_detail();
            Indicator::NewAso {
                aso: owned(aso.and_then(|d| d.aso())),
                is_new_for_entire_account: aso.is_some_and(|d| d.is_new_for_entire_account()),
            }
        }
        "NEW_USER_AGENT" => {
            let agent = detail.new_user_agent_detail();
            Indicator::NewUserAgent {
                user_agent: owned(agent.and_then(|d| d.user_agent())),
                is_new_for_entire_account: agent.is_some_and(|d| d.is_new_for_entire_account()),
            }
        }
        "RELATED_FINDING" => {
            let finding = detail.related_finding_detail();
            Indicator::RelatedFinding {
                arn: owned(finding.and_then(|d| d.arn())),
                finding_type: owned(finding.and_then(|d| d.r#type())),
                ip_address: owned(finding.and_then(|d| d.ip_address())),
            }
        }
        "RELATED_FINDING_GROUP" => Indicator::RelatedFindingGroup {
            id: owned(detail.related_finding_group_detail().and_then(|d| d.id())),
        },
        other => Indicator::Other {
            indicator_type: other.to_owned(),
        },
    }
}

impl InvestigationResultPort for SdkDetective {
    async fn get_investigation(
        &self,
        region: &str,
        graph_arn: &str,
        investigation_id: &str,
    ) -> Result<InvestigationDetails, AwsError> {
        let output = self
            .client(region)
            .get_investigation()
            .graph_arn(graph_arn)
            .investigation_id(investigation_id)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::GetInvestigation, error))?;
        Ok(InvestigationDetails {
            investigation_id: output.investigation_id().unwrap_or(investigation_id).to_owned(),
            graph_arn: output.graph_arn().unwrap_or(graph_arn).to_owned(),
            entity_arn: owned(output.entity_arn()),
            entity_type: output.entity_type().map(|kind| kind.as_str().to_owned()),
            status: InvestigationStatus::from_aws(output.status().map(|status| status.as_str()).unwrap_or_default()),
            severity: output
                .severity()
                .map(|severity| InvestigationSeverity::from_aws(severity.as_str())),
            state: output.state().map(|state| InvestigationState::from_aws(state.as_str())),
            created_time: output.created_time().and_then(from_sdk_time),
            scope_start: output.scope_start_time().and_then(from_sdk_time),
            scope_end: output.scope_end_time().and_then(from_sdk_time),
        })
    }

    async fn list_indicators(
        &self,
        region: &str,
        graph_arn: &str,
        investigation_id: &str,
    ) -> Result<Vec<Indicator>, AwsError> {
        let client = self.client(region);
        let mut indicators = Vec::new();
        let mut next_token: Option<String> = None;
        // No SDK paginator: NextToken by hand (paging.rs).
        loop {
            let page = client
                .list_indicators()
                .graph_arn(graph_arn)
                .investigation_id(investigation_id)
                .set_next_token(next_token.clone())
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(Operation::ListIndicators, error))?;
            indicators.extend(page.indicators().iter().map(|found| {
                let kind = found.indicator_type().map(|kind| kind.as_str()).unwrap_or_default();
                indicator(kind, found.indicator_detail())
            }));
            next_token = next_page(Operation::ListIndicators, next_token.as_deref(), page.next_token())?;
            if next_token.is_none() {
                return Ok(indicators);
            }
        }
    }

    async fn archive_investigation(
        &self,
        region: &str,
        graph_arn: &str,
        investigation_id: &str,
    ) -> Result<(), AwsError> {
        self.client(region)
            .update_investigation_state()
            .graph_arn(graph_arn)
            .investigation_id(investigation_id)
            .state(SdkState::Archived)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::UpdateInvestigationState, error))?;
        Ok(())
    }
}

/// SQS in the function's own region.
pub struct SdkSqs {
    client: aws_sdk_sqs::Client,
}

impl SdkSqs {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            client: aws_sdk_sqs::Client::new(config),
        }
    }
}

/// A SendMessage made: its message id.
async fn sent(
    request: aws_sdk_sqs::operation::send_message::builders::SendMessageFluentBuilder,
) -> Result<String, AwsError> {
    let output = request
        .send()
        .await
        .map_err(|error| AwsError::from_sdk(Operation::SendMessage, error))?;
    Ok(output.message_id().unwrap_or_default().to_owned())
}

impl ReportQueuePort for SdkSqs {
    async fn send_report_message(&self, queue_url: &str, body: &str, delay_seconds: u32) -> Result<String, AwsError> {
        let delay = i32::try_from(delay_seconds).unwrap_or(i32::MAX);
        sent(
            self.client
                .send_message()
                .queue_url(queue_url)
                .message_body(body)
                .delay_seconds(delay),
        )
        .await
    }

    async fn send_dead_letter(&self, queue_url: &str, body: &str, reason: &str) -> Result<String, AwsError> {
        // SQS's attribute value limit is the message's (256 KiB): a reason is far smaller,
        // but is cut to stay well inside it.
        let reason: String = reason.chars().take(4096).collect();
        let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(if reason.is_empty() {
                "unknown".to_owned()
            } else {
                reason
            })
            .build()
            .map_err(|error| AwsError::new(Operation::SendMessage, "ConstructionFailure", error.to_string()))?;
        sent(
            self.client
                .send_message()
                .queue_url(queue_url)
                .message_body(body)
                .message_attributes("reason", attribute),
        )
        .await
    }
}

/// EventBridge in the function's own region.
pub struct SdkEventBridge {
    client: aws_sdk_eventbridge::Client,
}

impl SdkEventBridge {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            client: aws_sdk_eventbridge::Client::new(config),
        }
    }
}

/// Security Hub in the function's own region.
pub struct SdkSecurityHub {
    client: aws_sdk_securityhub::Client,
}

impl SdkSecurityHub {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            client: aws_sdk_securityhub::Client::new(config),
        }
    }
}

/// Both sinks, as one port.
pub struct ReportSinks {
    pub events: SdkEventBridge,
    pub security_hub: SdkSecurityHub,
}

impl ReportSinks {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            events: SdkEventBridge::new(config),
            security_hub: SdkSecurityHub::new(config),
        }
    }
}

fn asff(finding: &AsffFinding) -> AwsSecurityFinding {
    let product_fields: HashMap<String, String> = finding
        .product_fields
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(&finding.id)
        .product_arn(&finding.product_arn)
        .generator_id(&finding.generator_id)
        .aws_account_id(&finding.aws_account_id)
        .region(&finding.region)
        .set_types(Some(finding.types.clone()))
        .created_at(&finding.created_at)
        .updated_at(&finding.updated_at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(finding.severity_label.as_str()))
                .build(),
        )
        .title(&finding.title)
        .description(&finding.description)
        .source_url(&finding.source_url)
        .resources(
            Resource::builder()
                .r#type(&finding.resource_type)
                .id(&finding.resource_id)
                .partition(aws_sdk_securityhub::types::Partition::from(finding.partition.as_str()))
                .region(&finding.region)
                .build(),
        )
        .set_product_fields(Some(product_fields))
        .build()
}

impl AlertPort for SdkEventBridge {
    async fn put_alert(
        &self,
        bus: &str,
        detail_type: &str,
        detail: &str,
        resources: &[String],
    ) -> Result<String, AwsError> {
        put_one(&self.client, bus, detail_type, detail, resources).await
    }
}

impl ReportSinkPort for ReportSinks {
    async fn put_report_event(
        &self,
        bus: &str,
        detail_type: &str,
        detail: &str,
        resources: &[String],
    ) -> Result<String, AwsError> {
        put_one(&self.events.client, bus, detail_type, detail, resources).await
    }

    async fn import_finding(&self, finding: &AsffFinding) -> Result<(), AwsError> {
        import_one(&self.security_hub.client, finding).await
    }
}

/// The source of every event we put on a bus (tamper alerts and reports): what rules match.
pub const EVENT_SOURCE: &str = "detective-autopilot";

/// PutEvents of one event from `detective-autopilot`.
async fn put_one(
    client: &aws_sdk_eventbridge::Client,
    bus: &str,
    detail_type: &str,
    detail: &str,
    resources: &[String],
) -> Result<String, AwsError> {
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source(EVENT_SOURCE)
        .detail_type(detail_type)
        .detail(detail)
        .event_bus_name(bus)
        .set_resources(Some(resources.to_vec()))
        .build();
    let output = client
        .put_events()
        .entries(entry)
        .send()
        .await
        .map_err(|error| AwsError::from_sdk(Operation::PutEvents, error))?;
    // PutEvents answers 200 with the entry's own error when it could not be put.
    match output.entries().first() {
        Some(entry) if entry.error_code().is_some() => Err(AwsError::new(
            Operation::PutEvents,
            entry.error_code().unwrap_or_default(),
            entry.error_message().unwrap_or_default(),
        )),
        Some(entry) => Ok(entry.event_id().unwrap_or_default().to_owned()),
        None => Err(AwsError::new(
            Operation::PutEvents,
            "NoEntry",
            "the response carries no entry",
        )),
    }
}

async fn import_one(client: &aws_sdk_securityhub::Client, finding: &AsffFinding) -> Result<(), AwsError> {
    let output = client
        .batch_import_findings()
        .findings(asff(finding))
        .send()
        .await
        .map_err(|error| AwsError::from_sdk(Operation::BatchImportFindings, error))?;
    // Like PutEvents: a finding refused is in FailedFindings of a 200 answer.
    match output.failed_findings().first() {
        Some(failed) => Err(AwsError::new(
            Operation::BatchImportFindings,
            failed.error_code().unwrap_or_default(),
            failed.error_message().unwrap_or_default(),
        )),
        None => Ok(()),
    }
}
