//! Organizations adapter over the SDK (reads only).

use aws_config::SdkConfig;
use aws_sdk_organizations::operation::describe_account::DescribeAccountError;
use aws_sdk_organizations::Client;

use super::ports::{OrgAccount, OrganizationPort};
use super::AwsError;
use crate::domain::AccountState;

/// Organizations is a global service: one client.
pub struct SdkOrganizations {
    client: Client,
}

impl SdkOrganizations {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            client: Client::new(config),
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
    }
}

impl OrganizationPort for SdkOrganizations {
    async fn describe_account(&self, account_id: &str) -> Result<Option<OrgAccount>, AwsError> {
        match self.client.describe_account().account_id(account_id).send().await {
            Ok(output) => Ok(output.account().map(org_account)),
            Err(error) => match error.as_service_error() {
                Some(DescribeAccountError::AccountNotFoundException(_)) => Ok(None),
                _ => Err(AwsError::from_sdk("DescribeAccount", error)),
            },
        }
    }

    async fn list_accounts(&self) -> Result<Vec<OrgAccount>, AwsError> {
        let mut pages = self.client.list_accounts().into_paginator().send();
        let mut accounts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| AwsError::from_sdk("ListAccounts", error))?;
            accounts.extend(page.accounts().iter().map(org_account));
        }
        Ok(accounts)
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
