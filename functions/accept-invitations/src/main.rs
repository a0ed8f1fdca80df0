//! Lambda entry point: wiring only. The logic is `shared::accept`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::lambda::serve::<shared::accept::AcceptInvitations>().await
}
