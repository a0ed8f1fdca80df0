//! Detective's setup operations over the SDK: the administrator's designation, the graph,
//! its data source packages and tags, and who ingests what.

use crate::operation::Operation;
use std::collections::HashMap;

use aws_sdk_detective::types::{
    DatasourcePackage as SdkPackage, DatasourcePackageIngestState, FilterCriteria, MembershipDatasources, StringFilter,
    TimestampForCollection,
};

use super::detective::{from_sdk_time, unprocessed, SdkDetective};
use super::paging::next_page;
use super::ports::{
    AccountDatasources, ActiveInvestigation, AdministratorPort, DatasourcePort, DatasourcesLookup, GraphSetupPort,
    InvestigationReportPort, OrganizationAdmin, PackageStates, Tags, UnprocessedAccount,
};
use super::AwsError;
use crate::domain::{DatasourcePackage, IngestState};

impl AdministratorPort for SdkDetective {
    async fn list_organization_admin_accounts(&self, region: &str) -> Result<Vec<OrganizationAdmin>, AwsError> {
        let mut pages = self
            .client(region)
            .list_organization_admin_accounts()
            .into_paginator()
            .send();
        let mut admins = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk(Operation::ListOrganizationAdminAccounts, error))?;
            admins.extend(page.administrators().iter().map(|admin| OrganizationAdmin {
                account_id: admin.account_id().unwrap_or_default().to_owned(),
                graph_arn: admin.graph_arn().map(str::to_owned),
            }));
        }
        Ok(admins)
    }

    async fn enable_organization_admin_account(&self, region: &str, account_id: &str) -> Result<(), AwsError> {
        self.client(region)
            .enable_organization_admin_account()
            .account_id(account_id)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::EnableOrganizationAdminAccount, error))?;
        Ok(())
    }

    async fn disable_organization_admin_account(&self, region: &str) -> Result<(), AwsError> {
        self.client(region)
            .disable_organization_admin_account()
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::DisableOrganizationAdminAccount, error))?;
        Ok(())
    }
}

fn sdk_tags(tags: &Tags) -> HashMap<String, String> {
    tags.iter().map(|(key, value)| (key.clone(), value.clone())).collect()
}

impl GraphSetupPort for SdkDetective {
    async fn create_graph(&self, region: &str, tags: &Tags) -> Result<String, AwsError> {
        let tags = (!tags.is_empty()).then(|| sdk_tags(tags));
        let output = self
            .client(region)
            .create_graph()
            .set_tags(tags)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::CreateGraph, error))?;
        output.graph_arn().map(str::to_owned).ok_or_else(|| {
            AwsError::new(
                Operation::CreateGraph,
                "MissingGraphArn",
                "the response carries no GraphArn",
            )
        })
    }

    async fn delete_graph(&self, region: &str, graph_arn: &str) -> Result<(), AwsError> {
        self.client(region)
            .delete_graph()
            .graph_arn(graph_arn)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::DeleteGraph, error))?;
        Ok(())
    }

    async fn list_datasource_packages(&self, region: &str, graph_arn: &str) -> Result<PackageStates, AwsError> {
        let mut pages = self
            .client(region)
            .list_datasource_packages()
            .graph_arn(graph_arn)
            .into_paginator()
            .send();
        let mut packages = PackageStates::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk(Operation::ListDatasourcePackages, error))?;
            for (package, detail) in page.datasource_packages().into_iter().flatten() {
                let state = detail.datasource_package_ingest_state().map_or_else(
                    || IngestState::Other(String::new()),
                    |state| IngestState::from_aws(state.as_str()),
                );
                packages.insert(DatasourcePackage::from_aws(package.as_str()), state);
            }
        }
        Ok(packages)
    }

    async fn update_datasource_packages(
        &self,
        region: &str,
        graph_arn: &str,
        packages: &[DatasourcePackage],
    ) -> Result<(), AwsError> {
        let packages = packages
            .iter()
            .map(|package| SdkPackage::from(package.as_str()))
            .collect();
        self.client(region)
            .update_datasource_packages()
            .graph_arn(graph_arn)
            .set_datasource_packages(Some(packages))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::UpdateDatasourcePackages, error))?;
        Ok(())
    }

    async fn list_tags(&self, region: &str, graph_arn: &str) -> Result<Tags, AwsError> {
        let output = self
            .client(region)
            .list_tags_for_resource()
            .resource_arn(graph_arn)
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::ListTagsForResource, error))?;
        Ok(output
            .tags()
            .into_iter()
            .flatten()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    async fn tag_graph(&self, region: &str, graph_arn: &str, tags: &Tags) -> Result<(), AwsError> {
        self.client(region)
            .tag_resource()
            .resource_arn(graph_arn)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::TagResource, error))?;
        Ok(())
    }

    async fn untag_graph(&self, region: &str, graph_arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.client(region)
            .untag_resource()
            .resource_arn(graph_arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::UntagResource, error))?;
        Ok(())
    }
}

/// Per package, the state with the latest timestamp in its history.
fn latest_states(entry: &MembershipDatasources) -> PackageStates {
    let mut packages = PackageStates::new();
    for (package, history) in entry.datasource_package_ingest_history().into_iter().flatten() {
        let latest = history
            .iter()
            .max_by_key(|(_, at): &(&DatasourcePackageIngestState, &TimestampForCollection)| {
                at.timestamp().and_then(from_sdk_time)
            })
            .map(|(state, _)| IngestState::from_aws(state.as_str()));
        if let Some(state) = latest {
            packages.insert(DatasourcePackage::from_aws(package.as_str()), state);
        }
    }
    packages
}

fn account_datasources(entry: &MembershipDatasources) -> AccountDatasources {
    AccountDatasources {
        account_id: entry.account_id().unwrap_or_default().to_owned(),
        graph_arn: entry.graph_arn().unwrap_or_default().to_owned(),
        packages: latest_states(entry),
    }
}

impl DatasourcePort for SdkDetective {
    async fn member_datasources(
        &self,
        region: &str,
        graph_arn: &str,
        account_ids: &[String],
    ) -> Result<DatasourcesLookup, AwsError> {
        let output = self
            .client(region)
            .batch_get_graph_member_datasources()
            .graph_arn(graph_arn)
            .set_account_ids(Some(account_ids.to_vec()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::BatchGetGraphMemberDatasources, error))?;
        Ok(DatasourcesLookup {
            found: output.member_datasources().iter().map(account_datasources).collect(),
            unprocessed: unprocessed(output.unprocessed_accounts()),
        })
    }

    async fn membership_datasources(&self, region: &str, graph_arns: &[String]) -> Result<DatasourcesLookup, AwsError> {
        let output = self
            .client(region)
            .batch_get_membership_datasources()
            .set_graph_arns(Some(graph_arns.to_vec()))
            .send()
            .await
            .map_err(|error| AwsError::from_sdk(Operation::BatchGetMembershipDatasources, error))?;
        Ok(DatasourcesLookup {
            found: output
                .membership_datasources()
                .iter()
                .map(account_datasources)
                .collect(),
            unprocessed: output
                .unprocessed_graphs()
                .iter()
                .map(|graph| UnprocessedAccount {
                    account_id: graph.graph_arn().unwrap_or_default().to_owned(),
                    reason: graph.reason().unwrap_or_default().to_owned(),
                })
                .collect(),
        })
    }
}

impl InvestigationReportPort for SdkDetective {
    async fn active_investigations(&self, region: &str, graph_arn: &str) -> Result<Vec<ActiveInvestigation>, AwsError> {
        let active = StringFilter::builder()
            .value("ACTIVE")
            .build()
            .map_err(|error| AwsError::new(Operation::ListInvestigations, "ConstructionFailure", error.to_string()))?;
        let criteria = FilterCriteria::builder().state(active).build();
        let client = self.client(region);
        let mut found = Vec::new();
        let mut next_token: Option<String> = None;
        // No SDK paginator: NextToken by hand (paging.rs).
        loop {
            let page = client
                .list_investigations()
                .graph_arn(graph_arn)
                .filter_criteria(criteria.clone())
                .set_next_token(next_token.clone())
                .send()
                .await
                .map_err(|error| AwsError::from_sdk(Operation::ListInvestigations, error))?;
            found.extend(
                page.investigation_details()
                    .iter()
                    .filter(|detail| detail.state().is_none_or(|state| state.as_str() == "ACTIVE"))
                    .map(|detail| ActiveInvestigation {
                        investigation_id: detail.investigation_id().unwrap_or_default().to_owned(),
                        severity: detail
                            .severity()
                            .map_or("UNKNOWN", |severity| severity.as_str())
                            .to_owned(),
                    }),
            );
            next_token = next_page(Operation::ListInvestigations, next_token.as_deref(), page.next_token())?;
            if next_token.is_none() {
                return Ok(found);
            }
        }
    }
}
