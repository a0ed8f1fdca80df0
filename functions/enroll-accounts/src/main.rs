//! Lambda entry point: wiring only. The logic is `shared::enroll`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::lambda::serve::<shared::enroll::EnrollAccounts>().await
}
