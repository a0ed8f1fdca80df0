//! Lambda entry point: wiring only. The logic is `shared::configure`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::lambda::serve::<shared::configure::ConfigureDetective>().await
}
