//! Calls that weaken Detective (its own CloudTrail records): who did what is always told
//! (an alert event), and what is safe to restore is restored, after AWS is re-read. A
//! deleted graph or a removed administrator is never recreated: a new graph starts without
//! history, and that needs a person's decision.

use crate::operation::Operation;
use serde::Serialize;

use super::config::{EnrollConfig, OwnSession, TamperResponse};
use crate::aws::{detective_console, AlertPort};
use crate::event::{Caller, TamperEvent, TamperOperation};
use crate::execute::{Plan, Policy, Write};
use crate::outcome::{Action, ActionResult};

/// The alerts' detail-type.
pub const ALERT_DETAIL_TYPE: &str = "Detective Configuration Changed";

/// What a tamper event gets, before anything is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screened {
    /// Nothing, for this reason (no write, no alert).
    Ignore(String),
    /// An alert, and the restore when `restore` (else only what it would restore is said).
    Respond { restore: bool, why: String },
}

fn caller_named(caller: &Caller, arns: &[String]) -> Option<String> {
    [caller.session_issuer.as_ref(), caller.arn.as_ref()]
        .into_iter()
        .flatten()
        .find(|arn| arns.iter().any(|listed| listed == *arn))
        .cloned()
}

/// Whose call it was, as far as this project is concerned.
enum Origin<'a> {
    /// One of our functions, from its own session.
    OwnFunction(&'a OwnSession),
    /// One of our roles, from a session that is not its function: someone running code as it.
    OwnRoleElsewhere {
        role: &'a str,
        session: Option<&'a str>,
    },
    Other,
}

fn origin<'a>(caller: &'a Caller, config: &'a EnrollConfig) -> Origin<'a> {
    let Some(issuer) = caller.session_issuer.as_deref() else {
        return Origin::Other;
    };
    let session = caller.session_name();
    let mut ours = config
        .own_sessions
        .iter()
        .filter(|own| own.role_arn == issuer)
        .peekable();
    if ours.peek().is_none() {
        return Origin::Other;
    }
    match ours.find(|own| own.session_name.is_some() && own.session_name.as_deref() == session) {
        Some(own) => Origin::OwnFunction(own),
        None => Origin::OwnRoleElsewhere { role: issuer, session },
    }
}

/// Calls that are never legitimate in normal operation: alerted whoever made them.
fn always_alerted(operation: TamperOperation) -> bool {
    matches!(
        operation,
        TamperOperation::DeleteGraph
            | TamperOperation::DisableOrganizationAdminAccount
            | TamperOperation::DeregisterDelegatedAdministrator
    )
}

/// Pure: the event and the configuration.
pub fn screen(event: &TamperEvent, config: &EnrollConfig) -> Screened {
    let operation = event.operation.name();
    if let Some(why) = unanswered(event, config) {
        return Screened::Ignore(why);
    }
    let by_our_role_elsewhere = match origin(&event.caller, config) {
        Origin::OwnFunction(own) => return own_function_call(event, own),
        Origin::OwnRoleElsewhere { role, session } => Some(format!(
            "made with this project's role {role} from session {}, which is not its function",
            session.unwrap_or("(unnamed)")
        )),
        Origin::Other => None,
    };
    let regional = !matches!(
        event.operation,
        TamperOperation::DisableOrganizationAdminAccount | TamperOperation::DeregisterDelegatedAdministrator
    );
    if let Some(region) = event
        .region
        .as_ref()
        .filter(|region| regional && !config.regions.contains(region))
    {
        return Screened::Ignore(format!("{operation} in {region}, which is not in REGIONS"));
    }
    // AutoEnable is not required and defaults to false: a call that omits it turns it off
    // (the re-read decides).
    if event.operation == TamperOperation::UpdateOrganizationConfiguration && event.auto_enable == Some(true) {
        return Screened::Ignore(format!(
            "{operation} did not turn AutoEnable off (requestParameters.autoEnable: true)"
        ));
    }
    let (restore, why) = response(event, config);
    let why = match by_our_role_elsewhere {
        Some(note) => format!("{note}; {why}"),
        None => why,
    };
    Screened::Respond { restore, why }
}

/// Why the event is not ours to answer: the call failed, the response is off, or it was
/// made in an account that is neither ours nor the management account.
fn unanswered(event: &TamperEvent, config: &EnrollConfig) -> Option<String> {
    let operation = event.operation.name();
    if let Some(code) = &event.error_code {
        return Some(format!("{operation} failed ({code}): it changed nothing"));
    }
    if config.tamper_response == TamperResponse::Off {
        return Some(format!("{operation}: TAMPER_RESPONSE is off"));
    }
    let account = event.recipient_account.as_ref()?;
    let ours = config.accounts.is_empty() || config.accounts.iter().any(|ours| ours == account.as_str());
    (!ours).then(|| {
        format!(
            "{operation} in account {account}, neither this account nor the management account (ACCOUNT_ID, MANAGEMENT_ACCOUNT_ID)"
        )
    })
}

/// Our own function's call: not tampering, unless it is one that is always alerted.
fn own_function_call(event: &TamperEvent, own: &OwnSession) -> Screened {
    let ours = format!(
        "{} by this project's own function {} (role {})",
        event.operation.name(),
        own.session_name.as_deref().unwrap_or_default(),
        own.role_arn
    );
    if always_alerted(event.operation) {
        Screened::Respond {
            restore: false,
            why: format!("{ours}: always alerted"),
        }
    } else {
        Screened::Ignore(format!("{ours}: not tampering"))
    }
}

/// Whether to restore, and why (alerted either way).
fn response(event: &TamperEvent, config: &EnrollConfig) -> (bool, String) {
    let operation = event.operation.name();
    if always_alerted(event.operation) {
        let never = "never recreated automatically (a new graph starts without its history): \
                     decide, then run `autopilot setup` or redeploy the setup";
        return (false, format!("{operation}: {never}"));
    }
    if event.operation == TamperOperation::UpdateOrganizationConfiguration && !config.ensure_auto_enable {
        return (
            false,
            "AutoEnable turned off, and ENSURE_AUTO_ENABLE is false: alert only".to_owned(),
        );
    }
    if let Some(principal) = caller_named(&event.caller, &config.trusted_change_principals) {
        return (
            false,
            format!("made by {principal} (TRUSTED_CHANGE_PRINCIPALS): alert only"),
        );
    }
    if config.tamper_response == TamperResponse::Alert {
        return (false, "TAMPER_RESPONSE is alert: alert only".to_owned());
    }
    (true, "restored".to_owned())
}

/// What was done about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Being restored: `actions` are the writes that follow the alert (the outcome has their
    /// results).
    Restoring,
    /// The restore would have been made: a dry run.
    Planned,
    /// Alerted only: `actions` are what a restore would do.
    AlertedOnly,
}

/// The alert's detail: who did what, from where, when, and what we did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert<'a> {
    /// The CloudTrail record's `eventID`: one id per call, however often it is alerted on.
    pub id: Option<&'a str>,
    pub operation: &'static str,
    pub region: Option<&'a str>,
    pub graph_arn: Option<&'a str>,
    /// The accounts the call named (DeleteMembers) or the caller's (DisassociateMembership).
    pub accounts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_enable: Option<bool>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub packages: &'a [String],
    pub who: &'a Caller,
    pub source_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub event_time: Option<&'a str>,
    pub response: Response,
    /// Why this response, and what was done (each write with its result).
    pub reason: String,
    pub actions: Vec<String>,
    pub dry_run: bool,
    /// The alert for people, as the notification topic delivers it (email, chat).
    pub message: String,
}

impl Alert<'_> {
    /// Sets `message`: who, what, where, what was done, and the console to look in.
    pub fn with_message(mut self) -> Self {
        let region = self.region.unwrap_or("the organization");
        let partition = self.graph_arn.and_then(|arn| arn.split(':').nth(1)).unwrap_or("aws");
        let console = self
            .region
            .map(|region| detective_console(partition, region, "settings"));
        let done = match self.response {
            Response::Restoring => "restoring",
            Response::Planned => "dry run: would restore",
            Response::AlertedOnly => "alerted only",
        };
        let who = format!(
            "{} ({}){}{}",
            self.who.arn.as_deref().unwrap_or("an unknown caller"),
            self.who.identity_type.as_deref().unwrap_or("unknown type"),
            self.source_ip.map(|ip| format!(" from {ip}")).unwrap_or_default(),
            self.event_time.map(|time| format!(" at {time}")).unwrap_or_default()
        );
        let mut lines = vec![
            format!("Detective weakened: {} in {region}", self.operation),
            format!("Who: {who}"),
        ];
        if let Some(graph) = self.graph_arn {
            lines.push(format!("Graph: {graph}"));
        }
        if !self.accounts.is_empty() {
            lines.push(format!("Accounts: {}", self.accounts.join(", ")));
        }
        lines.push(format!("Response: {done}: {}", self.reason));
        if !self.actions.is_empty() {
            lines.push(format!("Actions: {}", self.actions.join("; ")));
        }
        if let Some(console) = console {
            lines.push(format!("Console: {console}"));
        }
        lines.push(format!("CloudTrail event id: {}", self.id.unwrap_or("(none)")));
        self.message = lines.join("\n");
        self
    }
}

/// The alert, as a plan of one write: who did what from where, and `response` with `why`
/// and the restore's actions as `planned` says them.
pub fn alert_plan(
    event: &TamperEvent,
    config: &EnrollConfig,
    response: Response,
    why: &str,
    planned: &[Action],
) -> Plan<AlertWrite> {
    let accounts = match event.operation {
        TamperOperation::DisassociateMembership => event.caller.account_id.iter().cloned().collect(),
        _ => event.account_ids.clone(),
    };
    let alert = Alert {
        operation: event.operation.name(),
        region: event.region.as_deref(),
        graph_arn: event.graph_arn.as_deref(),
        accounts,
        auto_enable: event.auto_enable,
        packages: &event.packages,
        who: &event.caller,
        source_ip: event.source_ip.as_deref(),
        user_agent: event.user_agent.as_deref(),
        event_time: event.event_time.as_deref(),
        id: event.event_id.as_deref(),
        response,
        reason: why.to_owned(),
        actions: planned.iter().map(describe).collect(),
        dry_run: config.dry_run,
        message: String::new(),
    }
    .with_message();
    let mut plan = Plan::default();
    plan.write(AlertWrite {
        bus: config.alert_bus.clone(),
        region: event.region.clone(),
        detail: serde_json::to_string(&alert).unwrap_or_default(),
        resources: event.graph_arn.iter().cloned().collect(),
    });
    plan
}

/// An action as the alert lists it: `CreateMembers 222222222222 done`.
fn describe(action: &Action) -> String {
    let result = serde_json::to_value(action.result).unwrap_or_default();
    let target = if action.account_ids.is_empty() {
        action
            .packages
            .iter()
            .map(ToString::to_string)
            .chain(action.auto_enable.map(|on| format!("AutoEnable={on}")))
            .collect::<Vec<_>>()
            .join(",")
    } else {
        action.account_ids.join(",")
    };
    format!(
        "{} {} {target} {}",
        action.operation,
        action.region.as_deref().unwrap_or("-"),
        result.as_str().unwrap_or_default()
    )
}

/// PutEvents of the alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertWrite {
    pub bus: String,
    pub region: Option<String>,
    pub detail: String,
    pub resources: Vec<String>,
}

impl AlertWrite {
    fn action(&self, result: ActionResult) -> Action {
        let mut action = Action::new(Operation::PutEvents, result);
        action.region = self.region.clone();
        action.notes = vec![format!("{ALERT_DETAIL_TYPE} on bus {}: {}", self.bus, self.detail)];
        action
    }
}

impl<A: AlertPort> Write<A> for AlertWrite {
    fn intended(&self) -> Vec<Action> {
        vec![self.action(ActionResult::Planned)]
    }

    async fn perform(self, alerts: &A, _: &Policy<'_>) -> Vec<Action> {
        vec![match alerts
            .put_alert(&self.bus, ALERT_DETAIL_TYPE, &self.detail, &self.resources)
            .await
        {
            Ok(_) => self.action(ActionResult::Done),
            Err(error) => self.action(ActionResult::Failed).failed(error),
        }]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> EnrollConfig {
        let mut env: HashMap<String, String> = [("REGIONS", "us-east-1")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        EnrollConfig::from_env(&env).unwrap()
    }

    fn event(operation: TamperOperation) -> TamperEvent {
        TamperEvent {
            operation,
            region: Some("us-east-1".into()),
            graph_arn: None,
            account_ids: vec!["222222222222".into()],
            auto_enable: Some(false),
            packages: Vec::new(),
            service_principal: None,
            error_code: None,
            recipient_account: Some("111111111111".into()),
            caller: Caller {
                arn: Some("arn:aws:sts::111111111111:assumed-role/ops/mallory".into()),
                identity_type: Some("AssumedRole".into()),
                account_id: Some("111111111111".into()),
                session_issuer: Some("arn:aws:iam::111111111111:role/ops".into()),
                invoked_by: None,
            },
            source_ip: Some("203.0.113.9".into()),
            user_agent: Some("aws-cli/2".into()),
            event_time: Some("2026-11-20T11:00:00Z".into()),
            event_id: Some("f2545ee3-170f-4340-8af4-a98300000001".into()),
        }
    }

    fn verdict(event: &TamperEvent, pairs: &[(&str, &str)]) -> String {
        match screen(event, &config(pairs)) {
            Screened::Ignore(why) => format!("ignore: {why}"),
            Screened::Respond { restore: true, .. } => "restore".to_owned(),
            Screened::Respond { restore: false, why } => format!("alert: {why}"),
        }
    }

    #[test]
    fn who_did_it_and_how_decide_the_response() {
        use TamperOperation::*;
        let delete = event(DeleteMembers);
        assert_eq!(verdict(&delete, &[]), "restore");
        let mut failed = delete.clone();
        failed.error_code = Some("AccessDeniedException".into());
        assert_eq!(
            verdict(&failed, &[]),
            "ignore: DeleteMembers failed (AccessDeniedException): it changed nothing"
        );
        // Our own function, from its own session: not tampering; DeleteGraph always alerted.
        let own = [
            ("OWN_ROLE_ARN", "arn:aws:iam::111111111111:role/ops"),
            ("AWS_LAMBDA_FUNCTION_NAME", "mallory"),
        ];
        assert_eq!(
            verdict(&delete, &own),
            "ignore: DeleteMembers by this project's own function mallory (role arn:aws:iam::111111111111:role/ops): not tampering"
        );
        assert_eq!(
            verdict(&event(DeleteGraph), &own),
            "alert: DeleteGraph by this project's own function mallory (role arn:aws:iam::111111111111:role/ops): always alerted"
        );
        // The same role from another session (a function someone passed it to): tampering.
        let elsewhere_session = [own[0], ("AWS_LAMBDA_FUNCTION_NAME", "enroll-accounts")];
        assert_eq!(verdict(&delete, &elsewhere_session), "restore");
        let Screened::Respond { why, .. } = screen(&delete, &config(&elsewhere_session)) else {
            panic!("not answered")
        };
        assert_eq!(
            why,
            "made with this project's role arn:aws:iam::111111111111:role/ops from session mallory, which is not its function; restored"
        );
        // Outside Lambda the function's name is unknown: no session is ours.
        assert_eq!(verdict(&delete, &own[..1]), "restore");
        // configure-detective's session (SETUP_SESSION).
        assert!(verdict(
            &delete,
            &[("SETUP_SESSION", "arn:aws:iam::111111111111:role/ops=mallory")]
        )
        .starts_with("ignore: DeleteMembers by this project's own function mallory"));
        // Another account's call is not ours to judge.
        let accounts = [
            ("ACCOUNT_ID", "333333333333"),
            ("MANAGEMENT_ACCOUNT_ID", "999999999999"),
        ];
        assert_eq!(
            verdict(&delete, &accounts),
            "ignore: DeleteMembers in account 111111111111, neither this account nor the management account (ACCOUNT_ID, MANAGEMENT_ACCOUNT_ID)"
        );
        assert_eq!(verdict(&delete, &[("ACCOUNT_ID", "111111111111")]), "restore");
        assert_eq!(
            verdict(
                &delete,
                &[("TRUSTED_CHANGE_PRINCIPALS", "arn:aws:iam::111111111111:role/ops")]
            ),
            "alert: made by arn:aws:iam::111111111111:role/ops (TRUSTED_CHANGE_PRINCIPALS): alert only"
        );
        assert_eq!(
            verdict(&delete, &[("TAMPER_RESPONSE", "alert")]),
            "alert: TAMPER_RESPONSE is alert: alert only"
        );
        assert_eq!(
            verdict(&delete, &[("TAMPER_RESPONSE", "off")]),
            "ignore: DeleteMembers: TAMPER_RESPONSE is off"
        );
        let mut elsewhere = delete.clone();
        elsewhere.region = Some("eu-west-1".into());
        assert_eq!(
            verdict(&elsewhere, &[]),
            "ignore: DeleteMembers in eu-west-1, which is not in REGIONS"
        );
        assert!(verdict(&event(DeleteGraph), &[]).starts_with("alert: DeleteGraph: never recreated automatically"));
        assert!(
            verdict(&event(DisableOrganizationAdminAccount), &[]).starts_with("alert: DisableOrganizationAdminAccount")
        );
        let mut turned_on = event(UpdateOrganizationConfiguration);
        turned_on.auto_enable = Some(true);
        assert!(
            verdict(&turned_on, &[]).starts_with("ignore: UpdateOrganizationConfiguration did not turn AutoEnable off")
        );
        assert_eq!(verdict(&event(UpdateOrganizationConfiguration), &[]), "restore");
        // Omitted, AutoEnable is false: the re-read decides.
        let mut omitted = event(UpdateOrganizationConfiguration);
        omitted.auto_enable = None;
        assert_eq!(verdict(&omitted, &[]), "restore");
        assert_eq!(
            verdict(
                &event(UpdateOrganizationConfiguration),
                &[("ENSURE_AUTO_ENABLE", "false")]
            ),
            "alert: AutoEnable turned off, and ENSURE_AUTO_ENABLE is false: alert only"
        );
    }
}
