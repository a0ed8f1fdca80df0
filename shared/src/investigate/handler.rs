//! The function: screen the finding (pure), resolve the principal's ARN, find the graph,
//! de-duplicate, check membership, then the one write through the executor.

use aws_config::SdkConfig;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::config::{InvestigateConfig, VARIABLES};
use super::plan::{not_enabled, plan_one, summarized, Intent, ResolvedArn, Seen};
use super::principal::{known_path, KnownPath, Principal};
use super::screen::{screen, Candidate, Screened};
use super::write::{InvestigatePorts, InvestigateWrite, ReportRequest};
use super::{AWS_ACTIONS, LOOKUP_ROLE_ACTIONS};
use crate::aws::{
    GraphCache, GraphPort, InvestigationFilter, InvestigationPort, MemberPort, PrincipalLookupPort, ReportQueuePort,
    SdkDetective, SdkPrincipalLookup, SdkSqs,
};
use crate::config::{ConfigError, Env};
use crate::domain::InvestigationState;
use crate::event::{Finding, Trigger, ASFF_FIELDS, GUARDDUTY_FIELDS};
use crate::execute::Plan;
use crate::function::{described, Function, Handler, Invocation};
use crate::metrics::FunctionMetrics;
use crate::outcome::{Failure, Outcome, Status};
use crate::report::OriginatingFinding;
use crate::steps::{carry_out, Carried, Steps};

pub const FUNCTION: &str = "investigate-findings";

/// investigate-findings: its client, the optional principal lookup, configuration, and
/// the graph cache (a warm function lists a region's graphs once).
pub struct InvestigateFindings<P = SdkDetective, L = SdkPrincipalLookup, Q = SdkSqs> {
    pub detective: P,
    /// The principal lookup (`ROLE_LOOKUP_ROLE_NAME`); None when it is off.
    pub lookup: Option<L>,
    /// The report queue (`REPORT_QUEUE_URL`); None when reports are off.
    pub queue: Option<Q>,
    pub config: InvestigateConfig,
    pub graphs: GraphCache,
    /// The function's own region (its SDK's): findings of another region are that region's
    /// stack's to investigate (its IAM is for this region's graph only).
    pub region: Option<String>,
}

impl<P, L, Q> Handler for InvestigateFindings<P, L, Q>
where
    P: GraphPort + MemberPort + InvestigationPort,
    L: PrincipalLookupPort,
    Q: ReportQueuePort,
{
    const NAME: &'static str = FUNCTION;
    const NOT_TAKEN: &'static str = "is not a GuardDuty finding";

    fn takes(trigger: &Trigger) -> bool {
        matches!(trigger, Trigger::GuardDutyFinding(_))
    }

    async fn handle(&self, invocation: &Invocation<'_>) -> Outcome {
        self.investigate(invocation).await
    }

    fn metrics(outcome: &Outcome) -> FunctionMetrics {
        super::metrics::counted(outcome)
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
        let queue = config.report_queue_url.as_ref().map(|_| SdkSqs::new(sdk));
        Self {
            detective: SdkDetective::new(sdk),
            lookup,
            queue,
            config,
            graphs: GraphCache::default(),
            region: sdk.region().map(ToString::to_string),
        }
    }

    fn describe() -> Value {
        let mut described = described(AWS_ACTIONS, VARIABLES);
        if let Some(entry) = described.as_object_mut() {
            // What the role in member accounts (ROLE_LOOKUP_ROLE_NAME) must be allowed.
            entry.insert("lookup_role_actions".to_owned(), serde_json::json!(LOOKUP_ROLE_ACTIONS));
            // The finding fields it reads, checked against GuardDuty's and Security Hub's models.
            entry.insert(
                "event_fields".to_owned(),
                serde_json::json!({"guardduty": GUARDDUTY_FIELDS, "securityhub": ASFF_FIELDS}),
            );
        }
        described
    }
}

/// A principal's ARN, or why it is not investigated (its path is not known and must not be
/// guessed).
enum Resolution {
    Arn(ResolvedArn),
    LeftOut(String),
}

impl<P, L, Q> InvestigateFindings<P, L, Q>
where
    P: GraphPort + MemberPort + InvestigationPort,
    L: PrincipalLookupPort,
    Q: ReportQueuePort,
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
        if let (Some(finding_region), Some(own)) = (region.as_deref(), self.region.as_deref()) {
            if finding_region != own {
                return outcome(Status::Ignored, elsewhere(finding, finding_region, own));
            }
        }
        let candidate = match screen(finding, region.as_deref(), &self.config, invocation.clock.now()) {
            Screened::Investigate(candidate) => candidate,
            Screened::Ignore(reason) => return outcome(Status::Ignored, reason),
            Screened::Invalid(error) => return failed(error.into()),
        };
        let Some(region) = region else {
            return failed(Failure::NoRegion);
        };
        if let ([principal], []) = (candidate.principals.as_slice(), candidate.left_out.as_slice()) {
            return self
                .investigate_one(invocation, finding, &region, principal, &candidate)
                .await;
        }
        // An attack sequence names several: one investigation each, each de-duplicated.
        let mut outcomes = Vec::new();
        for principal in &candidate.principals {
            outcomes.push(
                self.investigate_one(invocation, finding, &region, principal, &candidate)
                    .await,
            );
        }
        merged(event_id, outcomes, &candidate.left_out)
    }

    /// One principal: its reads, the pure plan, its execution, and what the actions say.
    async fn investigate_one(
        &self,
        invocation: &Invocation<'_>,
        finding: &Finding,
        region: &str,
        principal: &Principal,
        candidate: &Candidate,
    ) -> Outcome {
        let event_id = invocation.event_id();
        let steps = OnePrincipal {
            function: self,
            region,
            intent: Intent {
                scopes: candidate.scopes.clone(),
                report: self.report_request(finding),
                window_hours: self.config.dedup_window_hours,
                now: invocation.clock.now(),
            },
        };
        let ports = InvestigatePorts {
            detective: &self.detective,
            queue: self.queue.as_ref(),
        };
        let policy = invocation.policy(FUNCTION, self.config.dry_run);
        match carry_out(&steps, principal, &ports, &policy).await {
            Ok(Carried {
                observed: Observed::LeftOut(why),
                ..
            }) => Outcome::new(FUNCTION, event_id, Status::Ignored, why),
            Ok(Carried { actions, .. }) => {
                let (status, reason) = summarized(&actions);
                Outcome::new(FUNCTION, event_id, status, reason).with_actions(actions)
            }
            Err(failure) => Outcome::failed(FUNCTION, event_id, failure),
        }
    }

    /// The report request for this finding, when reports are on.
    fn report_request(&self, finding: &Finding) -> Option<ReportRequest> {
        let queue_url = self.config.report_queue_url.clone()?;
        Some(ReportRequest {
            queue_url,
            delay_seconds: self.config.report_delay_seconds,
            finding: OriginatingFinding {
                id: finding.id.clone().unwrap_or_default(),
                finding_type: finding.finding_type.clone().unwrap_or_default(),
                severity: finding.severity.unwrap_or_default(),
            },
        })
    }

    /// The principal's ARN: the finding's path where it gives one, derived where the name
    /// says the path, read from IAM where ROLE_LOOKUP_ROLE_NAME allows, otherwise assumed
    /// `/` and said so (never for a principal whose path must be known: it is left out).
    async fn resolve_arn(&self, principal: &Principal) -> Result<Resolution, Failure> {
        if let Some(path) = &principal.path {
            return Ok(Resolution::Arn(ResolvedArn {
                arn: principal.arn_with_path(path),
                notes: Vec::new(),
            }));
        }
        let known = known_path(principal, self.config.identity_center_region.as_deref());
        let (fallback_path, assumption) = match known {
            KnownPath::Certain(path) => {
                return Ok(Resolution::Arn(ResolvedArn {
                    arn: principal.arn_with_path(&path),
                    notes: Vec::new(),
                }))
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
        let guess = |note: String| {
            if principal.path_must_be_known {
                Resolution::LeftOut(format!(
                    "{} {} of account {}: {note}; not investigated under a guessed ARN (an attack sequence names no path)",
                    principal.kind.resource(),
                    principal.name,
                    principal.account_id
                ))
            } else {
                Resolution::Arn(ResolvedArn {
                    arn: principal.arn_with_path(&fallback_path),
                    notes: vec![note],
                })
            }
        };
        let Some(lookup) = &self.lookup else {
            return Ok(guess(assumption));
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
            Ok(Some(arn)) => Ok(Resolution::Arn(ResolvedArn { arn, notes: Vec::new() })),
            Ok(None) if principal.path_must_be_known => Ok(Resolution::LeftOut(format!(
                "IAM has no {} {} in account {} (deleted since the finding?): not investigated under a guessed ARN",
                principal.kind.resource(),
                principal.name,
                principal.account_id
            ))),
            Ok(None) => Ok(guess(format!(
                "IAM has no {} {} in account {} (deleted since the finding?), so its path is assumed to be {fallback_path}",
                principal.kind.resource(),
                principal.name,
                principal.account_id
            ))),
            Err(error) => Err(Failure::Lookup {
                kind: principal.kind,
                account: principal.account_id.clone(),
                error,
            }),
        }
    }

    fn filter(&self, entity_arn: &str, now: DateTime<Utc>) -> InvestigationFilter {
        let window = TimeDelta::hours(i64::from(self.config.dedup_window_hours));
        InvestigationFilter {
            entity_arn: entity_arn.to_owned(),
            state: Some(InvestigationState::Active),
            created_from: now.checked_sub_signed(window).unwrap_or(DateTime::UNIX_EPOCH),
            created_to: now,
        }
    }
}

/// One principal of the finding, as the contract's steps.
struct OnePrincipal<'a, P, L, Q> {
    function: &'a InvestigateFindings<P, L, Q>,
    region: &'a str,
    intent: Intent,
}

/// What was read of a principal: enough to plan, or why it goes no further.
enum Observed {
    Seen(Box<Seen>),
    /// Its path is not known and must not be guessed.
    LeftOut(String),
}

impl<P, L, Q> Steps for OnePrincipal<'_, P, L, Q>
where
    P: GraphPort + MemberPort + InvestigationPort,
    L: PrincipalLookupPort,
    Q: ReportQueuePort,
{
    type Place = Principal;
    type Observed = Observed;
    type Write = InvestigateWrite;

    /// Membership first: an account that is not an ENABLED member (or the administrator) is
    /// never looked into (no AssumeRole names it, so an account outside the organization
    /// never learns from its CloudTrail that it was seen, nor answers for us). Then the ARN,
    /// then the investigation already under way, if any.
    async fn observe(&self, principal: &Principal) -> Result<Observed, Failure> {
        let (function, region) = (self.function, self.region);
        let account = &principal.account_id;
        let (graph, lookup) = function
            .graphs
            .with_graph(
                &function.detective,
                function.config.graph_arn.as_ref(),
                region,
                |graph| async move {
                    if *account == graph.account_id {
                        return Ok(None);
                    }
                    function
                        .detective
                        .get_members(&graph.region, &graph.arn, &[account.as_str().to_owned()])
                        .await
                        .map(Some)
                },
            )
            .await?;
        if let Some(failure) = lookup.and_then(|lookup| not_enabled(&graph, account, &lookup)) {
            return Err(failure);
        }
        let resolved = match function.resolve_arn(principal).await {
            Ok(Resolution::Arn(resolved)) => resolved,
            Ok(Resolution::LeftOut(why)) => return Ok(Observed::LeftOut(why)),
            Err(failure) => return Err(failure),
        };
        // The de-duplication query is the first call on the graph: a remembered graph that
        // was deleted since is noticed there and looked up again.
        let filter = function.filter(&resolved.arn, self.intent.now);
        let found = function
            .graphs
            .with_graph(
                &function.detective,
                function.config.graph_arn.as_ref(),
                region,
                |graph| {
                    let filter = &filter;
                    async move {
                        function
                            .detective
                            .find_investigation(&graph.region, &graph.arn, filter)
                            .await
                    }
                },
            )
            .await
            .map_err(Failure::from);
        Ok(Observed::Seen(Box::new(Seen {
            region: region.to_owned(),
            resolved,
            found,
        })))
    }

    fn plan(&self, _: &Principal, observed: &Observed) -> Plan<InvestigateWrite> {
        match observed {
            Observed::Seen(seen) => plan_one(seen, &self.intent),
            Observed::LeftOut(_) => Plan::default(),
        }
    }
}

/// Why a finding of another region is left to that region's stack. Security Hub's home
/// region receives its linked regions' findings too; the finding stays in its own region,
/// where Security Hub (and GuardDuty) deliver it to EventBridge as well.
fn elsewhere(finding: &Finding, finding_region: &str, own: &str) -> String {
    let how = if finding.via_security_hub {
        "a finding Security Hub aggregated here from its region"
    } else {
        "a finding of another region"
    };
    format!(
        "{how} ({finding_region}, this function runs in {own}): the administrator stack of {finding_region} investigates it there"
    )
}

/// One outcome for several principals: failed if any failed (Lambda retries the finding;
/// de-duplication makes the retry start only what is missing), acted if any was started.
fn merged(event_id: Option<String>, outcomes: Vec<Outcome>, left_out: &[String]) -> Outcome {
    let status = Status::combined(outcomes.iter().map(|outcome| outcome.status));
    let mut reasons: Vec<String> = outcomes.iter().map(|outcome| outcome.reason.clone()).collect();
    reasons.extend(left_out.iter().map(|why| format!("left out: {why}")));
    let reason = format!("{} IAM principals: {}", outcomes.len(), reasons.join("; "));
    let mut merged = Outcome::new(FUNCTION, event_id, status, reason);
    merged.failure = outcomes.iter().find_map(|outcome| outcome.failure.clone());
    merged.actions = outcomes.into_iter().flat_map(|outcome| outcome.actions).collect();
    merged
}
