//! Lambda entry point: wiring only. The logic is `shared::report`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::lambda::serve::<shared::report::ReportInvestigations>().await
}
