//! The indicators a SUCCESSFUL investigation has when the state gives none: at least one of
//! every IndicatorType, with detail as Detective fills it (MITRE ATT&CK tactics, techniques
//! and procedures with the API calls behind them, locations as "City, CC", GuardDuty
//! findings of the investigated account), and several of some types so that paging and
//! "the top items" matter. The TTPs are deliberately not in the order of their counts.

use serde_json::{json, Value};

use crate::names::admin_of;

/// `(tactic, technique, procedure, API, IP address, successes, failures)`.
const TTPS: [(&str, &str, &str, &str, &str, i64, i64); 12] = [
    (
        "Discovery",
        "T1087 - Account Discovery",
        "T1087.004 - Cloud Account",
        "ListUsers",
        "198.51.100.23",
        42,
        3,
    ),
    (
        "Collection",
        "T1530 - Data from Cloud Storage",
        "Read objects from S3 buckets",
        "GetObject",
        "203.0.113.77",
        311,
        0,
    ),
    (
        "Defense Evasion",
        "T1562 - Impair Defenses",
        "T1562.008 - Disable or Modify Cloud Logs",
        "StopLogging",
        "203.0.113.77",
        1,
        2,
    ),
    (
        "Discovery",
        "T1069 - Permission Groups Discovery",
        "T1069.003 - Cloud Groups",
        "ListGroups",
        "198.51.100.23",
        17,
        0,
    ),
    (
        "Privilege Escalation",
        "T1078 - Valid Accounts",
        "T1078.004 - Cloud Accounts",
        "AssumeRole",
        "203.0.113.77",
        23,
        5,
    ),
    (
        "Discovery",
        "T1580 - Cloud Infrastructure Discovery",
        "Enumerate EC2 instances",
        "DescribeInstances",
        "198.51.100.23",
        128,
        0,
    ),
    (
        "Credential Access",
        "T1555 - Credentials from Password Stores",
        "T1555.006 - Cloud Secrets Management Stores",
        "GetSecretValue",
        "203.0.113.77",
        6,
        11,
    ),
    (
        "Persistence",
        "T1098 - Account Manipulation",
        "T1098.001 - Additional Cloud Credentials",
        "CreateAccessKey",
        "203.0.113.77",
        2,
        0,
    ),
    (
        "Discovery",
        "T1619 - Cloud Storage Object Discovery",
        "List S3 buckets",
        "ListBuckets",
        "198.51.100.23",
        9,
        1,
    ),
    (
        "Exfiltration",
        "T1537 - Transfer Data to Cloud Account",
        "Share an EBS snapshot with another account",
        "ModifySnapshotAttribute",
        "203.0.113.77",
        3,
        0,
    ),
    (
        "Persistence",
        "T1136 - Create Account",
        "T1136.003 - Cloud Account",
        "CreateUser",
        "203.0.113.77",
        1,
        0,
    ),
    (
        "Discovery",
        "T1526 - Cloud Service Discovery",
        "Enumerate GuardDuty detectors",
        "ListDetectors",
        "198.51.100.23",
        4,
        0,
    ),
];

/// `(finding type, IP address)` of the related GuardDuty findings.
const RELATED_FINDINGS: [(&str, &str); 3] = [
    (
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "203.0.113.77",
    ),
    ("Discovery:IAMUser/AnomalousBehavior", "198.51.100.23"),
    ("UnauthorizedAccess:IAMUser/TorIPCaller", "203.0.113.77"),
];

/// 32 lowercase hex digits from `seed`, as GuardDuty's ids are.
fn hex_id(seed: &str) -> String {
    let hash = |salt: u64| {
        seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64 ^ salt, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!("{:016x}{:016x}", hash(1), hash(2))
}

fn indicator(kind: &str, detail_member: &str, detail: Value) -> Value {
    json!({"IndicatorType": kind, "IndicatorDetail": {detail_member: detail}})
}

/// The generated indicators of the investigation `id` of `entity_arn`'s account, in the
/// region of `graph_arn`.
pub fn generated(partition: &str, graph_arn: &str, id: &str, entity_arn: &str) -> Vec<Value> {
    let region = graph_arn.split(':').nth(3).unwrap_or("us-east-1");
    let account = entity_arn
        .split(':')
        .nth(4)
        .filter(|account| !account.is_empty())
        .unwrap_or_else(|| admin_of(graph_arn));
    let detector = hex_id(&format!("detector/{account}/{region}"));
    let mut indicators: Vec<Value> = TTPS
        .iter()
        .map(|(tactic, technique, procedure, api, ip, successes, failures)| {
            indicator(
                "TTP_OBSERVED",
                "TTPsObservedDetail",
                json!({"Tactic": tactic, "Technique": technique, "Procedure": procedure, "IpAddress": ip,
                       "APIName": api, "APISuccessCount": successes, "APIFailureCount": failures}),
            )
        })
        .collect();
    indicators.extend([
        indicator(
            "IMPOSSIBLE_TRAVEL",
            "ImpossibleTravelDetail",
            json!({"StartingIpAddress": "198.51.100.23", "EndingIpAddress": "203.0.113.77",
                   "StartingLocation": "Seattle, US", "EndingLocation": "Frankfurt am Main, DE", "HourlyTimeDelta": 1}),
        ),
        indicator(
            "IMPOSSIBLE_TRAVEL",
            "ImpossibleTravelDetail",
            json!({"StartingIpAddress": "203.0.113.77", "EndingIpAddress": "192.0.2.140",
                   "StartingLocation": "Frankfurt am Main, DE", "EndingLocation": "Sao Paulo, BR", "HourlyTimeDelta": 2}),
        ),
    ]);
    indicators.extend(["203.0.113.77", "192.0.2.140", "198.51.100.201"].iter().map(|ip| {
        indicator(
            "FLAGGED_IP_ADDRESS",
            "FlaggedIpAddressDetail",
            json!({"IpAddress": ip, "Reason": "AWS_THREAT_INTELLIGENCE"}),
        )
    }));
    indicators.extend([
        indicator(
            "NEW_GEOLOCATION",
            "NewGeolocationDetail",
            json!({"Location": "Frankfurt am Main, DE", "IpAddress": "203.0.113.77", "IsNewForEntireAccount": true}),
        ),
        indicator(
            "NEW_GEOLOCATION",
            "NewGeolocationDetail",
            json!({"Location": "Sao Paulo, BR", "IpAddress": "192.0.2.140", "IsNewForEntireAccount": false}),
        ),
        indicator(
            "NEW_ASO",
            "NewAsoDetail",
            json!({"Aso": "EXAMPLE-HOSTING-AS", "IsNewForEntireAccount": true}),
        ),
        indicator(
            "NEW_ASO",
            "NewAsoDetail",
            json!({"Aso": "EXAMPLE-TRANSIT-NETWORKS", "IsNewForEntireAccount": false}),
        ),
    ]);
    indicators.extend(
        [
            ("aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off command/iam.list-users", true),
            ("Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69", true),
            ("python-requests/2.31.0", false),
        ]
        .iter()
        .map(|(agent, new)| {
            indicator(
                "NEW_USER_AGENT",
                "NewUserAgentDetail",
                json!({"UserAgent": agent, "IsNewForEntireAccount": new}),
            )
        }),
    );
    indicators.extend(RELATED_FINDINGS.iter().enumerate().map(|(index, (kind, ip))| {
        let finding = hex_id(&format!("{id}/finding/{index}"));
        indicator(
            "RELATED_FINDING",
            "RelatedFindingDetail",
            json!({"Arn": format!("arn:{partition}:guardduty:{region}:{account}:detector/{detector}/finding/{finding}"),
                   "Type": kind, "IpAddress": ip}),
        )
    }));
    let group = hex_id(&format!("{id}/group"));
    indicators.push(indicator(
        "RELATED_FINDING_GROUP",
        "RelatedFindingGroupDetail",
        json!({"Id": format!("{}-{}-4{}-8{}-{}",
            group.get(..8).unwrap_or_default(), group.get(8..12).unwrap_or_default(),
            group.get(13..16).unwrap_or_default(), group.get(17..20).unwrap_or_default(),
            group.get(20..32).unwrap_or_default())}),
    ));
    indicators
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{indicator_problem, INDICATOR_TYPES};

    #[test]
    fn every_type_is_generated_with_its_detail_and_the_accounts_findings() {
        let graph = "arn:aws:detective:eu-west-1:111111111111:graph:0123456789abcdef0123456789abcdef";
        let indicators = generated(
            "aws",
            graph,
            "000000000000000000001",
            "arn:aws:iam::222222222222:role/r",
        );
        for (kind, _) in INDICATOR_TYPES {
            assert!(
                indicators.iter().any(|i| i["IndicatorType"] == kind),
                "{kind} is generated"
            );
        }
        assert!(indicators.iter().all(|i| indicator_problem(i).is_none()));
        let ttps = indicators
            .iter()
            .filter(|i| i["IndicatorType"] == "TTP_OBSERVED")
            .count();
        assert_eq!(ttps, 12);
        let finding = indicators
            .iter()
            .find(|i| i["IndicatorType"] == "RELATED_FINDING")
            .map(|i| {
                i["IndicatorDetail"]["RelatedFindingDetail"]["Arn"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default();
        assert!(
            finding.starts_with("arn:aws:guardduty:eu-west-1:222222222222:detector/"),
            "{finding}"
        );
        assert_eq!(finding.rsplit('/').next().map(str::len), Some(32));
    }
}
