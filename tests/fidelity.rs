//! The sandbox behaves as the Detective and Organizations references document, through the
//! real SDK: one test for each place it used to be more lenient than AWS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use aws_sdk_detective::config::http::HttpResponse;
use aws_sdk_detective::error::ProvideErrorMetadata;
use aws_sdk_detective::error::SdkError;
use aws_sdk_detective::operation::create_members::{CreateMembersError, CreateMembersOutput};
use aws_sdk_detective::types::{
    Account as NewAccount, InvitationType, MemberDetail, MemberDisabledReason, MemberStatus,
};
use integration_tests::{start, state, ADMIN, GRAPH, MEMBER, REGION};
use sandbox::{access_key_for, Graph, Invitation, MemberOutcome, Sandbox, SandboxState};

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
