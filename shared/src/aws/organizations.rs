//! Organizations adapter over the SDK (reads only).

use aws_config::SdkConfig;
use aws_sdk_organizations::operation::describe_account::DescribeAccountError;
use aws_sdk_organizations::Client;

use super::ports::{OrgAccount, OrganizationPort};
use super::AwsError;

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
}

fn org_account(account: &aws_sdk_organizations::types::Account) -> OrgAccount {
    #[allow(deprecated)] // `Status` is deprecated in favour of `State`; older responses carry only `Status`.
    let state = account
        .state()
        .map(|state| state.as_str().to_owned())
        .or_else(|| account.status().map(|status| status.as_str().to_owned()))
        .unwrap_or_default();
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
