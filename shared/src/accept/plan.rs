//! Pure decisions: from ListInvitations and the configuration, what to answer and what to
//! leave, each with why. Nothing the event claims takes part.

use super::config::{AcceptConfig, UntrustedPolicy};
use super::reason::Reason;
use super::trust::check_trust;
use super::writes::{invitation_action, Answer, InvitationWrite};
use crate::aws::MemberDetail;
use crate::domain::MemberStatus;
use crate::execute::Plan;
use crate::operation::Operation;
use crate::outcome::ActionResult;

/// One region's invitations and memberships: accept the trusted, reject or leave the
/// untrusted as configured, and never touch an organization membership.
pub fn invitations(region: &str, invitations: &[MemberDetail], config: &AcceptConfig) -> Plan<InvitationWrite> {
    let mut plan = Plan::default();
    for invitation in invitations {
        let write = |answer, reason| InvitationWrite {
            answer,
            region: region.to_owned(),
            invitation: invitation.clone(),
            reason,
        };
        let left = |operation, reason| invitation_action(operation, ActionResult::Skipped, region, invitation, reason);
        // Organization accounts cannot answer for, or leave, the organization behavior graph:
        // its Detective administrator decides (DisassociateMembership's docs).
        if invitation.is_organization_member() {
            plan.decided(left(
                Operation::AcceptInvitation,
                Reason::OrganizationMembership(invitation.state()),
            ));
            continue;
        }
        let trust = check_trust(
            invitation.administrator_id.as_deref(),
            invitation.graph_arn.as_deref(),
            region,
            config,
        );
        match (&invitation.status, trust) {
            (MemberStatus::Invited, Ok(())) => plan.write(write(Answer::Accept, Reason::TrustedAdministrator)),
            (MemberStatus::Invited, Err(why)) => match config.untrusted {
                UntrustedPolicy::Reject => plan.write(write(Answer::Reject, Reason::UntrustedRejected(why))),
                UntrustedPolicy::Ignore => {
                    plan.decided(left(Operation::AcceptInvitation, Reason::UntrustedIgnored(why)))
                }
            },
            // AWS lets only an ENABLED invited member leave.
            (MemberStatus::AcceptedButDisabled, Err(why)) if config.leave_untrusted_graphs => plan.decided(left(
                Operation::DisassociateMembership,
                Reason::UntrustedMembershipDisabled {
                    why,
                    state: invitation.state(),
                },
            )),
            (MemberStatus::Enabled, Err(why)) if config.leave_untrusted_graphs => {
                plan.write(write(Answer::Leave, Reason::UntrustedMembership(why)))
            }
            (status, trust) => plan.decided(left(
                Operation::AcceptInvitation,
                Reason::AlreadyAnswered {
                    status: status.clone(),
                    untrusted: trust.err(),
                },
            )),
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::domain::InvitationType;
    use crate::execute::Step;

    const TRUSTED: &str = "777777777777";
    const STRANGER: &str = "666666666666";

    fn graph(account: &str, region: &str) -> String {
        format!("arn:aws:detective:{region}:{account}:graph:0123456789abcdef0123456789abcdef")
    }

    fn config(vars: &[(&str, &str)]) -> AcceptConfig {
        let mut env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        env.insert("TRUSTED_ADMIN_ACCOUNT_IDS".into(), TRUSTED.into());
        env.insert("REGIONS".into(), "us-east-1".into());
        AcceptConfig::from_env(&env).unwrap_or_else(|error| unreachable!("{error}"))
    }

    fn invitation(admin: &str, graph: &str, status: MemberStatus, kind: InvitationType) -> MemberDetail {
        MemberDetail {
            usage: Default::default(),
            account_id: "123456789012".into(),
            email: None,
            graph_arn: Some(graph.into()),
            administrator_id: Some(admin.into()),
            status,
            invitation_type: Some(kind),
            disabled_reason: None,
        }
    }

    fn decision(plan: &Plan<InvitationWrite>) -> String {
        match plan.steps.as_slice() {
            [Step::Write(write)] => match write.answer {
                Answer::Accept => "accept".into(),
                Answer::Reject => "reject".into(),
                Answer::Leave => "leave".into(),
            },
            [Step::Decided(action)] => format!(
                "{} left: {}",
                action.operation,
                action.reason_text().unwrap_or_default()
            ),
            other => format!("{} steps", other.len()),
        }
    }

    /// Every trust check × status × UNTRUSTED_INVITATIONS × LEAVE_UNTRUSTED_GRAPHS.
    #[test]
    fn only_a_trusted_invitation_is_ever_accepted() {
        let trusted = graph(TRUSTED, "us-east-1");
        let cases: Vec<(&str, Option<&str>, String, bool)> = vec![
            ("trusted", Some(TRUSTED), trusted.clone(), true),
            ("stranger", Some(STRANGER), graph(STRANGER, "us-east-1"), false),
            ("no administrator", None, trusted.clone(), false),
            (
                "graph of a stranger",
                Some(TRUSTED),
                graph(STRANGER, "us-east-1"),
                false,
            ),
            (
                "graph of another region",
                Some(TRUSTED),
                graph(TRUSTED, "eu-west-1"),
                false,
            ),
            ("malformed graph", Some(TRUSTED), "graph-1".into(), false),
        ];
        for (case, admin, graph_arn, trusted) in cases {
            for untrusted in ["ignore", "reject"] {
                for leave in ["false", "true"] {
                    let config = config(&[("UNTRUSTED_INVITATIONS", untrusted), ("LEAVE_UNTRUSTED_GRAPHS", leave)]);
                    for status in [
                        MemberStatus::Invited,
                        MemberStatus::Enabled,
                        MemberStatus::AcceptedButDisabled,
                    ] {
                        let mut found = invitation(
                            admin.unwrap_or_default(),
                            &graph_arn,
                            status.clone(),
                            InvitationType::Invitation,
                        );
                        found.administrator_id = admin.map(str::to_owned);
                        let got = decision(&invitations("us-east-1", &[found], &config));
                        let expected = match (&status, trusted, untrusted, leave) {
                            (MemberStatus::Invited, true, _, _) => "accept",
                            (MemberStatus::Invited, false, "reject", _) => "reject",
                            (MemberStatus::Invited, false, _, _) => "AcceptInvitation left",
                            (MemberStatus::Enabled, false, _, "true") => "leave",
                            (MemberStatus::AcceptedButDisabled, false, _, "true") => "DisassociateMembership left",
                            _ => "AcceptInvitation left",
                        };
                        assert!(
                            got.starts_with(expected),
                            "{case} {status:?} {untrusted} {leave}: {got}"
                        );
                        if !trusted {
                            assert_ne!(got, "accept", "{case}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn organization_memberships_are_never_answered_or_left() {
        let config = config(&[("UNTRUSTED_INVITATIONS", "reject"), ("LEAVE_UNTRUSTED_GRAPHS", "true")]);
        for status in [MemberStatus::Invited, MemberStatus::Enabled] {
            for admin in [TRUSTED, STRANGER] {
                let found = invitation(
                    admin,
                    &graph(admin, "us-east-1"),
                    status.clone(),
                    InvitationType::Organization,
                );
                let got = decision(&invitations("us-east-1", &[found], &config));
                assert!(
                    got.starts_with("AcceptInvitation left: an organization membership"),
                    "{got}"
                );
            }
        }
    }
}
