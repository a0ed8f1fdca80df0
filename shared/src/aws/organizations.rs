//! Organizations adapter over the SDK (reads only).

use crate::operation::Operation;
use aws_config::SdkConfig;
use aws_sdk_organizations::operation::describe_account::DescribeAccountError;
use aws_sdk_organizations::Client;

use super::ports::{Designated, DesignationPort, OrgAccount, OrganizationPort};
use super::AwsError;
use crate::domain::AccountState;
use chrono::DateTime;

/// Organizations is a global service: one client.
pub struct SdkOrganizations {
    client: Client,
}

impl SdkOrganizations {
    pub fn new(config: &SdkConfig) -> Self {
        let mut builder = aws_sdk_organizations::config::Builder::from(config);
        if let Some(adaptive) = super::sdk::adaptive(config.retry_config()) {
            builder = builder.retry_config(adaptive);
        }
        Self {
            client: Client::from_conf(builder.build()),
        }
    }

    /// Over a client configured elsewhere (adapter tests with mocked clients).
    pub fn with_client(client: Client) -> Self {
        Self { client }
    }
}

fn org_account(account: &aws_sdk_organizations::types::Account) -> OrgAccount {
    #[allow(deprecated)] // `Status` is deprecated in favour of `State`; older responses carry only `Status`.
    let state = account
        .state()
        .map(|state| state.as_str())
        .or_else(|| account.status().map(|status| status.as_str()))
        .map_or_else(|| AccountState::Other(String::new()), AccountState::from_aws);
    OrgAccount {
        id: account.id().unwrap_or_default().to_owned(),
        name: account.name().map(str::to_owned),
        email: account.email().map(str::to_owned),
        state,
        joined: account
            .joined_timestamp()
            .and_then(|time| DateTime::from_timestamp(time.secs(), time.subsec_nanos())),
    }
}

impl OrganizationPort for SdkOrganizations {
    async fn describe_account(&self, account_id: &str) -> Result<Option<OrgAccount>, AwsError> {
        match self.client.describe_account().account_id(account_id).send().await {
            Ok(output) => Ok(output.account().map(org_account)),
            Err(error) => match error.as_service_error() {
                Some(DescribeAccountError::AccountNotFoundException(_)) => Ok(None),
                _ => Err(AwsError::from_sdk(Operation::DescribeAccount, error)),
            },
        }
    }

    async fn list_accounts(&self) -> Result<Vec<OrgAccount>, AwsError> {
        let mut pages = self.client.list_accounts().into_paginator().send();
        let mut accounts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk(Operation::ListAccounts, error))?;
            accounts.extend(page.accounts().iter().map(org_account));
        }
        Ok(accounts)
    }

    /// Top-down: one listing per unit in the subtree (and a page per 20 accounts), not a
    /// ListParents walk per account.
    async fn accounts_under(&self, parent_id: &str) -> Result<Vec<String>, AwsError> {
        let mut accounts = Vec::new();
        let mut units = vec![parent_id.to_owned()];
        while let Some(unit) = units.pop() {
            let mut pages = self
                .client
                .list_accounts_for_parent()
                .parent_id(&unit)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|error| AwsError::from_sdk(Operation::ListAccountsForParent, error))?;
                accounts.extend(
                    page.accounts()
                        .iter()
                        .filter_map(|account| account.id().map(str::to_owned)),
                );
            }
            let mut pages = self
                .client
                .list_organizational_units_for_parent()
                .parent_id(&unit)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page =
                    page.map_err(|error| AwsError::from_sdk(Operation::ListOrganizationalUnitsForParent, error))?;
                units.extend(
                    page.organizational_units()
                        .iter()
                        .filter_map(|child| child.id().map(str::to_owned)),
                );
            }
        }
        Ok(accounts)
    }

    async fn account_tags(&self, account_id: &str) -> Result<Vec<(String, String)>, AwsError> {
        let mut pages = self
            .client
            .list_tags_for_resource()
            .resource_id(account_id)
            .into_paginator()
            .send();
        let mut tags = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk(Operation::ListAccountTags, error))?;
            tags.extend(
                page.tags()
                    .iter()
                    .map(|tag| (tag.key().to_owned(), tag.value().to_owned())),
            );
        }
        Ok(tags)
    }
}

/// Detective's service principal, for its delegated administrator in Organizations.
const DETECTIVE: &str = "detective.amazonaws.com";

impl DesignationPort for SdkOrganizations {
    /// Organizations' delegated administrator for Detective (ListDelegatedAdministrators):
    /// the management account designates only it (or itself) once it is registered, in
    /// every region. Only the management account and delegated administrators may ask: an
    /// account refused is none, and cannot tell who is.
    async fn designated(&self, _region: &str) -> Result<Designated, AwsError> {
        let mut pages = self
            .client
            .list_delegated_administrators()
            .service_principal(DETECTIVE)
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(
                    page.delegated_administrators()
                        .iter()
                        .filter_map(|admin| admin.id().map(str::to_owned)),
                ),
                Err(error) => {
                    let error = AwsError::from_sdk(Operation::ListDelegatedAdministrators, error);
                    return match error.code.as_str() {
                        "AWSOrganizationsNotInUseException" => Ok(Designated::NoOrganization),
                        "AccessDeniedException" | "AccessDenied" => Ok(Designated::Unknown(error.to_string())),
                        _ => Err(error),
                    };
                }
            }
        }
        Ok(found.into_iter().next().map_or(Designated::Nobody, Designated::Account))
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_organizations::operation::describe_account::DescribeAccountOutput;
    use aws_sdk_organizations::types::{Account, AccountStatus};
    use aws_smithy_mocks::{mock, mock_client};

    use super::*;

    #[tokio::test]
    async fn an_account_with_only_the_deprecated_status_still_has_its_state() {
        #[allow(deprecated)]
        let account = Account::builder()
            .id("222222222222")
            .email("dev@example.com")
            .status(AccountStatus::Suspended)
            .build();
        let described = mock!(Client::describe_account)
            .then_output(move || DescribeAccountOutput::builder().account(account.clone()).build());
        let organizations = SdkOrganizations::with_client(mock_client!(aws_sdk_organizations, [&described]));
        let found = organizations.describe_account("222222222222").await;
        assert_eq!(
            found.map(|account| account.map(|account| account.state)),
            Ok(Some(AccountState::Suspended))
        );
    }
}
