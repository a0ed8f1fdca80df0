//! Every published payload in ../shared/events-corpus goes through the router: no panic,
//! a deterministic route for valid events, a clear error for the rest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::Path;

use integration_tests::{corpus_dir, now};
use shared::event::{route, Envelope, EventError, Trigger};
use shared::investigate::{screen, InvestigateConfig, Screened};

fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap().flatten() {
                let name = inner.path();
                if name.extension().is_some_and(|ext| ext == "json") {
                    found.push(name.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
                }
            }
        }
    }
    found.sort();
    found
}

/// A one-line description of what the router made of a file.
fn describe(bytes: &[u8]) -> String {
    let envelope = match Envelope::from_slice(bytes) {
        Ok(envelope) => envelope,
        Err(EventError::InvalidJson { .. }) => return "error: invalid JSON".into(),
        Err(EventError::NotAnEvent { missing, .. }) => return format!("error: not an event (no {missing})"),
        Err(error) => return format!("error: {error}"),
    };
    let config = InvestigateConfig::from_env(&std::collections::HashMap::new()).unwrap();
    match route(&envelope) {
        Err(error) => format!("error: {error}"),
        Ok(Trigger::GuardDutyFinding(finding)) => {
            let decision = match screen(&finding, envelope.region.as_deref(), &config, now()) {
                Screened::Investigate(candidate) => format!(
                    "investigate {}",
                    candidate
                        .principals
                        .iter()
                        .map(|principal| principal.arn_with_path("/"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                Screened::Ignore(reason) => format!("ignore: {reason}"),
                Screened::Invalid(error) => format!("invalid: {error}"),
            };
            format!("GuardDutyFinding -> {decision}")
        }
        Ok(Trigger::AccountCreated {
            kind,
            state,
            account_id,
            ..
        }) => {
            format!(
                "{kind:?} state={} account={}",
                state.unwrap_or_default(),
                account_id.unwrap_or_default()
            )
        }
        Ok(Trigger::AccountDeparted {
            kind,
            account_id,
            error_code,
        }) => format!(
            "{kind:?} account={} error={}",
            account_id.unwrap_or_default(),
            error_code.unwrap_or_default()
        ),
        Ok(Trigger::Unhandled {
            source,
            detail_type,
            event_name,
        }) => {
            format!(
                "Unhandled {source} / {detail_type} / {}",
                event_name.unwrap_or_default()
            )
        }
        Ok(other) => other.name().to_owned(),
    }
}

#[test]
fn every_corpus_file_is_routed_or_rejected_clearly() {
    let Some(dir) = corpus_dir() else { return };
    let mut table = BTreeMap::new();
    for file in files(&dir) {
        let bytes = std::fs::read(dir.join(&file)).unwrap();
        table.insert(file, describe(&bytes));
    }
    println!("{:<110} ROUTE / ERROR", "FILE");
    for (file, route) in &table {
        println!("{file:<110} {route}");
    }
    assert_eq!(table.len(), 49, "the corpus has 49 payloads");
    // Routing is deterministic.
    for (file, route) in &table {
        assert_eq!(&describe(&std::fs::read(dir.join(file)).unwrap()), route, "{file}");
    }
    for (file, route) in &table {
        if file.starts_with("invalid-as-published/") {
            assert_eq!(route, "error: invalid JSON", "{file}");
            continue;
        }
        if file.contains("detail-only") || file.contains("cloudtrail-record") || file.contains("_cloudtrail-") {
            assert!(route.starts_with("error: not an event"), "{file}: {route}");
        }
    }
    let expected = [
        // GuardDuty: findings by name, and everything that is not a finding.
        ("guardduty/aws-samples-waf-acl_gd2acl_test_event-EC2-SSHBruteForce-partial-envelope.json", "error: not an event (no source)"),
        ("guardduty/aws-to-slack-cevo_envelope_AWS-API-Call-via-CloudTrail_source-aws.guardduty_ArchiveFindings_AssumedRole-SSO.json", "Unhandled aws.guardduty / AWS API Call via CloudTrail / "),
        ("guardduty/aws-to-slack-cevo_envelope_AWS-API-Call-via-CloudTrail_source-aws.guardduty_UpdateDetector.json", "Unhandled aws.guardduty / AWS API Call via CloudTrail / "),
        ("guardduty/aws-to-slack-cevo_envelope_Discovery-Kubernetes-MaliciousIPCaller_EKSCluster_real-redacted.json", "GuardDutyFinding -> ignore: severity 5 is below MIN_SEVERITY 7"),
        ("guardduty/aws-to-slack-cevo_envelope_GuardDuty-Runtime-Protection-Healthy_EC2.json", "Unhandled aws.guardduty / GuardDuty Runtime Protection Healthy / "),
        ("guardduty/aws-to-slack-cevo_envelope_GuardDuty-Runtime-Protection-Healthy_ECS.json", "Unhandled aws.guardduty / GuardDuty Runtime Protection Healthy / "),
        ("guardduty/aws-to-slack-cevo_envelope_GuardDuty-Runtime-Protection-Unhealthy_ECS-Fargate-issues.json", "Unhandled aws.guardduty / GuardDuty Runtime Protection Unhealthy / "),
        ("guardduty/aws-to-slack-cevo_envelope_GuardDuty-Runtime-Protection-Unhealthy_EKS.json", "Unhandled aws.guardduty / GuardDuty Runtime Protection Unhealthy / "),
        ("guardduty/aws-to-slack_envelope_Recon-EC2-PortProbeUnprotectedPort_real-redacted.json", "GuardDutyFinding -> ignore: severity 2 is below MIN_SEVERITY 7"),
        ("guardduty/cloud-custodian_ec2-duty-event_Backdoor-EC2-CnC-DNS_envelope-debug.json", "GuardDutyFinding -> ignore: sample finding (service.additionalInfo.sample is true) and INVESTIGATE_SAMPLE_FINDINGS is off"),
        ("guardduty/cloud-custodian_iam-duty-event_UnauthorizedAccess-IAMUser-TorIPCaller_IAMUser_envelope-debug.json", "GuardDutyFinding -> ignore: sample finding (service.additionalInfo.sample is true) and INVESTIGATE_SAMPLE_FINDINGS is off"),
        ("guardduty/cloud-custodian_securityhub-custom-action_GuardDuty-IAMUser-ConsoleLogin_ASFF.json", "Unhandled aws.securityhub / Security Hub Findings - Custom Action / "),
        ("guardduty/o7conseils-sns-message_envelope_AWS-API-Call-via-CloudTrail_source-aws.guardduty_CreateSampleFindings.json", "Unhandled aws.guardduty / AWS API Call via CloudTrail / "),
        ("guardduty/o7conseils-sns-message_envelope_Backdoor-EC2-Spambot_real-account-sample.json", "GuardDutyFinding -> ignore: sample finding (service.additionalInfo.sample is true) and INVESTIGATE_SAMPLE_FINDINGS is off"),
        ("guardduty/panther-analysis_detail-only_AttackSequence-IAM-CompromisedCredentials_panther-normalized.json", "error: not an event (no source)"),
        ("guardduty/panther-analysis_detail-only_PrivilegeEscalation-IAMUser-AdministrativePermissions_no-resource.json", "error: not an event (no source)"),
        ("non-native/guardduty-soar_PascalCase-detail_Policy-IAMUser-RootCredentialUsage_UserType-Root.json", "GuardDutyFinding -> invalid: event.detail.severity: expected a number from 0 to 10; found nothing"),
        // Organizations and Control Tower.
        ("organizations/aws-sea_eventbridge-MoveAccount-envelope_AssumedRole.json", "Unhandled aws.organizations / AWS API Call via CloudTrail / MoveAccount"),
        ("organizations/aws-sea_eventbridge-RemoveAccountFromOrganization-envelope_AssumedRole.json", "RemoveAccountFromOrganization account=588801414845 error="),
        ("organizations/awsdocs-controltower-lifecycle-CreateManagedAccount-comments-stripped.json", "CreateManagedAccount state=SUCCEEDED account=XXXXXXXXXXXX"),
        ("organizations/awsdocs-controltower-lifecycle-UpdateManagedAccount-comments-stripped.json", "UpdateManagedAccount state=SUCCEEDED account=624281831893"),
        ("cloudtrail-misc/awsdocs-controltower-lifecycle-DisableGuardrail.json", "Unhandled aws.controltower / AWS Service Event via CloudTrail / DisableGuardrail"),
        ("cloudtrail-misc/awsdocs-cwe-EventTypes-AWS-API-Call-via-CloudTrail-s3-CreateBucket-Root.json", "Unhandled aws.s3 / AWS API Call via CloudTrail / "),
        ("lambda-events-fixtures/example-eventbridge-event-obj.json", "Unhandled aws.ec2 / EC2 Instance State-change Notification / "),
        ("scheduled/aws-lambda-events_example-eventbridge-schedule.json", "ScheduledEvent"),
        ("scheduled/aws-sam-cli_ScheduledEvent-template.json", "ScheduledEvent"),
        ("scheduled/awsdocs-cwe-EventTypes-Scheduled-Event-no-version.json", "ScheduledEvent"),
        ("scheduled/cloud-custodian_event-scheduled_no-version.json", "ScheduledEvent"),
    ];
    for (file, route) in expected {
        assert_eq!(table.get(file).map(String::as_str), Some(route), "{file}");
    }
}
