//! Reading one application for review.

use pocket_contract::{ApplicationRequest, ApplicationView, CommandError};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a> {
    request: &'a ApplicationRequest,
}

pub async fn application(application_id: String) -> Result<ApplicationView, CommandError> {
    invoke("application", &Args { request: &ApplicationRequest { application_id } }).await
}
