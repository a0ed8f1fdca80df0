//! What AWS could never hold, refused when a state file is loaded: each value against the
//! model's patterns and enums.

use crate::names::{
    is_account_id, is_graph_arn, tag_key_problem, tag_value_problem, DATASOURCE_PACKAGES, INGEST_STATES, TAGS_MAX,
};

use super::investigation::{check_investigation, check_one_of, check_results};
use super::{GraphSettings, IngestHistory, SandboxState};

/// Tags and packages a graph could have: the model's TagKey, TagValue and TagMap, and its
/// package and state names.
fn check_settings(arn: &str, settings: &GraphSettings) -> Result<(), String> {
    if settings.tags.len() > TAGS_MAX {
        return Err(format!("graph {arn} has more than {TAGS_MAX} tags"));
    }
    for (key, value) in &settings.tags {
        if let Some(problem) = tag_key_problem(key).or_else(|| tag_value_problem(key, value)) {
            return Err(format!("graph {arn}: {problem}"));
        }
    }
    for (package, state) in &settings.datasource_packages {
        check_package(&format!("graph {arn}"), package)?;
        check_ingest_state(&format!("graph {arn}, package {package}"), &state.state)?;
    }
    Ok(())
}

fn check_history(owner: &str, history: &IngestHistory) -> Result<(), String> {
    for (package, states) in history {
        check_package(owner, package)?;
        for state in states.keys() {
            check_ingest_state(&format!("{owner}, package {package}"), state)?;
        }
    }
    Ok(())
}

fn check_package(owner: &str, package: &str) -> Result<(), String> {
    if DATASOURCE_PACKAGES.contains(&package) {
        Ok(())
    } else {
        Err(format!("{owner}: {package:?} is not one of {DATASOURCE_PACKAGES:?}"))
    }
}

fn check_ingest_state(owner: &str, state: &str) -> Result<(), String> {
    if INGEST_STATES.contains(&state) {
        Ok(())
    } else {
        Err(format!("{owner}: {state:?} is not one of {INGEST_STATES:?}"))
    }
}

impl SandboxState {
    /// What AWS could never hold: a graph ARN off the model's pattern, a malformed account id.
    pub fn check(&self) -> Result<(), String> {
        let mut accounts = vec![("caller_account_id", self.caller_account_id.as_str())];
        if let Some(organization) = &self.organization {
            accounts.push((
                "organization.management_account_id",
                &organization.management_account_id,
            ));
            accounts.extend(
                organization
                    .accounts
                    .iter()
                    .map(|a| ("organization.accounts[].id", a.id.as_str())),
            );
        }
        for region in self.regions.values() {
            accounts.extend(
                region
                    .organization_admin_account_id
                    .iter()
                    .map(|id| ("regions.*.organization_admin_account_id", id.as_str())),
            );
            let graph_arns = region
                .graphs
                .iter()
                .map(|graph| graph.arn.as_str())
                .chain(
                    region
                        .invitations
                        .iter()
                        .map(|invitation| invitation.graph_arn.as_str()),
                )
                .chain(
                    region
                        .investigations
                        .iter()
                        .map(|investigation| investigation.graph_arn.as_str()),
                );
            for arn in graph_arns {
                if !is_graph_arn(arn) {
                    return Err(format!(
                        "graph ARN {arn:?} does not match Detective's pattern arn:aws[-\\w]{{0,10}}:detective:<region>:<12 digits>:graph:<32 hex digits>"
                    ));
                }
            }
            for graph in &region.graphs {
                accounts.extend(
                    graph
                        .members
                        .iter()
                        .map(|m| ("graphs[].members[].account_id", m.account_id.as_str())),
                );
                check_settings(&graph.arn, &region.settings(&graph.arn))?;
                for member in &graph.members {
                    check_history(
                        &format!("member {} of {}", member.account_id, graph.arn),
                        &member.datasources,
                    )?;
                }
            }
            for invitation in &region.invitations {
                check_history(
                    &format!("invitation to {}", invitation.graph_arn),
                    &invitation.datasources,
                )?;
            }
            for investigation in &region.investigations {
                check_investigation(investigation, region.investigation_progress.get(&investigation.id))?;
            }
        }
        check_results(&self.investigation_results)?;
        for trail in &self.trails {
            accounts.push(("trails[].account_id", trail.account_id.as_str()));
            check_one_of(
                &format!("trail {}", trail.name),
                "management_events",
                &trail.management_events,
                &["All", "WriteOnly", "ReadOnly", "None"],
            )?;
        }
        match accounts.into_iter().find(|(_, id)| !is_account_id(id)) {
            Some((field, id)) => Err(format!("{field} {id:?} is not a 12-digit account id")),
            None => Ok(()),
        }
    }
}
