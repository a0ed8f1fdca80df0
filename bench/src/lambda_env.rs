//! The environment Lambda gives a function on provided.al2023, with JSON logging as the
//! template configures it, and credentials in variables as Lambda passes them.

pub const REGION: &str = "us-east-1";
pub const MEMORY_MB: u32 = 128;

pub fn lambda_environment(function: &str, runtime_api: &str, endpoint: &str) -> Vec<(String, String)> {
    let pairs = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", MEMORY_MB.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/23/[$LATEST]bench".to_owned()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO".to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_DEFAULT_REGION", REGION.to_owned()),
        ("AWS_ACCESS_KEY_ID", "ASIABENCHMARKEXAMPLE".to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "bench/secret/access/key/example/0000000000".to_owned(),
        ),
        ("AWS_SESSION_TOKEN", "bench-session-token".to_owned()),
        ("_HANDLER", "bootstrap".to_owned()),
        ("LAMBDA_TASK_ROOT", "/var/task".to_owned()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
        // Every call goes to the local sandbox.
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
    ];
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}
