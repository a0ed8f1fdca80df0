//! The setup's writes, each one call.

use super::reason::Reason;
use crate::aws::{AdministratorPort, GraphSetupPort, OrganizationConfigPort, Tags};
use crate::domain::{AccountId, DatasourcePackage};
use crate::execute::{Policy, Write};
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult};

#[derive(Debug, Clone, PartialEq)]
pub enum SetupWrite {
    /// EnableOrganizationAdminAccount (management account).
    Designate { region: String, account: AccountId },
    /// DisableOrganizationAdminAccount (management account; deletes the organization graph).
    Undesignate { region: String, account: AccountId },
    /// CreateGraph with the tags (administrator account).
    CreateGraph { region: String, tags: Tags },
    /// DeleteGraph.
    DeleteGraph { region: String, graph: String },
    /// UpdateDatasourcePackages for the packages not STARTED.
    StartPackages {
        region: String,
        graph: String,
        packages: Vec<DatasourcePackage>,
        reason: Reason,
    },
    /// TagResource for the tags missing or different.
    Tag { region: String, graph: String, tags: Tags },
    /// UntagResource for keys we managed that are no longer wanted.
    Untag {
        region: String,
        graph: String,
        keys: Vec<String>,
    },
    /// UpdateOrganizationConfiguration.
    AutoEnable {
        region: String,
        graph: String,
        auto_enable: bool,
    },
}

fn pairs(tags: &Tags) -> Vec<String> {
    tags.iter().map(|(key, value)| format!("{key}={value}")).collect()
}

impl SetupWrite {
    fn operation(&self) -> Operation {
        match self {
            Self::Designate { .. } => Operation::EnableOrganizationAdminAccount,
            Self::Undesignate { .. } => Operation::DisableOrganizationAdminAccount,
            Self::CreateGraph { .. } => Operation::CreateGraph,
            Self::DeleteGraph { .. } => Operation::DeleteGraph,
            Self::StartPackages { .. } => Operation::UpdateDatasourcePackages,
            Self::Tag { .. } => Operation::TagResource,
            Self::Untag { .. } => Operation::UntagResource,
            Self::AutoEnable { .. } => Operation::UpdateOrganizationConfiguration,
        }
    }

    fn action(&self, result: ActionResult) -> Action {
        let on_graph = |region: &str, graph: Option<&String>| {
            Action::on_graph(self.operation(), result, region, graph.map(String::as_str))
        };
        match self {
            Self::Designate { region, account } => {
                let mut action = on_graph(region, None);
                action.administrator_id = Some(account.to_string());
                action.with_reason(Reason::NoAdministrator)
            }
            Self::Undesignate { region, account } => {
                let mut action = on_graph(region, None);
                action.administrator_id = Some(account.to_string());
                action.with_reason(Reason::DisabledOnDelete)
            }
            Self::CreateGraph { region, tags } => {
                let mut action = on_graph(region, None);
                action.tags = pairs(tags);
                action.with_reason(Reason::NoGraph)
            }
            Self::DeleteGraph { region, graph } => on_graph(region, Some(graph)).with_reason(Reason::DisabledOnDelete),
            Self::StartPackages {
                region,
                graph,
                packages,
                reason,
            } => {
                let mut action = on_graph(region, Some(graph));
                action.packages = packages.clone();
                action.with_reason(reason.clone())
            }
            Self::Tag { region, graph, tags } => {
                let mut action = on_graph(region, Some(graph));
                action.tags = pairs(tags);
                action.with_reason(Reason::TagsDiffer)
            }
            Self::Untag { region, graph, keys } => {
                let mut action = on_graph(region, Some(graph));
                action.tags = keys.clone();
                action.with_reason(Reason::ManagedTagsDropped)
            }
            Self::AutoEnable {
                region,
                graph,
                auto_enable,
            } => {
                let mut action = on_graph(region, Some(graph));
                action.auto_enable = Some(*auto_enable);
                action.with_reason(Reason::AutoEnableDiffers(*auto_enable))
            }
        }
    }
}

impl<P> Write<P> for SetupWrite
where
    P: AdministratorPort + GraphSetupPort + OrganizationConfigPort,
{
    fn intended(&self) -> Vec<Action> {
        vec![self.action(ActionResult::Planned)]
    }

    async fn perform(self, ports: &P, _: &Policy<'_>) -> Vec<Action> {
        let result = match &self {
            Self::Designate { region, account } => {
                ports.enable_organization_admin_account(region, account.as_str()).await
            }
            Self::Undesignate { region, .. } => ports.disable_organization_admin_account(region).await,
            Self::CreateGraph { region, tags } => {
                return vec![match ports.create_graph(region, tags).await {
                    Ok(arn) => {
                        let mut done = self.action(ActionResult::Done);
                        done.graph_arn = Some(arn);
                        done
                    }
                    Err(error) => self.action(ActionResult::Failed).failed(error),
                }];
            }
            Self::DeleteGraph { region, graph } => ports.delete_graph(region, graph).await,
            Self::StartPackages {
                region,
                graph,
                packages,
                ..
            } => ports.update_datasource_packages(region, graph, packages).await,
            Self::Tag { region, graph, tags } => ports.tag_graph(region, graph, tags).await,
            Self::Untag { region, graph, keys } => ports.untag_graph(region, graph, keys).await,
            Self::AutoEnable {
                region,
                graph,
                auto_enable,
            } => {
                ports
                    .update_organization_configuration(region, graph, *auto_enable)
                    .await
            }
        };
        vec![match result {
            Ok(()) => self.action(ActionResult::Done),
            Err(error) => self.action(ActionResult::Failed).failed(error),
        }]
    }
}
