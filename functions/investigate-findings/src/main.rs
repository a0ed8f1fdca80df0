//! Lambda entry point: wiring only. The logic is `shared::investigate`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::lambda::serve::<shared::investigate::InvestigateFindings>().await
}
