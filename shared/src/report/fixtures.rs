//! The report request the report module's unit tests start from.

use super::message::{OriginatingFinding, ReportMessage, VERSION};

pub const GRAPH: &str = "arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// An investigation of an IAM user, for a high-severity finding.
pub fn message() -> ReportMessage {
    ReportMessage {
        version: VERSION,
        graph_arn: GRAPH.to_owned(),
        investigation_id: "000000000000000000001".to_owned(),
        entity_arn: "arn:aws:iam::222222222222:user/ci-deployer".to_owned(),
        region: "us-east-1".to_owned(),
        finding: OriginatingFinding {
            id: "f1".to_owned(),
            finding_type: "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom".to_owned(),
            severity: 8.0,
        },
        delivered: Vec::new(),
        attempts: 0,
    }
}
