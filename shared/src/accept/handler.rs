//! The function: per region, ListInvitations (never the event's content), the plan, and
//! its execution.

use aws_config::SdkConfig;

use super::config::{AcceptConfig, VARIABLES};
use super::plan;
use super::writes::InvitationWrite;
use super::AWS_ACTIONS;
use crate::aws::{InvitationPort, MemberDetail, SdkDetective};
use crate::config::{ConfigError, Env};
use crate::event::Trigger;
use crate::execute::Plan;
use crate::function::{Function, Handler, Invocation};
use crate::metrics::FunctionMetrics;
use crate::outcome::{Failure, Outcome};
use crate::regions::{assemble, carry_out_region, each_region};
use crate::steps::Steps;

pub const FUNCTION: &str = "accept-invitations";
/// Regions checked at once: a handful of calls each.
const CONCURRENT_REGIONS: usize = 4;

/// accept-invitations: the member account's client and its allowlist.
pub struct AcceptInvitations<P = SdkDetective> {
    pub detective: P,
    pub config: AcceptConfig,
}

impl<P: InvitationPort> Handler for AcceptInvitations<P> {
    const NAME: &'static str = FUNCTION;
    const NOT_TAKEN: &'static str = "is neither a schedule nor a Detective CreateMembers event";

    fn takes(trigger: &Trigger) -> bool {
        matches!(
            trigger,
            Trigger::Scheduled { .. } | Trigger::DetectiveMembersCreated { .. }
        )
    }

    fn metrics(outcome: &Outcome) -> FunctionMetrics {
        super::metrics::counted(outcome)
    }

    async fn handle(&self, invocation: &Invocation<'_>) -> Outcome {
        self.check(invocation).await
    }
}

impl Function for AcceptInvitations {
    const AWS_ACTIONS: &'static [&'static str] = AWS_ACTIONS;
    const VARIABLES: &'static [(&'static str, &'static str)] = VARIABLES;
    type Config = AcceptConfig;

    /// Fail closed: a missing or malformed allowlist stops the function at start.
    fn config(env: &dyn Env) -> Result<AcceptConfig, ConfigError> {
        AcceptConfig::from_env(env)
    }

    fn force_dry_run(config: &mut AcceptConfig) {
        config.dry_run = true;
    }

    fn build(config: AcceptConfig, sdk: &SdkConfig) -> Self {
        Self {
            detective: SdkDetective::new(sdk),
            config,
        }
    }
}

/// In each region: ListInvitations, then the pure plan of what to answer.
impl<P: InvitationPort> Steps for AcceptInvitations<P> {
    type Place = str;
    type Observed = Vec<MemberDetail>;
    type Write = InvitationWrite;

    async fn observe(&self, region: &str) -> Result<Vec<MemberDetail>, Failure> {
        Ok(self.detective.list_invitations(region).await?)
    }

    fn plan(&self, region: &str, invitations: &Vec<MemberDetail>) -> Plan<InvitationWrite> {
        plan::invitations(region, invitations, &self.config)
    }
}

impl<P: InvitationPort> AcceptInvitations<P> {
    pub async fn check(&self, invocation: &Invocation<'_>) -> Outcome {
        let subject = match invocation.trigger {
            // Only a hint: what it claims (administrator, graph) is not used.
            Trigger::DetectiveMembersCreated { .. } => {
                "CreateMembers in an administrator account: checked ListInvitations (the event's content is not trusted)"
            }
            _ => "scheduled check of invitations",
        };
        let policy = &invocation.policy(FUNCTION, self.config.dry_run);
        let reports = each_region(&self.config.regions, CONCURRENT_REGIONS, |region| async move {
            carry_out_region(self, &region, &self.detective, policy).await
        })
        .await;
        assemble(FUNCTION, invocation.event_id(), subject, reports)
    }
}
