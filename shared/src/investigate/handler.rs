//! The function: screen the finding (pure), resolve the principal's ARN, find the graph,
//! de-duplicate, check membership, then the one write through the executor.

use aws_config::SdkConfig;
use chrono::{DateTime, TimeDelta};
use serde_json::Value;

use super::config::{InvestigateConfig, VARIABLES};
use super::principal::{known_path, KnownPath, Principal};
use super::screen::{screen, Candidate, Screened};
use super::write::{investigation_action, StartInvestigation};
use super::{AWS_ACTIONS, LOOKUP_ROLE_ACTIONS};
use crate::aws::arn::GraphArn;
use crate::aws::{
    GraphCache, GraphPort, InvestigationFilter, InvestigationPort, MemberPort, PrincipalLookupPort, SdkDetective,
    SdkPrincipalLookup,
};
use crate::config::{ConfigError, Env};
use crate::domain::{AccountId, InvestigationState, MemberStatus};
use crate::event::Trigger;
use crate::execute::{execute, Plan};
use crate::function::{described, Function, Handler, Invocation};
use crate::metrics::IgnoredMetric;
use crate::outcome::{Action, ActionResult, Failure, Outcome, Reason, Status};

pub const FUNCTION: &str = "investigate-findings";

/// investigate-findings: its client, the optional principal lookup, configuration, and
/// the graph cache (a warm function lists a region's graphs once).
pub struct InvestigateFindings<P = SdkDetective, L = SdkPrincipalLookup> {
    pub detective: P,
    /// The principal lookup (`ROLE_LOOKUP_ROLE_NAME`); None when it is off.
    pub lookup: Option<L>,
    pub config: InvestigateConfig,
    pub graphs: GraphCache,
}

impl<P, L> Handler for InvestigateFindings<P, L>
where
    P: GraphPort + MemberPort + InvestigationPort,
    L: PrincipalLookupPort,
{
    const NAME: &'static str = FUNCTION;
    const NOT_TAKEN: &'static str = "is not a GuardDuty finding";
    const IGNORED_METRIC: Option<IgnoredMetric> = Some(IgnoredMetric::InvestigationsIgnored);

    fn takes(trigger: &Trigger) -> bool {
        matches!(trigger, Trigger::GuardDutyFinding(_))
    }

    async fn handle(&self, invocation: &Invocation<'_>) -> Outcome {
        self.investigate(invocation).await
    }
}

impl Function for InvestigateFindings {
    const AWS_ACTIONS: &'static [&'static str] = AWS_ACTIONS;
    const VARIABLES: &'static [(&'static str, &'static str)] = VARIABLES;
    type Config = InvestigateConfig;

    fn config(env: &dyn Env) -> Result<InvestigateConfig, ConfigError> {
        InvestigateConfig::from_env(env)
    }

    fn force_dry_run(config: &mut InvestigateConfig) {
        config.dry_run = true;
    }

    fn build(config: InvestigateConfig, sdk: &SdkConfig) -> Self {
        let lookup = config
            .role_lookup_role_name
            .as_deref()
            .map(|role| SdkPrincipalLookup::new(sdk, role));
        Self {
            detective: SdkDetective::new(sdk),
            lookup,
            config,
            graphs: GraphCache::default(),
        }
    }

    fn describe() -> Value {
        let mut described = described(AWS_ACTIONS, VARIABLES);
        if let Some(entry) = described.as_object_mut() {
            // What the role in member accounts (ROLE_LOOKUP_ROLE_NAME) must be allowed.
            entry.insert("lookup_role_actions".to_owned(), serde_json::json!(LOOKUP_ROLE_ACTIONS));
        }
        described
    }
}

/// The principal's ARN, and what had to be assumed to write it.
struct ResolvedArn {
    arn: String,
    notes: Vec<String>,
}

impl<P, L> InvestigateFindings<P, L>
where
    P: GraphPort + MemberPort + InvestigationPort,
    L: PrincipalLookupPort,
{
    pub async fn investigate(&self, invocation: &Invocation<'_>) -> Outcome {
        let event_id = invocation.event_id();
        let outcome = |status, reason: String| Outcome::new(FUNCTION, event_id.clone(), status, reason);
        let failed = |failure: Failure| Outcome::failed(FUNCTION, event_id.clone(), failure);
        let Trigger::GuardDutyFinding(finding) = invocation.trigger else {
            return outcome(
                Status::Ignored,
                format!("{} is not for {FUNCTION}", invocation.trigger.name()),
            );
        };
        let region = finding
            .region
            .clone()
            .or_else(|| invocation.envelope.region.clone())
            .or_else(|| self.config.graph_arn.as_ref().map(|graph| graph.region.clone()));
        let candidate = match screen(finding, region.as_deref(), &self.config, invocation.clock.now()) {
            Screened::Investigate(candidate) => candidate,
            Screened::Ignore(reason) => return outcome(Status::Ignored, reason),
            Screened::Invalid(error) => return failed(error.into()),
        };
        let Some(region) = region else {
            return failed(Failure::NoRegion);
        };
        let resolved = match self.resolve_arn(&candidate.principal).await {
            Ok(resolved) => resolved,
            Err(failure) => return failed(failure),
        };
        let write = |graph: &GraphArn| StartInvestigation {
            graph: graph.clone(),
            entity_arn: resolved.arn.clone(),
            scopes: candidate.scopes.clone(),
            notes: resolved.notes.clone(),
        };
        // What had to be assumed or given up is part of the decision's reason too.
        let decided = |status, reason: String, action: Action| {
            let reason = if action.notes.is_empty() {
                reason
            } else {
                format!("{reason} ({})", action.notes.join("; "))
            };
            outcome(status, reason).with_actions(vec![action])
        };

        // The de-duplication query is the first call on the graph: a remembered graph that
        // was deleted since is noticed there and looked up again.
        let filter = self.filter(&resolved.arn, invocation);
        let found = self
            .graphs
            .with_graph(&self.detective, self.config.graph_arn.as_ref(), &region, |graph| {
                let filter = &filter;
                async move {
                    self.detective
                        .find_investigation(&graph.region, &graph.arn, filter)
                        .await
                }
            })
            .await;
        let (graph, existing) = match found {
            Ok(found) => found,
            Err(error) => {
                // No graph to name: the region, the entity and the scope.
                let action = investigation_action(
                    ActionResult::Failed,
                    &region,
                    None,
                    &resolved.arn,
                    candidate.scopes.first(),
                    &resolved.notes,
                )
                .failed(error);
                let reason = action.error_text().unwrap_or_default();
                return decided(Status::Failed, reason, action);
            }
        };
        if let Some(existing) = existing {
            let reason = Reason::AlreadyInvestigating {
                investigation_id: existing.investigation_id.clone(),
                entity_arn: resolved.arn.clone(),
                window_hours: self.config.dedup_window_hours,
            };
            let mut action = write(&graph).intended_action();
            action.result = ActionResult::Skipped;
            action.investigation_id = Some(existing.investigation_id);
            let text = reason.to_string();
            return decided(Status::Ignored, text, action.with_reason(reason));
        }
        if let Err(failure) = self.check_membership(&graph, &candidate).await {
            let action = write(&graph).intended_action().failed(failure);
            let reason = action.error_text().unwrap_or_default();
            return decided(Status::Failed, reason, action);
        }
        let mut plan = Plan::default();
        plan.write(write(&graph));
        let policy = invocation.policy(FUNCTION, self.config.dry_run);
        let actions = execute(plan, &self.detective, &policy).await;
        let Some(action) = actions.into_iter().next() else {
            return outcome(Status::Failed, "the plan made no action".to_owned());
        };
        let (status, reason) = match action.result {
            ActionResult::Done => (
                Status::Acted,
                format!(
                    "started investigation {} of {}",
                    action.investigation_id.as_deref().unwrap_or_default(),
                    resolved.arn
                ),
            ),
            ActionResult::Planned => (Status::Planned, format!("dry run: would investigate {}", resolved.arn)),
            ActionResult::Skipped | ActionResult::Failed => (
                Status::Failed,
                action.error_text().or_else(|| action.reason_text()).unwrap_or_default(),
            ),
        };
        decided(status, reason, action)
    }

    /// The principal's ARN: derived where the name says the path, read from IAM where
    /// ROLE_LOOKUP_ROLE_NAME allows, otherwise assumed `/` and said so.
    async fn resolve_arn(&self, principal: &Principal) -> Result<ResolvedArn, Failure> {
        let known = known_path(principal, self.config.identity_center_region.as_deref());
        let (fallback_path, assumption) = match known {
            KnownPath::Certain(path) => {
                return Ok(ResolvedArn {
                    arn: principal.arn_with_path(&path),
                    notes: Vec::new(),
                })
            }
            KnownPath::Assumed { path, assumption } => (path, assumption),
            KnownPath::Unknown => (
                "/".to_owned(),
                format!(
                    "the {}'s path is not in the finding and ROLE_LOOKUP_ROLE_NAME is unset, so it is assumed to be /",
                    principal.kind.resource()
                ),
            ),
        };
        let Some(lookup) = &self.lookup else {
            return Ok(ResolvedArn {
                arn: principal.arn_with_path(&fallback_path),
                notes: vec![assumption],
            });
        };
        let found = lookup
            .principal_arn(
                &principal.partition,
                principal.account_id.as_str(),
                principal.kind,
                &principal.name,
            )
            .await;
        match found {
            Ok(Some(arn)) => Ok(ResolvedArn { arn, notes: Vec::new() }),
            Ok(None) => Ok(ResolvedArn {
                arn: principal.arn_with_path(&fallback_path),
                notes: vec![format!(
                    "IAM has no {} {} in account {} (deleted since the finding?), so its path is assumed to be {fallback_path}",
                    principal.kind.resource(),
                    principal.name,
                    principal.account_id
                )],
            }),
            Err(error) => Err(Failure::Lookup {
                kind: principal.kind,
                account: principal.account_id.clone(),
                error,
            }),
        }
    }

    fn filter(&self, entity_arn: &str, invocation: &Invocation<'_>) -> InvestigationFilter {
        let now = invocation.clock.now();
        let window = TimeDelta::hours(i64::from(self.config.dedup_window_hours));
        InvestigationFilter {
            entity_arn: entity_arn.to_owned(),
            state: Some(InvestigationState::Active),
            created_from: now.checked_sub_signed(window).unwrap_or(DateTime::UNIX_EPOCH),
            created_to: now,
        }
    }

    /// Detective can only investigate principals of the administrator or an ENABLED member.
    async fn check_membership(&self, graph: &GraphArn, candidate: &Candidate) -> Result<(), Failure> {
        let account: &AccountId = &candidate.principal.account_id;
        if *account == graph.account_id {
            return Ok(());
        }
        let lookup = self
            .detective
            .get_members(&graph.region, &graph.arn, &[account.as_str().to_owned()])
            .await?;
        match lookup.members.iter().find(|member| *account == member.account_id) {
            Some(member) if member.status == MemberStatus::Enabled => Ok(()),
            Some(member) => Err(Failure::NotEnabled {
                account: account.clone(),
                graph: graph.arn.clone(),
                state: member.state(),
            }),
            None => Err(Failure::NotInGraph {
                account: account.clone(),
                graph: graph.arn.clone(),
            }),
        }
    }
}
