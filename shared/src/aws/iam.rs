//! The optional principal lookup: iam:GetRole / iam:GetUser in the member account, through
//! a role assumed there (`ROLE_LOOKUP_ROLE_NAME`). IAM is global: one client per assumed role.

use crate::operation::Operation;
use std::collections::HashMap;
use std::sync::Mutex;

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_sdk_iam::operation::get_role::GetRoleError;
use aws_sdk_iam::operation::get_user::GetUserError;
use aws_sdk_iam::Client;

use super::ports::{PrincipalKind, PrincipalLookupPort};
use super::AwsError;

/// The session name the member account's CloudTrail shows for our lookups.
const SESSION_NAME: &str = "detective-autopilot-principal-lookup";

pub struct SdkPrincipalLookup {
    config: SdkConfig,
    role_name: String,
    clients: Mutex<HashMap<String, Client>>,
}

impl SdkPrincipalLookup {
    pub fn new(config: &SdkConfig, role_name: &str) -> Self {
        Self {
            config: config.clone(),
            role_name: role_name.to_owned(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// A client acting as `ROLE_LOOKUP_ROLE_NAME` in `account_id`; its credentials are
    /// assumed when first needed and refreshed by the SDK.
    async fn client(&self, partition: &str, account_id: &str) -> Client {
        // Keyed by the role's ARN, partition included, so no finding reuses a client
        // another partition's ARN built.
        let role_arn = format!("arn:{partition}:iam::{account_id}:role/{}", self.role_name);
        if let Some(client) = self
            .clients
            .lock()
            .ok()
            .and_then(|clients| clients.get(&role_arn).cloned())
        {
            return client;
        }
        let provider = AssumeRoleProvider::builder(role_arn.clone())
            .session_name(SESSION_NAME)
            .configure(&self.config)
            .build()
            .await;
        let config = aws_sdk_iam::config::Builder::from(&self.config)
            .credentials_provider(provider)
            .build();
        let client = Client::from_conf(config);
        if let Ok(mut clients) = self.clients.lock() {
            clients.insert(role_arn, client.clone());
        }
        client
    }
}

impl PrincipalLookupPort for SdkPrincipalLookup {
    async fn principal_arn(
        &self,
        partition: &str,
        account_id: &str,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<Option<String>, AwsError> {
        let client = self.client(partition, account_id).await;
        match kind {
            PrincipalKind::Role => match client.get_role().role_name(name).send().await {
                Ok(output) => Ok(output.role().map(|role| role.arn().to_owned())),
                Err(error) => match error.as_service_error() {
                    Some(GetRoleError::NoSuchEntityException(_)) => Ok(None),
                    _ => Err(AwsError::from_sdk(Operation::GetRole, error)),
                },
            },
            PrincipalKind::User => match client.get_user().user_name(name).send().await {
                Ok(output) => Ok(output.user().map(|user| user.arn().to_owned())),
                Err(error) => match error.as_service_error() {
                    Some(GetUserError::NoSuchEntityException(_)) => Ok(None),
                    _ => Err(AwsError::from_sdk(Operation::GetUser, error)),
                },
            },
        }
    }
}
