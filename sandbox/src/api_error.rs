//! Service errors as the SDK expects them on the wire.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: status_for(code),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    /// restJson1 (Detective) reads the code from `x-amzn-ErrorType`, awsJson1.1
    /// (Organizations) from `__type`: both are sent.
    pub fn body(&self) -> Value {
        json!({"__type": self.code, "message": self.message, "Message": self.message})
    }
}

/// The HTTP status each error code comes with.
fn status_for(code: &str) -> u16 {
    match code {
        "ValidationException" | "AccountNotFoundException" | "AWSOrganizationsNotInUseException" => 400,
        "ServiceQuotaExceededException" => 402,
        "AccessDeniedException" => 403,
        "ResourceNotFoundException" | "UnknownOperationException" => 404,
        "ConflictException" => 409,
        "TooManyRequestsException" => 429,
        "ServiceUnavailableException" => 503,
        "InternalServerException" | "ServiceException" => 500,
        _ => 400,
    }
}
