//! Detective adapter over the SDK: pagination, error mapping; retries are the SDK's.

use crate::operation::Operation;
use std::collections::HashMap;
use std::sync::Mutex;

use aws_config::SdkConfig;
use aws_sdk_detective::primitives::DateTime as SdkDateTime;
use aws_sdk_detective::types::{DateFilter, FilterCriteria, State, StringFilter};
use aws_sdk_detective::Client;
use chrono::{DateTime, Utc};

use super::paging::next_page;
use super::ports::{
    CreatedMembers, GraphPort, InvestigationFilter, InvestigationPort, InvestigationSummary, InvitationPort,
    MemberChanges, MemberDetail, MemberPort, MemberUsage, MembersLookup, NewMember, OrganizationConfigPort,
    PackageVolume, StartInvestigationRequest, UnprocessedAccount,
};
use super::AwsError;
use crate::domain::{DatasourcePackage, DisabledReason, IngestState, InvestigationState, InvitationType, MemberStatus};

/// Detective in any region, from one SDK configuration; clients are built once per region.
pub struct SdkDetective {
    config: SdkConfig,
    clients: Mutex<HashMap<String, Client>>,
    /// One client for every region, when given one (adapter tests with mocked clients).
    every_region: Option<Client>,
}

impl SdkDetective {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            config: config.clone(),
            clients: Mutex::new(HashMap::new()),
            every_region: None,
        }
    }

    /// The same client for every region.
    pub fn with_client(client: Client) -> Self {
        Self {
            config: SdkConfig::builder().build(),
            clients: Mutex::new(HashMap::new()),
            every_region: Some(client),
        }
    }

    pub(super) fn client(&self, region: &str) -> Client {
        if let Some(client) = &self.every_region {
            return client.clone();
        }
        let build = || {
            let config = aws_sdk_detective::config::Builder::from(&self.config)
                .region(aws_sdk_detective::config::Region::new(region.to_owned()))
                .build();
            Client::from_conf(config)
        };
        match self.clients.lock() {
            Ok(mut clients) => clients.entry(region.to_owned()).or_insert_with(build).clone(),
            // A poisoned cache only costs a rebuild.
            Err(_) => build(),
        }
    }
}

pub(crate) fn to_sdk_time(time: DateTime<Utc>) -> SdkDateTime {
    SdkDateTime::from_millis(time.timestamp_millis())
}

pub(crate) fn from_sdk_time(time: &SdkDateTime) -> Option<DateTime<Utc>> {
    time.to_millis().ok().and_then(DateTime::from_timestamp_millis)
}

#[allow(deprecated)] // MasterId: the deprecated name, read only when AdministratorId is absent.
fn member_detail(member: &aws_sdk_detective::types::MemberDetail) -> MemberDetail {
    MemberDetail {
        account_id: member.account_id().unwrap_or_default().to_owned(),
        email: member.email_address().map(str::to_owned),
        graph_arn: member.graph_arn().map(str::to_owned),
        // MasterId is the deprecated name of AdministratorId; only used when the new one is absent.
        administrator_id: member.administrator_id().or(member.master_id()).map(str::to_owned),
        status: MemberStatus::from_aws(member.status().map(|status| status.as_str()).unwrap_or_default()),
        invitation_type: member
            .invitation_type()
            .map(|kind| InvitationType::from_aws(kind.as_str())),
        disabled_reason: member
            .disabled_reason()
            .map(|reason| DisabledReason::from_aws(reason.as_str())),
        usage: member_usage(member),
    }
}

fn member_usage(member: &aws_sdk_detective::types::MemberDetail) -> MemberUsage {
    let mut volumes: Vec<PackageVolume> = member
        .volume_usage_by_datasource_package()
        .into_iter()
        .flatten()
        .map(|(package, usage)| PackageVolume {
            package: DatasourcePackage::from_aws(package.as_str()),
            // A negative volume is not one: read as none.
            bytes_per_day: usage
                .volume_usage_in_bytes()
                .and_then(|bytes| u64::try_from(bytes).ok())
                .unwrap_or(0),
            updated: usage
                .volume_usage_update_time()
                .and_then(|time| DateTime::from_timestamp(time.secs(), time.subsec_nanos())),
        })
        .collect();
    volumes.sort_by(|a, b| a.package.cmp(&b.package));
    let mut ingest_states: Vec<(DatasourcePackage, IngestState)> = member
        .datasource_package_ingest_states()
        .into_iter()
        .flatten()
        .map(|(package, state)| {
            (
                DatasourcePackage::from_aws(package.as_str()),
                IngestState::from_aws(state.as_str()),
            )
        })
        .collect();
    ingest_states.sort();
    MemberUsage { volumes, ingest_states }
}

impl GraphPort for SdkDetective {
    async fn list_graphs(&self, region: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self.client(region).list_graphs().into_paginator().send();
        let mut arns = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk(Operation::ListGraphs, error))?;
            arns.extend(
                page.graph_list()
                    .iter()
                    .filter_map(|graph| graph.arn().map(str::to_owned)),
            );
        }
        Ok(arns)
    }
}

pub(super) fn unprocessed(accounts: &[aws_sdk_detective::types::UnprocessedAccount]) -> Vec<UnprocessedAccount> {
    accounts
        .iter()
        .map(|account| UnprocessedAccount {
            account_id: account.account_id().unwrap_or_default().to_owned(),
            reason: account.reason().unwrap_or_default().to_owned(),
        })
        .collect()
}

impl MemberPort for SdkDetective {
    async fn list_members(&self, region: &str, graph_arn: &str) -> Result<Vec<MemberDetail>, AwsError> {
        let mut pages = self
            .client(region)
            .list_members()
            .graph_arn(graph_arn)
            .into_paginator()
            .send();
        let mut members = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk(Operation::ListMembers, error))?;
            members.extend(page.member_details().iter().map(member_detail));
        }
        Ok(members)
    }

    async fn create_members(
        &self,
        region: &str,
        graph_arn: &str,
        accounts: &[NewMember],
    ) -> Result<CreatedMembers, AwsError> {
        let mut request = self
            .client(region)
            .create_members()
            .graph_arn(graph_arn)
            .disable_email_notification(true);
        for account in accounts {
            let account = aws_sdk_detective::types::Account::builder()
                .account_id(&account.account_id)
                .email_address(&account.email)
                .build()
                .map_err(|error| AwsError::new(Operation::CreateMembers, "ConstructionFailure", error.to_string()))?;
            request = request.accounts(account);
        }
        let output = request
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::CreateMembers, error))?;
        Ok(CreatedMembers {
            members: output.members().iter().map(member_detail).collect(),
            unprocessed: unprocessed(output.unprocessed_accounts()),
        })
    }

    async fn delete_members(
        &self,
        region: &str,
        graph_arn: &str,
        account_ids: &[String],
    ) -> Result<MemberChanges, AwsError> {
        let output = self
            .client(region)
            .delete_members()
            .graph_arn(graph_arn)
            .set_account_ids(Some(account_ids.to_vec()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::DeleteMembers, error))?;
        Ok(MemberChanges {
            processed: output.account_ids().to_vec(),
            unprocessed: unprocessed(output.unprocessed_accounts()),
        })
    }

    async fn start_monitoring_member(&self, region: &str, graph_arn: &str, account_id: &str) -> Result<(), AwsError> {
        self.client(region)
            .start_monitoring_member()
            .graph_arn(graph_arn)
            .account_id(account_id)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::StartMonitoringMember, error))?;
        Ok(())
    }

    async fn get_members(
        &self,
        region: &str,
        graph_arn: &str,
        account_ids: &[String],
    ) -> Result<MembersLookup, AwsError> {
        let output = self
            .client(region)
            .get_members()
            .graph_arn(graph_arn)
            .set_account_ids(Some(account_ids.to_vec()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::GetMembers, error))?;
        Ok(MembersLookup {
            members: output.member_details().iter().map(member_detail).collect(),
            unprocessed: unprocessed(output.unprocessed_accounts()),
        })
    }
}

impl OrganizationConfigPort for SdkDetective {
    async fn describe_organization_configuration(&self, region: &str, graph_arn: &str) -> Result<bool, AwsError> {
        let output = self
            .client(region)
            .describe_organization_configuration()
            .graph_arn(graph_arn)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::DescribeOrganizationConfiguration, error))?;
        Ok(output.auto_enable())
    }

    async fn update_organization_configuration(
        &self,
        region: &str,
        graph_arn: &str,
        auto_enable: bool,
    ) -> Result<(), AwsError> {
        self.client(region)
            .update_organization_configuration()
            .graph_arn(graph_arn)
            .auto_enable(auto_enable)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::UpdateOrganizationConfiguration, error))?;
        Ok(())
    }
}

impl InvestigationPort for SdkDetective {
    async fn find_investigation(
        &self,
        region: &str,
        graph_arn: &str,
        filter: &InvestigationFilter,
    ) -> Result<Option<InvestigationSummary>, AwsError> {
        let to_error = |error| AwsError::new(Operation::ListInvestigations, "ConstructionFailure", format!("{error}"));
        let mut criteria = FilterCriteria::builder()
            .entity_arn(
                StringFilter::builder()
                    .value(&filter.entity_arn)
                    .build()
                    .map_err(to_error)?,
            )
            .created_time(
                DateFilter::builder()
                    .start_inclusive(to_sdk_time(filter.created_from))
                    .end_inclusive(to_sdk_time(filter.created_to))
                    .build()
                    .map_err(to_error)?,
            );
        if let Some(state) = &filter.state {
            criteria = criteria.state(
                StringFilter::builder()
                    .value(state.as_str())
                    .build()
                    .map_err(to_error)?,
            );
        }
        let criteria = criteria.build();
        let client = self.client(region);
        let mut next_token: Option<String> = None;
        // No SDK paginator: NextToken by hand (paging.rs), stopping at the first match.
        loop {
            let page = client
                .list_investigations()
                .graph_arn(graph_arn)
                .filter_criteria(criteria.clone())
                .set_next_token(next_token.clone())
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(Operation::ListInvestigations, error))?;
            let found = page
                .investigation_details()
                .iter()
                .map(|detail| InvestigationSummary {
                    investigation_id: detail.investigation_id().unwrap_or_default().to_owned(),
                    entity_arn: detail.entity_arn().map(str::to_owned),
                    state: detail
                        .state()
                        .map(|state: &State| InvestigationState::from_aws(state.as_str())),
                    status: detail.status().map(|status| status.as_str().to_owned()),
                    created_time: detail.created_time().and_then(from_sdk_time),
                })
                .find(|summary| {
                    summary.entity_arn.as_deref().is_none_or(|arn| arn == filter.entity_arn)
                        && filter
                            .state
                            .as_ref()
                            .is_none_or(|wanted| summary.state.as_ref().is_none_or(|state| state == wanted))
                });
            if found.is_some() {
                return Ok(found);
            }
            next_token = next_page(Operation::ListInvestigations, next_token.as_deref(), page.next_token())?;
            if next_token.is_none() {
                return Ok(None);
            }
        }
    }

    async fn start_investigation(&self, region: &str, request: &StartInvestigationRequest) -> Result<String, AwsError> {
        let output = self
            .client(region)
            .start_investigation()
            .graph_arn(&request.graph_arn)
            .entity_arn(&request.entity_arn)
            .scope_start_time(to_sdk_time(request.scope_start))
            .scope_end_time(to_sdk_time(request.scope_end))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::StartInvestigation, error))?;
        Ok(output.investigation_id().unwrap_or_default().to_owned())
    }
}

impl InvitationPort for SdkDetective {
    async fn list_invitations(&self, region: &str) -> Result<Vec<MemberDetail>, AwsError> {
        let mut pages = self.client(region).list_invitations().into_paginator().send();
        let mut invitations = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk(Operation::ListInvitations, error))?;
            invitations.extend(page.invitations().iter().map(member_detail));
        }
        Ok(invitations)
    }

    async fn accept_invitation(&self, region: &str, graph_arn: &str) -> Result<(), AwsError> {
        self.client(region)
            .accept_invitation()
            .graph_arn(graph_arn)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::AcceptInvitation, error))?;
        Ok(())
    }

    async fn reject_invitation(&self, region: &str, graph_arn: &str) -> Result<(), AwsError> {
        self.client(region)
            .reject_invitation()
            .graph_arn(graph_arn)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::RejectInvitation, error))?;
        Ok(())
    }

    async fn disassociate_membership(&self, region: &str, graph_arn: &str) -> Result<(), AwsError> {
        self.client(region)
            .disassociate_membership()
            .graph_arn(graph_arn)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::DisassociateMembership, error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_detective::operation::get_members::GetMembersOutput;
    use aws_sdk_detective::operation::list_invitations::ListInvitationsOutput;
    use aws_sdk_detective::types::{MemberDetail as SdkMember, MemberStatus as SdkStatus};
    use aws_smithy_mocks::{mock, mock_client};

    use super::*;

    const GRAPH: &str = "arn:aws:detective:us-east-1:777777777777:graph:0123456789abcdef0123456789abcdef";

    #[tokio::test]
    async fn an_invitation_naming_its_administrator_only_by_the_deprecated_master_id() {
        #[allow(deprecated)]
        let member = SdkMember::builder()
            .account_id("123456789012")
            .graph_arn(GRAPH)
            .master_id("777777777777")
            .status(SdkStatus::Invited)
            .build();
        let listed = mock!(Client::list_invitations)
            .then_output(move || ListInvitationsOutput::builder().invitations(member.clone()).build());
        let detective = SdkDetective::with_client(mock_client!(aws_sdk_detective, [&listed]));
        let invitations = detective.list_invitations("us-east-1").await;
        let administrators: Vec<Option<String>> = invitations
            .unwrap_or_default()
            .into_iter()
            .map(|invitation| invitation.administrator_id)
            .collect();
        assert_eq!(administrators, vec![Some("777777777777".to_owned())]);
    }

    #[tokio::test]
    async fn statuses_aws_adds_later_are_kept_not_misread() {
        let member = SdkMember::builder()
            .account_id("222222222222")
            .status(SdkStatus::from("PAUSED"))
            .build();
        let read = mock!(Client::get_members)
            .then_output(move || GetMembersOutput::builder().member_details(member.clone()).build());
        let detective = SdkDetective::with_client(mock_client!(aws_sdk_detective, [&read]));
        let found = detective
            .get_members("us-east-1", GRAPH, &["222222222222".to_owned()])
            .await
            .map(|lookup| {
                lookup
                    .members
                    .into_iter()
                    .map(|member| member.status)
                    .collect::<Vec<_>>()
            });
        assert_eq!(found, Ok(vec![MemberStatus::Other("PAUSED".to_owned())]));
    }
}
