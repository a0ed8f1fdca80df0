//! AWS errors with the service's code and message kept intact.

use crate::operation::Operation;
use aws_sdk_detective::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {code}: {message}")]
pub struct AwsError {
    /// The API operation, as named in the API reference.
    pub operation: Operation,
    /// The service error code (`TooManyRequestsException`), or the SDK's failure kind
    /// (`DispatchFailure`, `TimeoutError`) when no response came back.
    pub code: String,
    pub message: String,
}

impl AwsError {
    pub fn new(operation: Operation, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            operation,
            code: code.into(),
            message: message.into(),
        }
    }

    /// Converts an SDK error after the SDK's own retries have run out.
    pub fn from_sdk<E, R>(operation: Operation, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let code = error.code().map(str::to_owned).unwrap_or_else(|| {
            match &error {
                SdkError::ConstructionFailure(_) => "ConstructionFailure",
                SdkError::TimeoutError(_) => "TimeoutError",
                SdkError::DispatchFailure(_) => "DispatchFailure",
                SdkError::ResponseError(_) => "ResponseError",
                _ => "Unknown",
            }
            .to_owned()
        });
        let message = error
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| DisplayErrorContext(&error).to_string());
        Self::new(operation, code, message)
    }
}
