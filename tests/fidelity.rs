//! The sandbox behaves as the Detective and Organizations references document, through the
//! real SDK: one test for each place it used to be more lenient than AWS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use aws_sdk_detective::config::http::HttpResponse;
use aws_sdk_detective::error::ProvideErrorMetadata;
use aws_sdk_detective::error::SdkError;
use aws_sdk_detective::operation::create_members::{CreateMembersError, CreateMembersOutput};
use std::collections::BTreeMap;

use aws_sdk_detective::types::{
    Account as NewAccount, DatasourcePackage, DatasourcePackageIngestState, InvitationType, MemberDetail,
    MemberDisabledReason, MemberStatus, MembershipDatasources,
};
use integration_tests::{start, state, ADMIN, GRAPH, MEMBER, REGION};
use sandbox::{access_key_for, Graph, GraphSettings, Invitation, MemberOutcome, PackageState, Sandbox, SandboxState};

const STRANGER: &str = "666666666666";
const OUTSIDER: &str = "888888888888";

/// A Detective client acting as `account`.
async fn detective_as(sandbox: &Sandbox, account: &str) -> aws_sdk_detective::Client {
    aws_sdk_detective::Client::new(&sdk_as(sandbox, account).await)
}

async fn sdk_as(sandbox: &Sandbox, account: &str) -> aws_config::SdkConfig {
    let credentials =
        aws_sdk_detective::config::Credentials::new(access_key_for(account), "sandbox", None, None, "test");
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(sandbox.endpoint())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(credentials)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

fn code<E: ProvideErrorMetadata>(error: &E) -> String {
    error.code().unwrap_or_default().to_owned()
}

fn account(id: &str, email: &str) -> NewAccount {
    NewAccount::builder()
        .account_id(id)
        .email_address(email)
        .build()
        .unwrap()
}

/// CreateMembers of one account in GRAPH, as `caller`.
async fn create_member(
    caller: &aws_sdk_detective::Client,
    id: &str,
    email: &str,
) -> Result<CreateMembersOutput, SdkError<CreateMembersError, HttpResponse>> {
    caller
        .create_members()
        .graph_arn(GRAPH)
        .accounts(account(id, email))
        .send()
        .await
}

/// GetMembers of one account in GRAPH: its MemberDetail.
async fn read_member(admin: &aws_sdk_detective::Client, id: &str) -> MemberDetail {
    let read = admin
        .get_members()
        .graph_arn(GRAPH)
        .account_ids(id)
        .send()
        .await
        .unwrap();
    read.member_details()[0].clone()
}

#[tokio::test]
async fn graph_arns_must_match_the_models_pattern() {
    let sandbox = Sandbox::start_for_invalid_requests(state()).await.unwrap();
    let admin = detective_as(&sandbox, ADMIN).await;
    let error = admin
        .list_members()
        .graph_arn("arn:aws:detective:us-east-1:111111111111:graph:a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let mut bad = state();
    bad.regions.get_mut(REGION).unwrap().graphs[0].arn = "arn:aws:detective:us-east-1:111111111111:graph:a".into();
    assert!(
        Sandbox::start(bad).await.is_err(),
        "a state AWS could never be in is refused"
    );
}

#[tokio::test]
async fn administrator_only_operations_refuse_other_callers() {
    let (sandbox, _) = start(state()).await;
    let member = detective_as(&sandbox, MEMBER).await;
    let listed = member.list_members().graph_arn(GRAPH).send().await.unwrap_err();
    assert_eq!(code(&listed), "AccessDeniedException");
    let created = create_member(&member, "333333333333", "p@example.com")
        .await
        .unwrap_err();
    assert_eq!(code(&created), "AccessDeniedException");
    let config = member
        .describe_organization_configuration()
        .graph_arn(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&config), "AccessDeniedException");
    assert_eq!(sandbox.state(), state(), "nothing changed");
}

#[tokio::test]
async fn the_organization_configuration_is_only_the_delegated_administrators() {
    let mut seeded = state();
    // The graph's own administrator, but not the organization's Detective administrator.
    seeded.regions.get_mut(REGION).unwrap().organization_admin_account_id = Some("999999999999".into());
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let error = admin
        .describe_organization_configuration()
        .graph_arn(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "AccessDeniedException");
    let error = admin
        .update_organization_configuration()
        .graph_arn(GRAPH)
        .auto_enable(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "AccessDeniedException");
    // And its CreateMembers invites organization accounts instead of enabling them.
    let created = create_member(&admin, "333333333333", "p@example.com").await.unwrap();
    assert_eq!(
        created.members()[0].invitation_type(),
        Some(&InvitationType::Invitation)
    );
}

#[tokio::test]
async fn list_graphs_returns_only_the_callers_graph_and_create_graph_returns_it_again() {
    let mut seeded = state();
    let strangers = format!("arn:aws:detective:us-east-1:{STRANGER}:graph:{}", "d".repeat(32));
    seeded.regions.get_mut(REGION).unwrap().graphs.push(Graph {
        arn: strangers.clone(),
        auto_enable: false,
        members: vec![],
    });
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let graphs: Vec<String> = admin
        .list_graphs()
        .send()
        .await
        .unwrap()
        .graph_list()
        .iter()
        .filter_map(|g| g.arn().map(str::to_owned))
        .collect();
    assert_eq!(graphs, vec![GRAPH.to_owned()]);
    // Documented: "it always returns the same behavior graph ARN".
    let again = admin.create_graph().send().await.unwrap();
    assert_eq!(again.graph_arn(), Some(GRAPH));
    let outsider = detective_as(&sandbox, OUTSIDER).await;
    assert!(outsider.list_graphs().send().await.unwrap().graph_list().is_empty());
    let created = outsider.create_graph().send().await.unwrap();
    assert!(created
        .graph_arn()
        .unwrap()
        .starts_with("arn:aws:detective:us-east-1:888888888888:graph:"));
}

#[tokio::test]
async fn organization_accounts_go_through_verification_and_may_end_disabled_with_a_reason() {
    let mut seeded: SandboxState = state();
    seeded.member_outcomes = vec![MemberOutcome {
        account_id: "333333333333".into(),
        status: "ACCEPTED_BUT_DISABLED".into(),
        disabled_reason: Some("VOLUME_TOO_HIGH".into()),
    }];
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let created = create_member(&admin, "333333333333", "p@example.com").await.unwrap();
    let member = &created.members()[0];
    assert_eq!(member.status(), Some(&MemberStatus::VerificationInProgress));
    assert_eq!(member.invitation_type(), Some(&InvitationType::Organization));

    let member = &read_member(&admin, "333333333333").await;
    assert_eq!(member.status(), Some(&MemberStatus::AcceptedButDisabled));
    assert_eq!(member.disabled_reason(), Some(&MemberDisabledReason::VolumeTooHigh));
    assert!(member.volume_usage_by_datasource_package().is_some());
    assert!(member.datasource_package_ingest_states().is_some());

    // StartMonitoringMember answers, and leaves a member it cannot enable as it was.
    admin
        .start_monitoring_member()
        .graph_arn(GRAPH)
        .account_id("333333333333")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read_member(&admin, "333333333333").await.status(),
        Some(&MemberStatus::AcceptedButDisabled)
    );
}

#[tokio::test]
async fn accounts_outside_the_organization_are_invited_and_see_their_invitation() {
    let (sandbox, _) = start(state()).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    create_member(&admin, OUTSIDER, "partner@example.com").await.unwrap();
    let member = read_member(&admin, OUTSIDER).await;
    assert_eq!(member.status(), Some(&MemberStatus::Invited));
    assert_eq!(member.invitation_type(), Some(&InvitationType::Invitation));
    let invitations = detective_as(&sandbox, OUTSIDER)
        .await
        .list_invitations()
        .send()
        .await
        .unwrap();
    assert_eq!(invitations.invitations()[0].graph_arn(), Some(GRAPH));
    assert_eq!(invitations.invitations()[0].administrator_id(), Some(ADMIN));
}

#[tokio::test]
async fn disassociate_membership_only_for_an_enabled_invited_member() {
    let graph = |label: &str| format!("arn:aws:detective:us-east-1:{STRANGER}:graph:{}", label.repeat(32));
    let mut seeded = SandboxState::empty(MEMBER);
    let mut disabled = Invitation::new(&graph("a"), STRANGER, "ACCEPTED_BUT_DISABLED");
    disabled.disabled_reason = Some("VOLUME_UNKNOWN".into());
    let mut organization = Invitation::new(&graph("b"), STRANGER, "ENABLED");
    organization.invitation_type = "ORGANIZATION".into();
    let enabled = Invitation::new(&graph("c"), STRANGER, "ENABLED");
    seeded.regions.entry(REGION.into()).or_default().invitations = vec![disabled, organization, enabled];
    let (sandbox, _) = start(seeded).await;
    let member = detective_as(&sandbox, MEMBER).await;
    for refused in ["a", "b"] {
        let error = member
            .disassociate_membership()
            .graph_arn(graph(refused))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&error), "ValidationException", "{refused}");
    }
    member
        .disassociate_membership()
        .graph_arn(graph("c"))
        .send()
        .await
        .unwrap();
    assert_eq!(sandbox.state().region(REGION).unwrap().invitations.len(), 2);
}

#[tokio::test]
async fn page_sizes_and_tokens_out_of_the_model_are_refused() {
    let sandbox = Sandbox::start_for_invalid_requests(state()).await.unwrap();
    let sdk = shared::aws::local_sdk_config(&sandbox.endpoint(), REGION).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let error = admin
        .list_members()
        .graph_arn(GRAPH)
        .max_results(201)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let error = admin
        .list_members()
        .graph_arn(GRAPH)
        .next_token("page-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let organizations = aws_sdk_organizations::Client::new(&sdk);
    let error = organizations.list_accounts().max_results(21).send().await.unwrap_err();
    assert_eq!(code(&error), "InvalidInputException");
    let record = sandbox
        .requests()
        .into_iter()
        .find(|r| r.operation == "ListAccounts")
        .unwrap();
    assert_eq!(record.status, 400, "awsJson1.1 sends client errors as 400");
}

#[tokio::test]
async fn organizations_throttling_is_a_400_as_awsjson_sends_it() {
    let mut seeded = state();
    seeded.faults.push(sandbox::Fault {
        operation: "ListAccounts".into(),
        error: "TooManyRequestsException".into(),
        times: Some(1),
        region: None,
    });
    let (sandbox, sdk) = start(seeded).await;
    // The SDK still recognises it as throttling and retries.
    let accounts = aws_sdk_organizations::Client::new(&sdk)
        .list_accounts()
        .send()
        .await
        .unwrap();
    assert_eq!(accounts.accounts().len(), 3);
    let statuses: Vec<u16> = sandbox.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![400, 200]);
}

#[tokio::test]
async fn organizations_accounts_can_be_pending_activation_and_only_administrators_read_them() {
    let mut seeded = state();
    seeded.organization.as_mut().unwrap().accounts[2].status = "PENDING_ACTIVATION".into();
    let (sandbox, sdk) = start(seeded).await;
    let account = aws_sdk_organizations::Client::new(&sdk)
        .describe_account()
        .account_id("333333333333")
        .send()
        .await
        .unwrap();
    let account = account.account().unwrap();
    assert_eq!(account.state().map(|s| s.as_str()), Some("PENDING_ACTIVATION"));
    #[allow(deprecated)]
    let status = account.status();
    assert_eq!(status, None, "the older Status has no such value");
    let member = aws_sdk_organizations::Client::new(&sdk_as(&sandbox, MEMBER).await);
    let error = member.list_accounts().send().await.unwrap_err();
    assert_eq!(code(&error), "AccessDeniedException");
}

// ---------- the organization's Detective administrator, graphs, data sources, tags ----------

const MANAGEMENT: &str = "999999999999";
const ORG_ACCOUNT: &str = "333333333333";

fn secs(time: Option<&aws_sdk_detective::primitives::DateTime>) -> Option<i64> {
    time.map(aws_sdk_detective::primitives::DateTime::secs)
}

/// A MembershipDatasources history as `{package: {state: epoch seconds}}`.
fn history_of(entry: &MembershipDatasources) -> BTreeMap<String, BTreeMap<String, i64>> {
    entry
        .datasource_package_ingest_history()
        .unwrap()
        .iter()
        .map(|(package, states)| {
            let states = states
                .iter()
                .map(|(state, at)| (state.as_str().to_owned(), secs(at.timestamp()).unwrap()))
                .collect();
            (package.as_str().to_owned(), states)
        })
        .collect()
}

/// The graph's packages as `{package: (state, {state: epoch seconds})}`.
async fn packages_of(
    admin: &aws_sdk_detective::Client,
    graph: &str,
) -> BTreeMap<String, (String, BTreeMap<String, i64>)> {
    let listed = admin.list_datasource_packages().graph_arn(graph).send().await.unwrap();
    listed
        .datasource_packages()
        .unwrap()
        .iter()
        .map(|(package, detail)| {
            let changes = detail
                .last_ingest_state_change()
                .unwrap()
                .iter()
                .map(|(state, at)| (state.as_str().to_owned(), secs(at.timestamp()).unwrap()))
                .collect();
            let state = detail.datasource_package_ingest_state().unwrap().as_str().to_owned();
            (package.as_str().to_owned(), (state, changes))
        })
        .collect()
}

async fn tags_of(admin: &aws_sdk_detective::Client, graph: &str) -> BTreeMap<String, String> {
    let listed = admin.list_tags_for_resource().resource_arn(graph).send().await.unwrap();
    listed
        .tags()
        .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn epoch(text: &str) -> i64 {
    integration_tests::at(text).timestamp()
}

const JAN_2024: &str = "2024-01-01T00:00:00Z";

#[tokio::test]
async fn enable_organization_admin_account_designates_an_organization_account_and_creates_its_graph() {
    let mut seeded = state();
    seeded.regions.get_mut(REGION).unwrap().organization_admin_account_id = None;
    let (sandbox, _) = start(seeded).await;
    let management = detective_as(&sandbox, MANAGEMENT).await;

    let refused = detective_as(&sandbox, ADMIN)
        .await
        .enable_organization_admin_account()
        .account_id(ORG_ACCOUNT)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException", "management account only");
    let outside = management
        .enable_organization_admin_account()
        .account_id(OUTSIDER)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&outside), "ValidationException", "not an organization account");
    let listed = management.list_organization_admin_accounts().send().await.unwrap();
    assert!(listed.administrators().is_empty());

    management
        .enable_organization_admin_account()
        .account_id(ORG_ACCOUNT)
        .send()
        .await
        .unwrap();
    let graphs = detective_as(&sandbox, ORG_ACCOUNT)
        .await
        .list_graphs()
        .send()
        .await
        .unwrap();
    let graph = graphs.graph_list()[0].arn().unwrap().to_owned();
    assert!(
        graph.starts_with("arn:aws:detective:us-east-1:333333333333:graph:"),
        "{graph}"
    );
    let listed = management.list_organization_admin_accounts().send().await.unwrap();
    let admin = &listed.administrators()[0];
    assert_eq!(listed.administrators().len(), 1);
    assert_eq!(admin.account_id(), Some(ORG_ACCOUNT));
    assert_eq!(admin.graph_arn(), Some(graph.as_str()));
    assert_eq!(
        secs(admin.delegation_time()),
        Some(integration_tests::now().timestamp())
    );
    // The new graph's packages: every one started when it was created, as the User Guide
    // documents for graphs created after 2023-05-16.
    let org_admin = detective_as(&sandbox, ORG_ACCOUNT).await;
    let packages = packages_of(&org_admin, &graph).await;
    assert_eq!(
        packages.keys().collect::<Vec<_>>(),
        vec!["ASFF_SECURITYHUB_FINDING", "DETECTIVE_CORE", "EKS_AUDIT"]
    );
    assert!(packages.values().all(|(state, _)| state == "STARTED"), "{packages:?}");

    // The same account again: nothing changes. Another account: refused.
    management
        .enable_organization_admin_account()
        .account_id(ORG_ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(sandbox.state().region(REGION).unwrap().graphs.len(), 2);
    let other = management
        .enable_organization_admin_account()
        .account_id(ADMIN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&other), "ValidationException");
    let listing = detective_as(&sandbox, ADMIN)
        .await
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&listing), "AccessDeniedException");
    // An account with a graph keeps it when designated.
    let mut seeded = state();
    seeded.regions.get_mut(REGION).unwrap().organization_admin_account_id = None;
    let (sandbox, _) = start(seeded).await;
    let management = detective_as(&sandbox, MANAGEMENT).await;
    management
        .enable_organization_admin_account()
        .account_id(ADMIN)
        .send()
        .await
        .unwrap();
    let listed = management.list_organization_admin_accounts().send().await.unwrap();
    assert_eq!(listed.administrators()[0].graph_arn(), Some(GRAPH));
}

#[tokio::test]
async fn disable_organization_admin_account_removes_the_designation_and_deletes_the_organization_graph() {
    let mut seeded = state();
    let region = seeded.regions.get_mut(REGION).unwrap();
    region.organization_admin_since = Some(integration_tests::at("2025-05-01T00:00:00Z"));
    region.invitations.push(Invitation {
        account_id: Some(MEMBER.into()),
        ..Invitation::new(GRAPH, ADMIN, "ENABLED")
    });
    let (sandbox, _) = start(seeded).await;
    let management = detective_as(&sandbox, MANAGEMENT).await;
    let listed = management.list_organization_admin_accounts().send().await.unwrap();
    assert_eq!(
        secs(listed.administrators()[0].delegation_time()),
        Some(epoch("2025-05-01T00:00:00Z"))
    );

    let refused = detective_as(&sandbox, ADMIN)
        .await
        .disable_organization_admin_account()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException");
    management.disable_organization_admin_account().send().await.unwrap();
    let region = sandbox.state().region(REGION).cloned().unwrap();
    assert_eq!(region.organization_admin_account_id, None);
    assert!(region.graphs.is_empty(), "the organization behavior graph is deleted");
    assert!(region.invitations.is_empty(), "and gone from its members' lists");
    assert!(management
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap()
        .administrators()
        .is_empty());
    let again = management
        .disable_organization_admin_account()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&again), "ValidationException", "none is designated");
}

#[tokio::test]
async fn delete_graph_is_the_administrators_and_leaves_each_members_list() {
    let mut seeded = state();
    let region = seeded.regions.get_mut(REGION).unwrap();
    region.invitations.push(Invitation {
        account_id: Some(MEMBER.into()),
        ..Invitation::new(GRAPH, ADMIN, "ENABLED")
    });
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let member = detective_as(&sandbox, MEMBER).await;
    assert_eq!(member.list_invitations().send().await.unwrap().invitations().len(), 1);

    let refused = member.delete_graph().graph_arn(GRAPH).send().await.unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException");
    let unknown = format!("arn:aws:detective:us-east-1:{ADMIN}:graph:{}", "e".repeat(32));
    let missing = admin.delete_graph().graph_arn(unknown).send().await.unwrap_err();
    assert_eq!(code(&missing), "ResourceNotFoundException");

    admin.delete_graph().graph_arn(GRAPH).send().await.unwrap();
    assert!(admin.list_graphs().send().await.unwrap().graph_list().is_empty());
    assert!(member.list_invitations().send().await.unwrap().invitations().is_empty());
    let gone = admin.list_members().graph_arn(GRAPH).send().await.unwrap_err();
    assert_eq!(code(&gone), "ResourceNotFoundException");
}

fn with_packages(mut seeded: SandboxState) -> SandboxState {
    let region = seeded.regions.get_mut(REGION).unwrap();
    region.graph_settings.insert(
        GRAPH.into(),
        GraphSettings {
            datasource_packages: BTreeMap::from([
                (
                    "DETECTIVE_CORE".into(),
                    PackageState::started(integration_tests::at(JAN_2024)),
                ),
                (
                    "EKS_AUDIT".into(),
                    PackageState {
                        state: "DISABLED".into(),
                        since: integration_tests::at("2025-01-01T00:00:00Z"),
                    },
                ),
            ]),
            ..GraphSettings::default()
        },
    );
    seeded
}

#[tokio::test]
async fn update_datasource_packages_starts_a_disabled_package_for_the_graph_and_its_members() {
    let (sandbox, _) = start(with_packages(state())).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let packages = packages_of(&admin, GRAPH).await;
    assert_eq!(
        packages["EKS_AUDIT"],
        (
            "DISABLED".into(),
            BTreeMap::from([("DISABLED".into(), epoch("2025-01-01T00:00:00Z"))])
        )
    );
    assert_eq!(packages["DETECTIVE_CORE"].0, "STARTED");
    // One package a page.
    let first = admin
        .list_datasource_packages()
        .graph_arn(GRAPH)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.datasource_packages().unwrap().len(), 1);
    let second = admin
        .list_datasource_packages()
        .graph_arn(GRAPH)
        .max_results(1)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.datasource_packages().unwrap().len(), 1);
    assert_eq!(second.next_token(), None);

    let refused = detective_as(&sandbox, MEMBER)
        .await
        .update_datasource_packages()
        .graph_arn(GRAPH)
        .datasource_packages(DatasourcePackage::EksAudit)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException");
    admin
        .update_datasource_packages()
        .graph_arn(GRAPH)
        .datasource_packages(DatasourcePackage::EksAudit)
        .datasource_packages(DatasourcePackage::DetectiveCore)
        .send()
        .await
        .unwrap();
    let now = integration_tests::now().timestamp();
    let packages = packages_of(&admin, GRAPH).await;
    assert_eq!(
        packages["EKS_AUDIT"],
        ("STARTED".into(), BTreeMap::from([("STARTED".into(), now)]))
    );
    assert_eq!(
        packages["DETECTIVE_CORE"].1,
        BTreeMap::from([("STARTED".into(), epoch(JAN_2024))]),
        "a package already started is left as it is"
    );
    let members = admin
        .batch_get_graph_member_datasources()
        .graph_arn(GRAPH)
        .account_ids(MEMBER)
        .send()
        .await
        .unwrap();
    assert_eq!(
        history_of(&members.member_datasources()[0])["EKS_AUDIT"],
        BTreeMap::from([("STARTED".into(), now)])
    );
    let listed = detective_as(&sandbox, MEMBER)
        .await
        .list_datasource_packages()
        .graph_arn(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&listed), "AccessDeniedException");
}

#[tokio::test]
async fn batch_get_graph_member_datasources_shows_a_stopped_package_and_non_members_unprocessed() {
    let mut seeded = with_packages(state());
    seeded.regions.get_mut(REGION).unwrap().graphs[0].members[0].datasources = BTreeMap::from([(
        "EKS_AUDIT".into(),
        BTreeMap::from([
            ("STARTED".into(), integration_tests::at("2025-02-01T00:00:00Z")),
            ("STOPPED".into(), integration_tests::at("2025-03-01T00:00:00Z")),
        ]),
    )]);
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let got = admin
        .batch_get_graph_member_datasources()
        .graph_arn(GRAPH)
        .account_ids(MEMBER)
        .account_ids(ORG_ACCOUNT)
        .account_ids(ADMIN)
        .send()
        .await
        .unwrap();
    let member = &got.member_datasources()[0];
    assert_eq!(member.account_id(), Some(MEMBER));
    assert_eq!(member.graph_arn(), Some(GRAPH));
    assert_eq!(
        history_of(member),
        BTreeMap::from([
            (
                "DETECTIVE_CORE".into(),
                BTreeMap::from([("STARTED".into(), epoch(JAN_2024))])
            ),
            (
                "EKS_AUDIT".into(),
                BTreeMap::from([
                    ("STARTED".into(), epoch("2025-02-01T00:00:00Z")),
                    ("STOPPED".into(), epoch("2025-03-01T00:00:00Z")),
                ])
            ),
        ])
    );
    assert_eq!(
        got.member_datasources()[1].account_id(),
        Some(ADMIN),
        "the administrator's own"
    );
    assert_eq!(got.unprocessed_accounts().len(), 1);
    assert_eq!(got.unprocessed_accounts()[0].account_id(), Some(ORG_ACCOUNT));
    // GetMembers agrees: EKS_AUDIT is not ingesting for that member.
    let detail = read_member(&admin, MEMBER).await;
    let states = detail.datasource_package_ingest_states().unwrap();
    assert_eq!(
        states[&DatasourcePackage::EksAudit],
        DatasourcePackageIngestState::Stopped
    );
    assert_eq!(
        states[&DatasourcePackage::DetectiveCore],
        DatasourcePackageIngestState::Started
    );

    let refused = detective_as(&sandbox, MEMBER)
        .await
        .batch_get_graph_member_datasources()
        .graph_arn(GRAPH)
        .account_ids(MEMBER)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException");
}

#[tokio::test]
async fn batch_get_membership_datasources_answers_for_the_callers_memberships_only() {
    let graph = |label: &str| format!("arn:aws:detective:us-east-1:{STRANGER}:graph:{}", label.repeat(32));
    let mut seeded = state();
    let region = seeded.regions.get_mut(REGION).unwrap();
    let mut enabled = Invitation::new(&graph("a"), STRANGER, "ENABLED");
    enabled.account_id = Some(MEMBER.into());
    enabled.datasources = BTreeMap::from([(
        "ASFF_SECURITYHUB_FINDING".into(),
        BTreeMap::from([("STOPPED".into(), integration_tests::at("2025-04-01T00:00:00Z"))]),
    )]);
    let mut invited = Invitation::new(&graph("b"), STRANGER, "INVITED");
    invited.account_id = Some(MEMBER.into());
    region.invitations = vec![enabled, invited];
    let (sandbox, _) = start(seeded).await;
    let member = detective_as(&sandbox, MEMBER).await;
    let got = member
        .batch_get_membership_datasources()
        .graph_arns(GRAPH)
        .graph_arns(graph("a"))
        .graph_arns(graph("b"))
        .graph_arns(graph("c"))
        .send()
        .await
        .unwrap();
    let found: Vec<_> = got
        .membership_datasources()
        .iter()
        .map(|m| m.graph_arn().unwrap())
        .collect();
    assert_eq!(found, vec![GRAPH.to_owned(), graph("a")]);
    assert!(got
        .membership_datasources()
        .iter()
        .all(|m| m.account_id() == Some(MEMBER)));
    assert_eq!(
        history_of(&got.membership_datasources()[0]),
        BTreeMap::from([(
            "DETECTIVE_CORE".into(),
            BTreeMap::from([("STARTED".into(), epoch(JAN_2024))])
        )])
    );
    assert_eq!(
        history_of(&got.membership_datasources()[1])["ASFF_SECURITYHUB_FINDING"],
        BTreeMap::from([("STOPPED".into(), epoch("2025-04-01T00:00:00Z"))])
    );
    let unprocessed: Vec<_> = got
        .unprocessed_graphs()
        .iter()
        .map(|g| g.graph_arn().unwrap())
        .collect();
    assert_eq!(
        unprocessed,
        vec![graph("b"), graph("c")],
        "an open invitation is no membership"
    );
    // An account that is nobody's member: every graph unprocessed.
    let outsider = detective_as(&sandbox, OUTSIDER).await;
    let got = outsider
        .batch_get_membership_datasources()
        .graph_arns(GRAPH)
        .send()
        .await
        .unwrap();
    assert!(got.membership_datasources().is_empty());
    assert_eq!(got.unprocessed_graphs().len(), 1);
}

#[tokio::test]
async fn tags_survive_a_round_trip_and_untag_resource_leaves_other_keys() {
    let mut seeded = state();
    seeded.regions.get_mut(REGION).unwrap().graph_settings.insert(
        GRAPH.into(),
        GraphSettings {
            tags: BTreeMap::from([("owner".into(), "platform".into())]),
            ..GraphSettings::default()
        },
    );
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    assert_eq!(
        tags_of(&admin, GRAPH).await,
        BTreeMap::from([("owner".into(), "platform".into())])
    );
    admin
        .tag_resource()
        .resource_arn(GRAPH)
        .tags("team", "security")
        .tags("cost-center:id", "a+b=c/1")
        .send()
        .await
        .unwrap();
    let statuses: Vec<(String, u16)> = sandbox
        .requests()
        .into_iter()
        .map(|r| (r.operation, r.status))
        .filter(|(operation, _)| operation == "TagResource")
        .collect();
    assert_eq!(
        statuses,
        vec![("TagResource".to_owned(), 204)],
        "the model's responseCode"
    );
    assert_eq!(
        tags_of(&admin, GRAPH).await,
        BTreeMap::from([
            ("cost-center:id".into(), "a+b=c/1".into()),
            ("owner".into(), "platform".into()),
            ("team".into(), "security".into()),
        ])
    );
    admin
        .untag_resource()
        .resource_arn(GRAPH)
        .tag_keys("team")
        .tag_keys("cost-center:id")
        .tag_keys("never-set")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&admin, GRAPH).await,
        BTreeMap::from([("owner".into(), "platform".into())]),
        "the keys set elsewhere are untouched"
    );
    // Only the administrator; an unknown graph is not found.
    let member = detective_as(&sandbox, MEMBER).await;
    let refused = member
        .list_tags_for_resource()
        .resource_arn(GRAPH)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException");
    let refused = member
        .tag_resource()
        .resource_arn(GRAPH)
        .tags("team", "x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException");
    let refused = member
        .untag_resource()
        .resource_arn(GRAPH)
        .tag_keys("owner")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&refused), "AccessDeniedException");
    let unknown = format!("arn:aws:detective:us-east-1:{ADMIN}:graph:{}", "e".repeat(32));
    let missing = admin
        .list_tags_for_resource()
        .resource_arn(unknown)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&missing), "ResourceNotFoundException");

    // CreateGraph keeps its tags; a graph without tags lists none.
    let creator = detective_as(&sandbox, ORG_ACCOUNT).await;
    let created = creator.create_graph().tags("env", "prod").send().await.unwrap();
    let created = created.graph_arn().unwrap();
    assert_eq!(
        tags_of(&creator, created).await,
        BTreeMap::from([("env".into(), "prod".into())])
    );
    let again = creator.create_graph().tags("env", "dev").send().await.unwrap();
    assert_eq!(again.graph_arn(), Some(created));
    assert_eq!(
        tags_of(&creator, created).await["env"],
        "prod",
        "an existing graph's tags stay"
    );
    let outsider = detective_as(&sandbox, OUTSIDER).await;
    let bare = outsider.create_graph().send().await.unwrap();
    let listed = outsider
        .list_tags_for_resource()
        .resource_arn(bare.graph_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags(), None, "TagMap has at least one entry: Tags is absent");
}

/// Requests AWS would refuse before looking at them: off the model (sizes, enums,
/// patterns), or past the 50 tags of a graph.
#[tokio::test]
async fn tag_and_datasource_limits_are_validation_errors() {
    let mut seeded = state();
    seeded.regions.get_mut(REGION).unwrap().graph_settings.insert(
        GRAPH.into(),
        GraphSettings {
            tags: (0..45).map(|n| (format!("k{n}"), "v".to_owned())).collect(),
            ..GraphSettings::default()
        },
    );
    let sandbox = Sandbox::start_for_invalid_requests(seeded).await.unwrap();
    let admin = detective_as(&sandbox, ADMIN).await;
    let tag = |key: &str, value: &str| admin.tag_resource().resource_arn(GRAPH).tags(key, value);
    for (key, value) in [
        ("aws:reserved", "v"),
        ("has space", "v"),
        ("", "v"),
        (&*"k".repeat(129), "v"),
        ("ok", &*"v".repeat(257)),
    ] {
        let error = tag(key, value).send().await.unwrap_err();
        assert_eq!(code(&error), "ValidationException", "{key:?}");
    }
    let too_many = (0..6).fold(admin.tag_resource().resource_arn(GRAPH), |call, n| {
        call.tags(format!("new{n}"), "v")
    });
    let error = too_many.send().await.unwrap_err();
    assert_eq!(code(&error), "ValidationException", "51 tags on the graph");
    let error = (0..51)
        .fold(admin.create_graph(), |call, n| call.tags(format!("t{n}"), "v"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException", "51 tags in CreateGraph");
    let error = admin.create_graph().tags("aws:x", "v").send().await.unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let error = admin
        .untag_resource()
        .resource_arn(GRAPH)
        .tag_keys("aws:x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let error = admin
        .untag_resource()
        .resource_arn(GRAPH)
        .set_tag_keys(Some(vec![]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException", "at least one key");
    let error = admin
        .list_tags_for_resource()
        .resource_arn("arn:aws:detective:us-east-1:111111111111:graph:a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    assert_eq!(tags_of(&admin, GRAPH).await.len(), 45, "nothing changed");

    // Data source packages: 1 to 25 of the three, account and graph lists within bounds.
    let error = admin
        .update_datasource_packages()
        .graph_arn(GRAPH)
        .datasource_packages(DatasourcePackage::from("NETWORK_FLOWS"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let error = admin
        .update_datasource_packages()
        .graph_arn(GRAPH)
        .set_datasource_packages(Some(vec![]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let error = admin
        .update_datasource_packages()
        .graph_arn(GRAPH)
        .set_datasource_packages(Some(vec![DatasourcePackage::EksAudit; 26]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let ids: Vec<String> = (0..201).map(|n| format!("{:012}", 100_000_000_000_u64 + n)).collect();
    let error = admin
        .batch_get_graph_member_datasources()
        .graph_arn(GRAPH)
        .set_account_ids(Some(ids))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException", "201 accounts");
    let error = admin
        .batch_get_membership_datasources()
        .set_graph_arns(Some(vec![GRAPH.to_owned(); 51]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException", "51 graphs");
    let error = admin
        .list_datasource_packages()
        .graph_arn(GRAPH)
        .max_results(201)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let error = detective_as(&sandbox, MANAGEMENT)
        .await
        .enable_organization_admin_account()
        .account_id("12345")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
}

// ---------- investigation results ----------

use aws_sdk_detective::types::{Indicator, IndicatorType, Severity, Status};
use sandbox::{InvestigationProgress, InvestigationResults};
use serde_json::json;

const ENTITY: &str = "arn:aws:iam::222222222222:role/deployer";

async fn start_investigation(admin: &aws_sdk_detective::Client) -> String {
    admin
        .start_investigation()
        .graph_arn(GRAPH)
        .entity_arn(ENTITY)
        .scope_start_time(aws_sdk_detective::primitives::DateTime::from_secs(epoch(
            "2026-11-20T00:00:00Z",
        )))
        .scope_end_time(aws_sdk_detective::primitives::DateTime::from_secs(epoch(
            "2026-11-22T00:00:00Z",
        )))
        .send()
        .await
        .unwrap()
        .investigation_id()
        .unwrap()
        .to_owned()
}

/// GetInvestigation: its status and severity.
async fn read_investigation(admin: &aws_sdk_detective::Client, id: &str) -> (Status, Severity) {
    let read = admin
        .get_investigation()
        .graph_arn(GRAPH)
        .investigation_id(id)
        .send()
        .await
        .unwrap();
    (read.status().unwrap().clone(), read.severity().unwrap().clone())
}

/// Every page of ListIndicators (of `kind`, when given), `size` a page: the indicators and
/// the number of pages.
async fn all_indicators(
    admin: &aws_sdk_detective::Client,
    id: &str,
    kind: Option<IndicatorType>,
    size: Option<i32>,
) -> (Vec<Indicator>, usize) {
    let (mut indicators, mut pages, mut token) = (Vec::new(), 0, None);
    loop {
        let page = admin
            .list_indicators()
            .graph_arn(GRAPH)
            .investigation_id(id)
            .set_indicator_type(kind.clone())
            .set_max_results(size)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        indicators.extend(page.indicators().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return (indicators, pages);
        }
    }
}

#[tokio::test]
async fn an_investigation_answers_running_for_the_configured_reads_then_succeeds_with_its_severity() {
    let mut seeded = state();
    seeded.investigation_results = InvestigationResults {
        running_reads: 2,
        severity: "CRITICAL".into(),
        ..InvestigationResults::default()
    };
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let id = start_investigation(&admin).await;
    for read in 1..=2 {
        assert_eq!(
            read_investigation(&admin, &id).await,
            (Status::Running, Severity::Informational),
            "read {read}"
        );
        let (indicators, _) = all_indicators(&admin, &id, None, None).await;
        assert!(indicators.is_empty(), "no results while RUNNING");
    }
    assert_eq!(
        read_investigation(&admin, &id).await,
        (Status::Successful, Severity::Critical)
    );
    assert_eq!(
        read_investigation(&admin, &id).await,
        (Status::Successful, Severity::Critical),
        "and stays so"
    );
    let listed = admin.list_investigations().graph_arn(GRAPH).send().await.unwrap();
    let detail = &listed.investigation_details()[0];
    assert_eq!(
        (detail.status(), detail.severity()),
        (Some(&Status::Successful), Some(&Severity::Critical))
    );
    assert_eq!(sandbox.count("GetInvestigation"), 4);
}

#[tokio::test]
async fn list_indicators_gives_every_type_filters_by_type_and_pages() {
    let (sandbox, _) = start(state()).await;
    let admin = detective_as(&sandbox, ADMIN).await;
    let id = start_investigation(&admin).await;
    assert_eq!(
        read_investigation(&admin, &id).await,
        (Status::Successful, Severity::High),
        "running_reads 0: complete at the first read, HIGH by default"
    );
    let (everything, pages) = all_indicators(&admin, &id, None, None).await;
    assert_eq!(pages, 1, "the default page is the maximum, 100");
    for kind in IndicatorType::values() {
        assert!(
            everything
                .iter()
                .any(|i| i.indicator_type().map(IndicatorType::as_str) == Some(*kind)),
            "{kind} is among the indicators"
        );
    }

    let (ttps, pages) = all_indicators(&admin, &id, Some(IndicatorType::TtpObserved), Some(5)).await;
    assert_eq!((ttps.len(), pages), (12, 3), "12 TTPs in pages of 5");
    assert!(ttps
        .iter()
        .all(|i| i.indicator_type() == Some(&IndicatorType::TtpObserved)));
    let details: Vec<_> = ttps
        .iter()
        .map(|i| i.indicator_detail().unwrap().ttps_observed_detail().unwrap())
        .collect();
    let discovery = details
        .iter()
        .find(|d| d.technique() == Some("T1087 - Account Discovery"))
        .unwrap();
    assert_eq!(
        (discovery.tactic(), discovery.api_name(), discovery.api_success_count()),
        (Some("Discovery"), Some("ListUsers"), 42)
    );
    let counts: Vec<i64> = details.iter().map(|d| d.api_success_count()).collect();
    let mut sorted_counts = counts.clone();
    sorted_counts.sort_unstable_by(|a, b| b.cmp(a));
    assert_ne!(counts, sorted_counts, "the top TTPs are the reader's to find");

    let (related, _) = all_indicators(&admin, &id, Some(IndicatorType::RelatedFinding), None).await;
    let finding = related[0].indicator_detail().unwrap().related_finding_detail().unwrap();
    assert!(finding
        .arn()
        .unwrap()
        .starts_with("arn:aws:guardduty:us-east-1:222222222222:detector/"));
    assert_eq!(
        finding.r#type(),
        Some("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS")
    );
    let (travel, _) = all_indicators(&admin, &id, Some(IndicatorType::ImpossibleTravel), None).await;
    let travel = travel[0]
        .indicator_detail()
        .unwrap()
        .impossible_travel_detail()
        .unwrap();
    assert!(travel.starting_ip_address().is_some() && travel.ending_location().is_some());
    assert!(travel.hourly_time_delta().is_some());
    let (flagged, _) = all_indicators(&admin, &id, Some(IndicatorType::FlaggedIpAddress), None).await;
    let flagged = flagged[0]
        .indicator_detail()
        .unwrap()
        .flagged_ip_address_detail()
        .unwrap();
    assert_eq!(flagged.reason().map(|r| r.as_str()), Some("AWS_THREAT_INTELLIGENCE"));
}

#[tokio::test]
async fn list_indicators_refuses_a_page_size_off_the_model_and_a_token_of_another_listing() {
    let sandbox = Sandbox::start_for_invalid_requests(state()).await.unwrap();
    let admin = detective_as(&sandbox, ADMIN).await;
    let id = start_investigation(&admin).await;
    read_investigation(&admin, &id).await;
    let error = admin
        .list_indicators()
        .graph_arn(GRAPH)
        .investigation_id(&id)
        .max_results(101)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let ttps = admin
        .list_indicators()
        .graph_arn(GRAPH)
        .investigation_id(&id)
        .indicator_type(IndicatorType::TtpObserved)
        .max_results(5)
        .send()
        .await
        .unwrap();
    let error = admin
        .list_indicators()
        .graph_arn(GRAPH)
        .investigation_id(&id)
        .next_token(ttps.next_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&error),
        "ValidationException",
        "a token continues its own listing only"
    );
}

#[tokio::test]
async fn a_failed_outcome_and_an_investigations_own_results_come_from_the_state() {
    let mut seeded = state();
    seeded.investigation_results.status = "FAILED".into();
    let region = seeded.regions.get_mut(REGION).unwrap();
    let own = |id: &str, status: &str, severity: &str| sandbox::Investigation {
        id: id.into(),
        graph_arn: GRAPH.into(),
        entity_arn: ENTITY.into(),
        status: status.into(),
        state: "ACTIVE".into(),
        severity: severity.into(),
        created_time: integration_tests::now(),
        scope_start_time: integration_tests::at("2026-11-20T00:00:00Z"),
        scope_end_time: integration_tests::at("2026-11-21T00:00:00Z"),
    };
    region.investigations = vec![
        own("000000000000000000701", "SUCCESSFUL", "LOW"),
        own("000000000000000000702", "RUNNING", "INFORMATIONAL"),
    ];
    region.investigation_progress.insert(
        "000000000000000000701".into(),
        InvestigationProgress {
            indicators: Some(vec![json!({"IndicatorType": "NEW_ASO",
                "IndicatorDetail": {"NewAsoDetail": {"Aso": "EXAMPLE-AS", "IsNewForEntireAccount": true}}})]),
            running_reads_left: None,
        },
    );
    region.investigation_progress.insert(
        "000000000000000000702".into(),
        InvestigationProgress {
            indicators: None,
            running_reads_left: Some(1),
        },
    );
    let (sandbox, _) = start(seeded).await;
    let admin = detective_as(&sandbox, ADMIN).await;

    let id = start_investigation(&admin).await;
    assert_eq!(
        read_investigation(&admin, &id).await,
        (Status::Failed, Severity::Informational)
    );
    assert!(all_indicators(&admin, &id, None, None).await.0.is_empty());

    let seeded_id = "000000000000000000701";
    assert_eq!(
        read_investigation(&admin, seeded_id).await,
        (Status::Successful, Severity::Low)
    );
    let (indicators, _) = all_indicators(&admin, seeded_id, None, None).await;
    assert_eq!(indicators.len(), 1);
    let aso = indicators[0].indicator_detail().unwrap().new_aso_detail().unwrap();
    assert_eq!((aso.aso(), aso.is_new_for_entire_account()), (Some("EXAMPLE-AS"), true));

    let running = "000000000000000000702";
    assert_eq!(read_investigation(&admin, running).await.0, Status::Running);
    assert_eq!(read_investigation(&admin, running).await.0, Status::Failed);
    assert_ne!(id, seeded_id, "a new id skips those of the state");
}

// ---------- the recording sinks: SQS, EventBridge, Security Hub ----------

const QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/111111111111/detective-autopilot-reports";
const REPORT: &str = r#"{"investigation":"000000000000000000001","severity":"HIGH"}"#;

#[tokio::test]
async fn send_message_is_recorded_with_the_md5_of_its_body_and_attributes() {
    let (sandbox, _) = start(state()).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk_as(&sandbox, ADMIN).await);
    let kind = aws_sdk_sqs::types::MessageAttributeValue::builder()
        .data_type("String")
        .string_value("report")
        .build()
        .unwrap();
    let sent = sqs
        .send_message()
        .queue_url(QUEUE)
        .message_body(REPORT)
        .delay_seconds(900)
        .message_attributes("kind", kind)
        .send()
        .await
        .unwrap();
    // RFC 1321 MD5s, computed independently (Python's hashlib; the attribute digest by the
    // algorithm the SQS Developer Guide documents).
    assert_eq!(sent.md5_of_message_body(), Some("5f2b12401aa1547b2034a20a84312583"));
    assert_eq!(
        sent.md5_of_message_attributes(),
        Some("fc5ce2d32461af6f1fcd429a864ebfc1")
    );
    let messages = sandbox.sqs_messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(Some(message.message_id.as_str()), sent.message_id());
    assert_eq!(
        (message.queue_url.as_str(), message.body.as_str(), message.delay_seconds),
        (QUEUE, REPORT, Some(900))
    );
    assert_eq!(message.md5_of_body, "5f2b12401aa1547b2034a20a84312583");
    assert_eq!(message.attributes["kind"]["StringValue"], "report");
    assert_eq!(message.sent_time, integration_tests::now());
    assert_eq!(
        message.available_time(),
        integration_tests::now() + chrono::Duration::seconds(900)
    );
    assert_eq!(message.body_json().unwrap()["severity"], "HIGH");
    assert_eq!(message.sender, ADMIN);
    let served = integration_tests::sandbox_get(sandbox.addr(), "/_sandbox/sqs").await;
    assert_eq!(served[0]["body"], REPORT);
    assert_eq!(served[0]["delay_seconds"], 900);
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        vec!["sqs:SendMessage".to_owned()]
    );
}

#[tokio::test]
async fn send_message_refuses_a_delay_over_900_seconds_and_a_malformed_queue_url() {
    let sandbox = Sandbox::start_for_invalid_requests(state()).await.unwrap();
    let sqs = aws_sdk_sqs::Client::new(&sdk_as(&sandbox, ADMIN).await);
    let error = sqs
        .send_message()
        .queue_url(QUEUE)
        .message_body(REPORT)
        .delay_seconds(901)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "InvalidParameterValue");
    assert!(
        error.message().unwrap_or_default().contains("DelaySeconds"),
        "{error:?}"
    );
    let error = sqs
        .send_message()
        .queue_url("https://sqs.us-east-1.amazonaws.com/reports")
        .message_body(REPORT)
        .send()
        .await
        .unwrap_err();
    assert!(error.into_service_error().is_invalid_address());
    let error = sqs
        .send_message()
        .queue_url(QUEUE)
        .message_body("bell \u{7}")
        .send()
        .await
        .unwrap_err();
    assert!(error.into_service_error().is_invalid_message_contents());
    assert!(sandbox.sqs_messages().is_empty(), "nothing refused is recorded");
}

#[tokio::test]
async fn an_injected_queue_does_not_exist_reaches_the_sdk_as_its_modeled_error() {
    let mut seeded = state();
    seeded.faults.push(sandbox::Fault {
        operation: "SendMessage".into(),
        error: "QueueDoesNotExist".into(),
        times: Some(1),
        region: None,
    });
    let (sandbox, _) = start(seeded).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk_as(&sandbox, ADMIN).await);
    let error = sqs
        .send_message()
        .queue_url(QUEUE)
        .message_body(REPORT)
        .send()
        .await
        .unwrap_err();
    assert!(
        error.into_service_error().is_queue_does_not_exist(),
        "the awsQuery-compatible code header maps it"
    );
    assert_eq!(sandbox.requests()[0].status, 400);
    assert!(sandbox.sqs_messages().is_empty());
}

fn entry(detail: &str) -> aws_sdk_eventbridge::types::PutEventsRequestEntry {
    aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source("detective-autopilot")
        .detail_type("Detective Investigation Report")
        .detail(detail)
        .resources(GRAPH)
        .time(aws_sdk_eventbridge::primitives::DateTime::from_secs(epoch(
            "2026-11-22T11:00:00Z",
        )))
        .build()
}

#[tokio::test]
async fn put_events_records_each_event_and_fails_an_entry_whose_detail_is_not_a_json_object() {
    let (sandbox, _) = start(state()).await;
    let events = aws_sdk_eventbridge::Client::new(&sdk_as(&sandbox, ADMIN).await);
    let put = events
        .put_events()
        .entries(entry(REPORT))
        .entries(entry("not json"))
        .entries(entry("[1, 2]"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count(), 2);
    let results = put.entries();
    assert_eq!(results.len(), 3, "one result per entry, in order");
    assert!(results[0].event_id().is_some() && results[0].error_code().is_none());
    for failed in &results[1..] {
        assert_eq!(failed.error_code(), Some("MalformedDetail"));
        assert!(failed.event_id().is_none());
    }
    let recorded = sandbox.events();
    assert_eq!(recorded.len(), 1);
    let event = &recorded[0];
    assert_eq!(Some(event.event_id.as_str()), results[0].event_id());
    assert_eq!(
        (
            event.source.as_str(),
            event.detail_type.as_str(),
            event.event_bus_name.as_str()
        ),
        ("detective-autopilot", "Detective Investigation Report", "default")
    );
    assert_eq!(event.detail["severity"], "HIGH");
    assert_eq!(event.resources, vec![GRAPH.to_owned()]);
    assert_eq!(event.time, integration_tests::at("2026-11-22T11:00:00Z"));
    assert_eq!(event.account, ADMIN);
    let served = integration_tests::sandbox_get(sandbox.addr(), "/_sandbox/events").await;
    assert_eq!(served[0]["detail"]["investigation"], "000000000000000000001");
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        vec!["events:PutEvents".to_owned()]
    );
}

#[tokio::test]
async fn put_events_refuses_more_than_ten_entries_and_an_aws_source() {
    let sandbox = Sandbox::start_for_invalid_requests(state()).await.unwrap();
    let events = aws_sdk_eventbridge::Client::new(&sdk_as(&sandbox, ADMIN).await);
    let error = events
        .put_events()
        .set_entries(Some(vec![entry(REPORT); 11]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "ValidationException");
    let aws = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source("aws.detective")
        .detail_type("x")
        .detail("{}")
        .build();
    let put = events.put_events().entries(aws).send().await.unwrap();
    assert_eq!(put.entries()[0].error_code(), Some("NotAuthorizedForSourceException"));
    assert!(sandbox.events().is_empty());
}

const PRODUCT: &str = "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default";

fn asff(id: &str, title: &str, updated: &str) -> aws_sdk_securityhub::types::AwsSecurityFinding {
    use aws_sdk_securityhub::types::{AwsSecurityFinding, Resource, Severity as FindingSeverity, SeverityLabel};
    AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(id)
        .product_arn(PRODUCT)
        .generator_id("detective-autopilot/report-investigations")
        .aws_account_id(ADMIN)
        .types("TTPs/Discovery")
        .created_at("2026-11-22T12:00:00Z")
        .updated_at(updated)
        .severity(FindingSeverity::builder().label(SeverityLabel::High).build())
        .title(title)
        .description("Detective investigation of arn:aws:iam::222222222222:role/deployer")
        .resources(Resource::builder().r#type("AwsIamRole").id(ENTITY).build())
        .build()
}

#[tokio::test]
async fn batch_import_findings_keeps_one_finding_per_id_and_updates_it() {
    let (sandbox, _) = start(state()).await;
    let hub = aws_sdk_securityhub::Client::new(&sdk_as(&sandbox, ADMIN).await);
    let first = hub
        .batch_import_findings()
        .findings(asff(
            "investigation/000000000000000000001",
            "first",
            "2026-11-22T12:00:00Z",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!((first.success_count(), first.failed_count()), (Some(1), Some(0)));
    let again = hub
        .batch_import_findings()
        .findings(asff(
            "investigation/000000000000000000001",
            "second",
            "2026-11-22T13:00:00Z",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (again.success_count(), again.failed_count()),
        (Some(1), Some(0)),
        "a redelivery is an update"
    );
    let findings = sandbox.security_hub_findings();
    assert_eq!(findings.len(), 1, "one finding per (ProductArn, Id)");
    let finding = &findings[0];
    assert_eq!((finding.product_arn.as_str(), finding.imports), (PRODUCT, 2));
    assert_eq!(finding.finding["Title"], "second");
    assert_eq!(finding.finding["UpdatedAt"], "2026-11-22T13:00:00Z");
    assert_eq!(finding.finding["Workflow"]["Status"], "NEW");

    // An update whose UpdatedAt is not later is ignored (documented), though it succeeds.
    let stale = hub
        .batch_import_findings()
        .findings(asff(
            "investigation/000000000000000000001",
            "stale",
            "2026-11-22T13:00:00Z",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.success_count(), Some(1));
    let kept = &sandbox.security_hub_findings()[0];
    assert_eq!((kept.finding["Title"].as_str(), kept.imports), (Some("second"), 2));

    // Another account's finding: the caller must be its AwsAccountId.
    let mut foreign = asff("investigation/2", "t", "2026-11-22T12:00:00Z");
    foreign.aws_account_id = Some(MEMBER.into());
    let refused = hub.batch_import_findings().findings(foreign).send().await.unwrap();
    assert_eq!((refused.success_count(), refused.failed_count()), (Some(0), Some(1)));
    assert_eq!(refused.failed_findings()[0].id(), Some("investigation/2"));
    assert_eq!(refused.failed_findings()[0].error_code(), Some("AccessDeniedException"));
    let served = integration_tests::sandbox_get(sandbox.addr(), "/_sandbox/securityhub").await;
    assert_eq!(served.as_array().unwrap().len(), 1);
    assert_eq!(served[0]["finding"]["Title"], "second");
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        vec!["securityhub:BatchImportFindings".to_owned()]
    );
}

#[tokio::test]
async fn batch_import_findings_fails_a_finding_missing_a_required_member() {
    let sandbox = Sandbox::start_for_invalid_requests(state()).await.unwrap();
    let hub = aws_sdk_securityhub::Client::new(&sdk_as(&sandbox, ADMIN).await);
    let mut incomplete = asff("investigation/3", "t", "2026-11-22T12:00:00Z");
    incomplete.description = None;
    let imported = hub
        .batch_import_findings()
        .findings(incomplete)
        .findings(asff("investigation/4", "t", "2026-11-22T12:00:00Z"))
        .send()
        .await
        .unwrap();
    assert_eq!((imported.success_count(), imported.failed_count()), (Some(1), Some(1)));
    let failed = &imported.failed_findings()[0];
    assert_eq!(
        (failed.id(), failed.error_code()),
        (Some("investigation/3"), Some("InvalidInput"))
    );
    assert!(
        failed
            .error_message()
            .unwrap()
            .contains("required property 'Description'"),
        "{failed:?}"
    );
    let kept: Vec<String> = sandbox.security_hub_findings().into_iter().map(|f| f.id).collect();
    assert_eq!(kept, vec!["investigation/4".to_owned()]);
    let error = hub.batch_import_findings().send().await.unwrap_err();
    assert_eq!(code(&error), "InvalidInputException", "no findings at all");
}
