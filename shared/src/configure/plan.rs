//! What to change, decided purely from what was read and the desired state.

use super::reason::Reason;
use crate::aws::{AwsError, Designated, OrganizationAdmin, PackageStates, Tags};
use crate::domain::{AccountId, DatasourcePackage, IngestState};
use crate::execute::Plan;
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult, Failure};

use super::desired::{DesiredState, MANAGED_TAGS_KEY};
use super::writes::SetupWrite;

/// Which side of Detective's setup: the designation (in the management account) or the
/// administrator's graph (in the administrator account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Organization,
    Graph,
}

impl Part {
    pub fn name(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Graph => "graph",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "organization" => Some(Self::Organization),
            "graph" => Some(Self::Graph),
            _ => None,
        }
    }
}

/// The administrator's graph in a region as read: its packages, tags and AutoEnable.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphObserved {
    pub graph_arn: String,
    pub packages: PackageStates,
    pub tags: Tags,
    /// DescribeOrganizationConfiguration; an error when this account is not (yet) the
    /// organization's Detective administrator.
    pub auto_enable: Result<bool, AwsError>,
}

fn decided(operation: Operation, result: ActionResult, region: &str, reason: Reason) -> Action {
    Action::on_graph(operation, result, region, None).with_reason(reason)
}

/// Designate the administrator where none is; never replace another one.
pub fn plan_designation(desired: &DesiredState, region: &str, admins: &[OrganizationAdmin]) -> Plan<SetupWrite> {
    let mut plan = Plan::default();
    let ours = &desired.administrator;
    if admins.iter().any(|admin| *ours == admin.account_id) {
        let mut action = decided(
            Operation::EnableOrganizationAdminAccount,
            ActionResult::Skipped,
            region,
            Reason::AdministratorDesignated,
        );
        action.administrator_id = Some(ours.to_string());
        plan.decided(action);
    } else if let Some(other) = admins.first() {
        let mut action = Action::new(Operation::EnableOrganizationAdminAccount, ActionResult::Failed);
        action.region = Some(region.to_owned());
        action.administrator_id = Some(ours.to_string());
        plan.decided(action.failed(Failure::OtherAdministrator {
            designated: other.account_id.clone(),
            wanted: ours.clone(),
        }));
    } else {
        plan.write(SetupWrite::Designate {
            region: region.to_owned(),
            account: ours.clone(),
        });
    }
    plan
}

/// No graph in the administrator account: created (the rest is planned once it exists,
/// from what it then reads) only where this account is Detective's administrator or none
/// is; where another account is, a graph here would be a stray, standalone one.
pub fn plan_no_graph(desired: &DesiredState, region: &str, designated: &Designated) -> Plan<SetupWrite> {
    let mut plan = Plan::default();
    let refused = |failure: Failure| {
        let mut action = Action::new(Operation::CreateGraph, ActionResult::Failed);
        action.region = Some(region.to_owned());
        action.administrator_id = Some(desired.administrator.to_string());
        action.failed(failure)
    };
    match designated {
        Designated::Account(other) if *other != desired.administrator.as_str() => {
            plan.decided(refused(Failure::StrayGraph {
                administrator: other.clone(),
                account: desired.administrator.clone(),
            }));
        }
        Designated::Unknown(why) => {
            plan.decided(refused(Failure::AdministratorUnknown {
                account: desired.administrator.clone(),
                why: why.clone(),
            }));
        }
        Designated::Account(_) | Designated::Nobody | Designated::NoOrganization => {
            plan.write(SetupWrite::CreateGraph {
                region: region.to_owned(),
                tags: desired.tags_with_marker(),
            });
        }
    }
    plan
}

/// The graph's packages, tags and AutoEnable as desired.
pub fn plan_graph(desired: &DesiredState, region: &str, graph: &GraphObserved) -> Plan<SetupWrite> {
    let mut plan = Plan::default();
    plan_packages(&mut plan, desired, region, graph);
    plan_tags(&mut plan, desired, region, graph);
    plan_auto_enable(&mut plan, desired, region, graph);
    plan
}

/// The wanted packages not STARTED on the graph, with their state (None: not listed).
pub fn packages_off(
    wanted: Vec<DatasourcePackage>,
    listed: &PackageStates,
) -> Vec<(DatasourcePackage, Option<IngestState>)> {
    wanted
        .into_iter()
        .filter_map(|package| match listed.get(&package) {
            Some(IngestState::Started) => None,
            state => Some((package, state.cloned())),
        })
        .collect()
}

fn plan_packages(plan: &mut Plan<SetupWrite>, desired: &DesiredState, region: &str, graph: &GraphObserved) {
    let off = packages_off(desired.wanted_packages(), &graph.packages);
    if off.is_empty() {
        let mut action = decided(
            Operation::UpdateDatasourcePackages,
            ActionResult::Skipped,
            region,
            Reason::PackagesIngesting,
        );
        action.graph_arn = Some(graph.graph_arn.clone());
        action.packages = desired.wanted_packages();
        plan.decided(action);
    } else {
        plan.write(SetupWrite::StartPackages {
            region: region.to_owned(),
            graph: graph.graph_arn.clone(),
            packages: off.iter().map(|(package, _)| package.clone()).collect(),
            reason: Reason::PackagesOff(off),
        });
    }
}

fn plan_tags(plan: &mut Plan<SetupWrite>, desired: &DesiredState, region: &str, graph: &GraphObserved) {
    let wanted = desired.tags_with_marker();
    let to_set: Tags = wanted
        .iter()
        .filter(|(key, value)| graph.tags.get(*key) != Some(*value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    // Keys we set before (the marker says which) that are no longer wanted; the marker
    // itself goes when no key is managed any more.
    let managed_before: Vec<&str> = graph
        .tags
        .get(MANAGED_TAGS_KEY)
        .map(|keys| keys.split(' ').filter(|key| !key.is_empty()).collect())
        .unwrap_or_default();
    let mut to_remove: Vec<String> = managed_before
        .into_iter()
        .filter(|key| !wanted.contains_key(*key) && graph.tags.contains_key(*key))
        .map(str::to_owned)
        .collect();
    if wanted.is_empty() && graph.tags.contains_key(MANAGED_TAGS_KEY) {
        to_remove.push(MANAGED_TAGS_KEY.to_owned());
    }
    let unchanged = to_set.is_empty() && to_remove.is_empty();
    if !to_set.is_empty() {
        plan.write(SetupWrite::Tag {
            region: region.to_owned(),
            graph: graph.graph_arn.clone(),
            tags: to_set,
        });
    }
    if !to_remove.is_empty() {
        plan.write(SetupWrite::Untag {
            region: region.to_owned(),
            graph: graph.graph_arn.clone(),
            keys: to_remove,
        });
    }
    if unchanged {
        let mut action = decided(
            Operation::TagResource,
            ActionResult::Skipped,
            region,
            Reason::TagsAsDesired,
        );
        action.graph_arn = Some(graph.graph_arn.clone());
        action.tags = desired
            .tags
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        plan.decided(action);
    }
}

fn plan_auto_enable(plan: &mut Plan<SetupWrite>, desired: &DesiredState, region: &str, graph: &GraphObserved) {
    match &graph.auto_enable {
        Ok(current) if *current == desired.auto_enable => {
            let mut action = decided(
                Operation::UpdateOrganizationConfiguration,
                ActionResult::Skipped,
                region,
                Reason::AutoEnableAsDesired(*current),
            );
            action.graph_arn = Some(graph.graph_arn.clone());
            action.auto_enable = Some(*current);
            plan.decided(action);
        }
        Ok(_) => plan.write(SetupWrite::AutoEnable {
            region: region.to_owned(),
            graph: graph.graph_arn.clone(),
            auto_enable: desired.auto_enable,
        }),
        Err(error) => {
            let mut action = Action::new(Operation::UpdateOrganizationConfiguration, ActionResult::Failed);
            action.region = Some(region.to_owned());
            action.graph_arn = Some(graph.graph_arn.clone());
            action.auto_enable = Some(desired.auto_enable);
            plan.decided(action.failed(Failure::NotOrganizationAdministrator {
                account: desired.administrator.clone(),
                region: region.to_owned(),
                error: error.clone(),
            }));
        }
    }
}

/// On the custom resource's Delete: nothing unless DisableOnDelete, and then only what is
/// ours (our administrator, our own graph).
pub fn plan_teardown(
    desired: &DesiredState,
    part: Part,
    region: &str,
    admins: &[OrganizationAdmin],
    graph: Option<&str>,
) -> Plan<SetupWrite> {
    let mut plan = Plan::default();
    let operation = match part {
        Part::Organization => Operation::DisableOrganizationAdminAccount,
        Part::Graph => Operation::DeleteGraph,
    };
    if !desired.disable_on_delete || !desired.delete_allowed {
        let asked = desired.disable_on_delete;
        plan.decided(decided(
            operation,
            ActionResult::Skipped,
            region,
            Reason::KeptOnDelete { asked },
        ));
        return plan;
    }
    match part {
        Part::Organization => match admins.iter().find(|admin| desired.administrator == admin.account_id) {
            Some(_) => plan.write(SetupWrite::Undesignate {
                region: region.to_owned(),
                account: desired.administrator.clone(),
            }),
            None => plan.decided(decided(
                operation,
                ActionResult::Skipped,
                region,
                Reason::NotOurs(admins.first().map(|admin| admin.account_id.clone())),
            )),
        },
        Part::Graph => match graph {
            Some(arn) => plan.write(SetupWrite::DeleteGraph {
                region: region.to_owned(),
                graph: arn.to_owned(),
            }),
            None => plan.decided(decided(operation, ActionResult::Skipped, region, Reason::NotOurs(None))),
        },
    }
    plan
}

/// The graph part must run in the administrator account: a graph created anywhere else would
/// not be the organization's.
pub fn wrong_account(desired: &DesiredState, part: Part, running_in: Option<&AccountId>) -> Option<Failure> {
    match (part, running_in) {
        (Part::Graph, Some(account)) if *account != desired.administrator => {
            Some(Failure::NotTheAdministratorAccount {
                running_in: account.clone(),
                administrator: desired.administrator.clone(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::execute::Step;

    const OURS: &str = "111111111111";
    const GRAPH: &str = "arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90";

    fn desired(pairs: &[(&str, &str)]) -> DesiredState {
        let mut env: HashMap<String, String> = [("REGIONS", "us-east-1"), ("ADMINISTRATOR_ACCOUNT_ID", OURS)]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        DesiredState::from_env(&env).unwrap()
    }

    fn admin(id: &str) -> OrganizationAdmin {
        OrganizationAdmin {
            account_id: id.to_owned(),
            graph_arn: None,
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn graph(packages: &[(DatasourcePackage, IngestState)], tags: Tags, auto_enable: bool) -> GraphObserved {
        GraphObserved {
            graph_arn: GRAPH.to_owned(),
            packages: packages.iter().cloned().collect(),
            tags,
            auto_enable: Ok(auto_enable),
        }
    }

    /// Each step as `operation result [details]`: what a reviewer reads in a plan.
    fn lines(plan: &Plan<SetupWrite>) -> Vec<String> {
        plan.steps
            .iter()
            .map(|step| match step {
                Step::Write(write) => {
                    let action = crate::execute::Write::<crate::aws::SdkDetective>::intended(write).remove(0);
                    describe(&action)
                }
                Step::Decided(action) => describe(action),
            })
            .collect()
    }

    fn describe(action: &Action) -> String {
        let result = serde_json::to_value(action.result).unwrap();
        let mut details: Vec<String> = action.packages.iter().map(ToString::to_string).collect();
        details.extend(action.tags.iter().cloned());
        if let Some(value) = action.auto_enable {
            details.push(format!("AutoEnable={value}"));
        }
        if let Some(admin) = &action.administrator_id {
            details.push(admin.clone());
        }
        if let Some(error) = &action.error {
            details.push(format!("error: {error}"));
        }
        format!(
            "{} {} [{}]",
            action.operation,
            result.as_str().unwrap(),
            details.join(" ")
        )
    }

    #[test]
    fn the_administrator_is_designated_only_where_none_is() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "EnableOrganizationAdminAccount planned [111111111111]"),
            (&[OURS], "EnableOrganizationAdminAccount skipped [111111111111]"),
            (
                &["222222222222"],
                "EnableOrganizationAdminAccount failed [111111111111 error: account 222222222222 is already \
                 Detective's administrator, not 111111111111: never overwritten; DisableOrganizationAdminAccount \
                 it first if 111111111111 should be]",
            ),
        ];
        for (designated, expected) in cases {
            let admins: Vec<OrganizationAdmin> = designated.iter().map(|id| admin(id)).collect();
            let plan = plan_designation(&desired(&[]), "us-east-1", &admins);
            assert_eq!(lines(&plan), [*expected], "designated: {designated:?}");
        }
    }

    #[test]
    fn a_missing_graph_is_created_with_its_tags_and_the_marker() {
        let tagged = desired(&[("GRAPH_TAGS", "team=security")]);
        for designated in [
            Designated::Account(OURS.to_owned()),
            Designated::Nobody,
            Designated::NoOrganization,
        ] {
            assert_eq!(
                lines(&plan_no_graph(&tagged, "us-east-1", &designated)),
                [format!("CreateGraph planned [{MANAGED_TAGS_KEY}=team team=security]")],
                "{designated:?}"
            );
        }
    }

    /// Where another account is the organization's administrator (or who is cannot be
    /// read), no graph is created here: it would be a standalone one.
    #[test]
    fn no_stray_graph_where_another_account_is_the_administrator() {
        let stray = plan_no_graph(
            &desired(&[]),
            "us-east-1",
            &Designated::Account("333333333333".to_owned()),
        );
        assert_eq!(lines(&stray).len(), 1);
        assert!(
            lines(&stray)[0].starts_with("CreateGraph failed"),
            "{:?}",
            lines(&stray)
        );
        assert!(
            lines(&stray)[0].contains("account 333333333333 is Detective's administrator"),
            "{:?}",
            lines(&stray)
        );
        let unknown = plan_no_graph(
            &desired(&[]),
            "us-east-1",
            &Designated::Unknown("AccessDenied".to_owned()),
        );
        assert!(
            lines(&unknown)[0].starts_with("CreateGraph failed"),
            "{:?}",
            lines(&unknown)
        );
        assert!(
            lines(&unknown)[0].contains("cannot be read (AccessDenied)"),
            "{:?}",
            lines(&unknown)
        );
    }

    #[test]
    fn graph_settings_are_reconciled_one_write_each() {
        use DatasourcePackage::*;
        use IngestState::*;
        let all_on = [
            (DetectiveCore, Started),
            (EksAudit, Started),
            (AsffSecurityhubFinding, Started),
        ];
        let marker = |keys: &str| (MANAGED_TAGS_KEY, keys.to_owned());
        struct Case {
            name: &'static str,
            env: &'static [(&'static str, &'static str)],
            graph: GraphObserved,
            expected: Vec<String>,
        }
        let cases = [
            Case {
                name: "everything as desired: no write",
                env: &[("DATASOURCE_PACKAGES", "EKS_AUDIT"), ("GRAPH_TAGS", "team=security")],
                graph: graph(
                    &all_on,
                    tags(&[("team", "security"), (marker("team").0, &marker("team").1)]),
                    true,
                ),
                expected: vec![
                    "UpdateDatasourcePackages skipped [DETECTIVE_CORE EKS_AUDIT]".into(),
                    "TagResource skipped [team=security]".into(),
                    "UpdateOrganizationConfiguration skipped [AutoEnable=true]".into(),
                ],
            },
            Case {
                name: "packages partly on: only the ones off are started",
                env: &[("DATASOURCE_PACKAGES", "EKS_AUDIT,ASFF_SECURITYHUB_FINDING")],
                graph: graph(&[(DetectiveCore, Started), (EksAudit, Stopped)], Tags::new(), true),
                expected: vec![
                    "UpdateDatasourcePackages planned [EKS_AUDIT ASFF_SECURITYHUB_FINDING]".into(),
                    "TagResource skipped []".into(),
                    "UpdateOrganizationConfiguration skipped [AutoEnable=true]".into(),
                ],
            },
            Case {
                name: "tags differing: ours set, a key we dropped removed, foreign tags kept",
                env: &[("GRAPH_TAGS", "team=security,env=prod")],
                graph: graph(
                    &all_on,
                    tags(&[
                        ("team", "platform"),
                        ("owner", "soc"),
                        ("cost-center", "42"),
                        (MANAGED_TAGS_KEY, "owner team"),
                    ]),
                    true,
                ),
                expected: vec![
                    "UpdateDatasourcePackages skipped [DETECTIVE_CORE]".into(),
                    format!("TagResource planned [{MANAGED_TAGS_KEY}=env team env=prod team=security]"),
                    "UntagResource planned [owner]".into(),
                    "UpdateOrganizationConfiguration skipped [AutoEnable=true]".into(),
                ],
            },
            Case {
                name: "no tags wanted any more: ours and the marker go, foreign ones stay",
                env: &[],
                graph: graph(
                    &all_on,
                    tags(&[("team", "security"), ("cost-center", "42"), (MANAGED_TAGS_KEY, "team")]),
                    true,
                ),
                expected: vec![
                    "UpdateDatasourcePackages skipped [DETECTIVE_CORE]".into(),
                    format!("UntagResource planned [team {MANAGED_TAGS_KEY}]"),
                    "UpdateOrganizationConfiguration skipped [AutoEnable=true]".into(),
                ],
            },
            Case {
                name: "AutoEnable off while wanted on",
                env: &[],
                graph: graph(&all_on, Tags::new(), false),
                expected: vec![
                    "UpdateDatasourcePackages skipped [DETECTIVE_CORE]".into(),
                    "TagResource skipped []".into(),
                    "UpdateOrganizationConfiguration planned [AutoEnable=true]".into(),
                ],
            },
            Case {
                name: "AutoEnable wanted off",
                env: &[("AUTO_ENABLE", "false")],
                graph: graph(&all_on, Tags::new(), true),
                expected: vec![
                    "UpdateDatasourcePackages skipped [DETECTIVE_CORE]".into(),
                    "TagResource skipped []".into(),
                    "UpdateOrganizationConfiguration planned [AutoEnable=false]".into(),
                ],
            },
        ];
        for case in cases {
            let plan = plan_graph(&desired(case.env), "us-east-1", &case.graph);
            assert_eq!(lines(&plan), case.expected, "{}", case.name);
        }
    }

    #[test]
    fn not_yet_the_organizations_administrator_fails_with_what_to_do() {
        let mut observed = graph(
            &[(DatasourcePackage::DetectiveCore, IngestState::Started)],
            Tags::new(),
            true,
        );
        observed.auto_enable = Err(AwsError::new(
            Operation::DescribeOrganizationConfiguration,
            "AccessDeniedException",
            "not the administrator",
        ));
        let plan = plan_graph(&desired(&[]), "us-east-1", &observed);
        let last = lines(&plan).pop().unwrap_or_default();
        assert!(last.starts_with("UpdateOrganizationConfiguration failed"), "{last}");
        assert!(last.contains("deploy that first"), "{last}");
    }

    #[test]
    fn delete_changes_nothing_unless_asked_and_then_only_what_is_ours() {
        let keep = desired(&[]);
        let mut destroy = desired(&[("DISABLE_ON_DELETE", "true")]);
        let refused = destroy.clone();
        destroy.delete_allowed = true;
        let ours = [admin(OURS)];
        let theirs = [admin("222222222222")];
        let org = |desired: &DesiredState, admins: &[OrganizationAdmin]| {
            lines(&plan_teardown(desired, Part::Organization, "us-east-1", admins, None))
        };
        assert_eq!(org(&keep, &ours), ["DisableOrganizationAdminAccount skipped []"]);
        assert_eq!(
            org(&destroy, &ours),
            ["DisableOrganizationAdminAccount planned [111111111111]"]
        );
        assert_eq!(org(&destroy, &theirs), ["DisableOrganizationAdminAccount skipped []"]);
        let reason = |desired: &DesiredState| {
            plan_teardown(desired, Part::Organization, "us-east-1", &ours, None)
                .steps
                .iter()
                .map(|step| match step {
                    Step::Decided(action) => action.reason_text().unwrap_or_default(),
                    Step::Write(_) => "a write".to_owned(),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            reason(&refused),
            ["the request asks DisableOnDelete, but the function's DISABLE_ON_DELETE (the stack's parameter) is false: Detective is left as it is"],
            "a request alone never destroys anything"
        );
        let graph = |desired: &DesiredState, arn: Option<&str>| {
            lines(&plan_teardown(desired, Part::Graph, "us-east-1", &[], arn))
        };
        assert_eq!(graph(&keep, Some(GRAPH)), ["DeleteGraph skipped []"]);
        assert_eq!(graph(&destroy, Some(GRAPH)), ["DeleteGraph planned []"]);
        assert_eq!(graph(&destroy, None), ["DeleteGraph skipped []"]);
    }

    #[test]
    fn the_graph_part_refuses_to_run_outside_the_administrator_account() {
        let desired = desired(&[]);
        let elsewhere = AccountId::parse("999999999999");
        assert!(wrong_account(&desired, Part::Graph, elsewhere.as_ref()).is_some());
        assert!(wrong_account(&desired, Part::Organization, elsewhere.as_ref()).is_none());
        assert!(wrong_account(&desired, Part::Graph, AccountId::parse(OURS).as_ref()).is_none());
    }
}
