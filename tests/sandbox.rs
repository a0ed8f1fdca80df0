//! The sandbox's Organizations API and its own endpoints, through the real SDK and plain HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use integration_tests::{sandbox_get, start, state};
use sandbox::Account;
use shared::aws::{OrganizationPort, SdkOrganizations};

#[tokio::test]
async fn list_accounts_follows_every_page_of_twenty() {
    let mut seeded = state();
    let org = seeded.organization.as_mut().unwrap();
    for n in 0..42 {
        org.accounts.push(Account::new(
            &format!("5000000000{n:02}"),
            &format!("bulk-{n}"),
            &format!("bulk-{n}@example.com"),
            if n == 7 { "SUSPENDED" } else { "ACTIVE" },
        ));
    }
    let (sandbox, sdk) = start(seeded).await;
    let accounts = SdkOrganizations::new(&sdk).list_accounts().await.unwrap();

    assert_eq!(accounts.len(), 45);
    assert_eq!(sandbox.count("ListAccounts"), 3, "ceil(45 / 20) pages");
    let suspended = accounts.iter().find(|a| a.id == "500000000007").unwrap();
    assert_eq!(suspended.state.as_str(), "SUSPENDED");
    assert_eq!(suspended.email.as_deref(), Some("bulk-7@example.com"));
}

#[tokio::test]
async fn describe_account_outside_the_organization_is_none() {
    let (_sandbox, sdk) = start(state()).await;
    let organizations = SdkOrganizations::new(&sdk);
    let member = organizations.describe_account("222222222222").await.unwrap().unwrap();
    assert_eq!(
        (member.state.as_str(), member.email.as_deref()),
        ("ACTIVE", Some("222222222222@example.com"))
    );
    assert_eq!(organizations.describe_account("888888888888").await.unwrap(), None);
}

#[tokio::test]
async fn organizations_errors_keep_code_and_message() {
    let mut seeded = state();
    seeded.faults.push(sandbox::Fault {
        operation: "ListAccounts".into(),
        error: "AccessDeniedException".into(),
        times: None,
        region: None,
    });
    let (_sandbox, sdk) = start(seeded).await;
    let error = SdkOrganizations::new(&sdk).list_accounts().await.unwrap_err();
    assert_eq!(
        (error.operation.name(), error.code.as_str()),
        ("ListAccounts", "AccessDeniedException")
    );
    assert!(error.message.contains("injected fault"));
}

#[tokio::test]
async fn state_and_request_log_are_readable_over_http() {
    let (sandbox, sdk) = start(state()).await;
    SdkOrganizations::new(&sdk)
        .describe_account("222222222222")
        .await
        .unwrap();

    let requests = sandbox_get(sandbox.addr(), "/_sandbox/requests").await;
    assert_eq!(requests[0]["operation"], "DescribeAccount");
    assert_eq!(requests[0]["parameters"]["AccountId"], "222222222222");
    assert_eq!(requests[0]["status"], 200);

    let state = sandbox_get(sandbox.addr(), "/_sandbox/state").await;
    assert_eq!(state["caller_account_id"], "111111111111");
    assert_eq!(
        state["regions"]["us-east-1"]["graphs"][0]["members"][0]["status"],
        "ENABLED"
    );
}

#[tokio::test]
async fn a_slow_answer_takes_effect_though_the_caller_never_hears_it() {
    let mut seeded = state();
    seeded.slow_answers.push(sandbox::SlowAnswer {
        operation: "TagResource".into(),
        latency_ms: 60_000,
        region: None,
    });
    let (sandbox, sdk) = start(seeded).await;
    let detective = aws_sdk_detective::Client::new(&sdk);
    let call = detective
        .tag_resource()
        .resource_arn(integration_tests::GRAPH)
        .tags("team", "security")
        .send();
    let heard = tokio::time::timeout(std::time::Duration::from_millis(500), call).await;
    assert!(heard.is_err(), "the answer came on time: {heard:?}");
    let settings = sandbox.state().regions[integration_tests::REGION].settings(integration_tests::GRAPH);
    assert_eq!(settings.tags.get("team").map(String::as_str), Some("security"));

    // Other operations answer on time.
    let listed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        detective
            .list_tags_for_resource()
            .resource_arn(integration_tests::GRAPH)
            .send(),
    )
    .await;
    assert!(matches!(listed, Ok(Ok(_))), "{listed:?}");
}
