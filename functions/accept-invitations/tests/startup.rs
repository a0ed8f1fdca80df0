//! The real binary refuses to start without a valid allowlist, naming the variable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn start_with(allowlist: Option<&str>) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accept-invitations"));
    command
        .env_clear()
        .env("AWS_REGION", "us-east-1")
        // Nothing listens here: a binary that got past its configuration would fail differently.
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .env("AWS_LAMBDA_FUNCTION_NAME", "accept-invitations");
    if let Some(value) = allowlist {
        command.env("TRUSTED_ADMIN_ACCOUNT_IDS", value);
    }
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn refuses_to_start_with_a_missing_empty_or_malformed_allowlist() {
    for (allowlist, found) in [
        (None, ""),
        (Some(""), ""),
        (Some("11111111111"), "11111111111"),
        (Some("everyone"), "everyone"),
    ] {
        let (code, stderr) = start_with(allowlist);
        assert_ne!(code, Some(0), "{allowlist:?}");
        assert!(
            stderr.contains("configuration variable TRUSTED_ADMIN_ACCOUNT_IDS"),
            "{allowlist:?}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("found \\\"{found}\\\"")),
            "{allowlist:?}: {stderr}"
        );
    }
}
