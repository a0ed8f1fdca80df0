//! configure-detective as a CloudFormation custom resource: every request is answered
//! (PUT to its ResponseURL), failures included, before the invocation's deadline.

use std::time::Duration;

use aws_config::SdkConfig;
use serde_json::{Map, Value};

use super::answer::deliver;
use super::desired::{differences, DesiredState, NAMES};
use super::plan::{wrong_account, Part};
use super::reconcile::reconcile;
use super::{ConfigureConfig, AWS_ACTIONS, VARIABLES};
use crate::aws::{
    AdministratorPort, DesignationPort, GraphPort, GraphSetupPort, OrganizationConfigPort, SdkDetective,
    SdkOrganizations,
};
use crate::config::{ConfigError, Env};
use crate::domain::AccountId;
use crate::event::{CustomResourceRequest, RequestKind, Trigger};
use crate::function::{Function, Handler, Invocation};
use crate::outcome::{Failure, Outcome};
use crate::regions::assemble;

pub const FUNCTION: &str = "configure-detective";

/// The PUT of the answer may take this long; the work stops before the deadline by at
/// least this much more (`lambda::work_deadline` keeps 10 s, or a fifth of short timeouts).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// A Create that failed answers this suffix: its Delete (CloudFormation's rollback) then
/// changes nothing, whatever DisableOnDelete says.
const CREATE_FAILED: &str = ":create-failed";

pub struct ConfigureDetective<D = SdkDetective, O = SdkOrganizations> {
    pub detective: D,
    /// Who is Detective's administrator, asked only before creating a graph.
    pub organizations: O,
    pub config: ConfigureConfig,
}

/// A custom resource's properties read as the variables they stand for (`Regions` for
/// REGIONS); AWS_REGION is the stack's region.
struct Properties<'a> {
    properties: &'a Map<String, Value>,
    region: Option<&'a str>,
}

impl Env for Properties<'_> {
    fn get(&self, var: &str) -> Option<String> {
        if var == "AWS_REGION" {
            return self.region.map(str::to_owned);
        }
        let (_, property) = NAMES.iter().find(|(name, _)| *name == var)?;
        match self.properties.get(*property)? {
            Value::String(text) => Some(text.clone()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            other => Some(other.to_string()),
        }
    }
}

/// The variables a stack gives the function whose own setup is what `request` asks
/// (STACK_ID, PART and the desired state's): for tests and the bench, which deploy no stack.
pub fn stack_variables(request: &CustomResourceRequest) -> Vec<(String, String)> {
    let source = Properties {
        properties: &request.properties,
        region: request.stack_region(),
    };
    let mut variables = vec![("STACK_ID".to_owned(), request.stack_id.clone())];
    if let Some(part) = request.properties.get("Part").and_then(Value::as_str) {
        variables.push(("PART".to_owned(), part.to_owned()));
    }
    variables.extend(
        NAMES
            .iter()
            .filter_map(|(var, _)| source.get(var).map(|value| ((*var).to_owned(), value))),
    );
    variables
}

fn property_error(error: &ConfigError) -> String {
    let property = NAMES
        .iter()
        .find(|(name, _)| *name == error.var)
        .map_or(error.var, |(_, property)| *property);
    format!(
        "ResourceProperties.{property}: expected {}; found {:?}",
        error.expected, error.found
    )
}

/// What a request asks: the part and the desired state, or why it cannot be acted on
/// (naming the property, as the answer to CloudFormation says it).
pub fn read_request(request: &CustomResourceRequest) -> Result<(RequestKind, Part, DesiredState), String> {
    if let Some(problem) = &request.problem {
        return Err(problem.clone());
    }
    let kind = request.kind.ok_or("RequestType: expected Create, Update or Delete")?;
    let part = request
        .properties
        .get("Part")
        .and_then(Value::as_str)
        .and_then(Part::parse)
        .ok_or_else(|| {
            format!(
                "ResourceProperties.Part: expected organization or graph; found {}",
                request
                    .properties
                    .get("Part")
                    .map_or("nothing".to_owned(), Value::to_string)
            )
        })?;
    let source = Properties {
        properties: &request.properties,
        region: request.stack_region(),
    };
    let desired = DesiredState::from_env(&source).map_err(|error| property_error(&error))?;
    Ok((kind, part, desired))
}

impl<D, O> Handler for ConfigureDetective<D, O>
where
    D: AdministratorPort + GraphPort + GraphSetupPort + OrganizationConfigPort,
    O: DesignationPort,
{
    const NAME: &'static str = FUNCTION;
    const NOT_TAKEN: &'static str = "is not a CloudFormation custom resource request";

    fn takes(trigger: &Trigger) -> bool {
        matches!(trigger, Trigger::CustomResource(_))
    }

    /// CloudFormation has its answer: the invocation must not fail (Lambda would run it
    /// again, and answer a second time).
    fn answered(outcome: &Outcome) -> bool {
        answered_cloudformation(outcome)
    }

    async fn handle(&self, invocation: &Invocation<'_>) -> Outcome {
        let Trigger::CustomResource(request) = invocation.trigger else {
            return Outcome::failed(
                FUNCTION,
                invocation.event_id(),
                Failure::CustomResource(Self::NOT_TAKEN.into()),
            );
        };
        // Only CloudFormation's requests for our own stack: any other is neither acted on
        // nor answered (its ResponseURL is not to be trusted).
        if let Some(own) = &self.config.own {
            if request.stack_id != own.stack_id {
                return Outcome::new(
                    FUNCTION,
                    invocation.event_id(),
                    crate::outcome::Status::Ignored,
                    format!(
                        "a request for stack {:?}, not this function's own (STACK_ID {}): not acted on, not answered",
                        request.stack_id, own.stack_id
                    ),
                );
            }
        }
        let part = request
            .properties
            .get("Part")
            .and_then(Value::as_str)
            .unwrap_or("setup");
        let stable_id = format!(
            "detective-autopilot:{part}:{}",
            request.stack_account().unwrap_or("unknown-account")
        );
        let physical_id = match request.kind {
            Some(RequestKind::Create) | None => stable_id,
            // Never a new id on Update: CloudFormation would take it for a replacement and
            // Delete the old one.
            Some(_) => request.physical_resource_id.clone().unwrap_or(stable_id),
        };
        let work = self.act(invocation, request, &physical_id);
        let mut outcome = match invocation.deadline {
            Some(deadline) => {
                let left = (deadline - invocation.clock.now()).to_std().unwrap_or_default();
                tokio::time::timeout(left, work)
                    .await
                    .unwrap_or_else(|_| Outcome::failed(FUNCTION, invocation.event_id(), Failure::DeadlineReached))
            }
            None => work.await,
        };
        let success = !outcome.is_failed();
        let physical_id = if !success && request.kind == Some(RequestKind::Create) {
            format!("{physical_id}{CREATE_FAILED}")
        } else {
            physical_id
        };
        let region = self.config.region.as_deref().or(request.stack_region());
        let answer = deliver(
            request,
            region,
            success,
            &answer_reason(&outcome),
            &physical_id,
            ANSWER_TIMEOUT,
        )
        .await;
        if let Some(error) = &answer.delivery_error {
            // Not answered: the invocation fails so Lambda tries again (the setup is idempotent).
            outcome.reason = format!("{}; CloudFormation was not answered: {error}", outcome.reason);
            outcome.status = crate::outcome::Status::Failed;
        }
        outcome.response.insert(
            CLOUDFORMATION.to_owned(),
            serde_json::to_value(&answer).unwrap_or_default(),
        );
        outcome
    }
}

/// The outcome's key of the answer to CloudFormation.
const CLOUDFORMATION: &str = "cloudformation";

/// Whether CloudFormation got its answer, as the outcome says.
pub fn answered_cloudformation(outcome: &Outcome) -> bool {
    outcome
        .response
        .get(CLOUDFORMATION)
        .and_then(|answer| answer.get("delivered"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The outcome's reason, and each failed action's error: the stack's events are where
/// people read why a deployment failed.
fn answer_reason(outcome: &Outcome) -> String {
    let mut reason = outcome.reason.clone();
    for action in outcome.actions.iter().filter(|action| action.error.is_some()) {
        reason.push_str(&format!(
            "; {} in {}: {}",
            action.operation,
            action.region.as_deref().unwrap_or("-"),
            action.error_text().unwrap_or_default()
        ));
    }
    reason
}

impl<D, O> ConfigureDetective<D, O>
where
    D: AdministratorPort + GraphPort + GraphSetupPort + OrganizationConfigPort,
    O: DesignationPort,
{
    async fn act(&self, invocation: &Invocation<'_>, request: &CustomResourceRequest, physical_id: &str) -> Outcome {
        let id = invocation.event_id();
        let (kind, part, mut desired) = match read_request(request) {
            Ok(read) => read,
            Err(why) => return Outcome::failed(FUNCTION, id, Failure::CustomResource(why)),
        };
        // Deployed, the stack's own setup is what is acted on; a request that asks anything
        // else (someone invoking the function with the real StackId) changes nothing.
        if let Some(own) = &self.config.own {
            let differences = differences(part, &desired, own.part, &own.desired);
            if !differences.is_empty() {
                return Outcome::failed(
                    FUNCTION,
                    id,
                    Failure::CustomResource(format!(
                        "the request differs from this stack's configuration, nothing changed: {}",
                        differences.join("; ")
                    )),
                );
            }
            desired = own.desired.clone();
        }
        desired.delete_allowed = self.config.disable_on_delete;
        let running_in = request.stack_account().and_then(AccountId::parse);
        if let Some(failure) = wrong_account(&desired, part, running_in.as_ref()) {
            return Outcome::failed(FUNCTION, id, failure);
        }
        if kind == RequestKind::Delete && physical_id.ends_with(CREATE_FAILED) {
            return Outcome::new(
                FUNCTION,
                id,
                crate::outcome::Status::Ignored,
                "Delete of a resource whose Create failed: nothing of ours to remove",
            );
        }
        let policy = invocation.policy(FUNCTION, self.config.dry_run);
        let teardown = kind == RequestKind::Delete;
        let reports = reconcile(&self.detective, &self.organizations, &desired, part, teardown, &policy).await;
        let subject = format!(
            "{} {} of Detective's {} setup",
            request.logical_resource_id,
            kind.as_str(),
            part.name()
        );
        assemble(FUNCTION, id, &subject, reports)
    }
}

impl Function for ConfigureDetective {
    const AWS_ACTIONS: &'static [&'static str] = AWS_ACTIONS;
    const VARIABLES: &'static [(&'static str, &'static str)] = VARIABLES;
    type Config = ConfigureConfig;

    fn config(env: &dyn Env) -> Result<ConfigureConfig, ConfigError> {
        ConfigureConfig::from_env(env)
    }

    fn force_dry_run(config: &mut ConfigureConfig) {
        config.dry_run = true;
    }

    fn build(config: ConfigureConfig, sdk: &SdkConfig) -> Self {
        Self {
            detective: SdkDetective::new(sdk),
            organizations: SdkOrganizations::new(sdk),
            config,
        }
    }
}
