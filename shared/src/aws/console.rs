//! Where people look: Detective's console, in the partition's console domain.

/// A page of Detective's console (`investigations`, `settings`) in `region`.
pub fn detective_console(partition: &str, region: &str, page: &str) -> String {
    let domain = match partition {
        "aws-cn" => "console.amazonaws.cn",
        "aws-us-gov" => "console.amazonaws-us-gov.com",
        _ => "console.aws.amazon.com",
    };
    format!("https://{region}.{domain}/detective/home?region={region}#{page}")
}
