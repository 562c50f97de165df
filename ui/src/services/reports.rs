//! The reports and their CSV export.

use pocket_contract::CommandError;
use pocket_contract::reports::{ExportRequest, ExportResponse, Report, ReportRequest};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a, T> {
    request: &'a T,
}

pub async fn report(request: &ReportRequest) -> Result<Report, CommandError> {
    invoke("run_report", &Args { request }).await
}

pub async fn export(request: &ExportRequest) -> Result<ExportResponse, CommandError> {
    invoke("export_report", &Args { request }).await
}
