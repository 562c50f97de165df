//! The officers' queue.

use pocket_contract::{CommandError, QueuePage, QueueRequest};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a> {
    request: &'a QueueRequest,
}

pub async fn queue(request: &QueueRequest) -> Result<QueuePage, CommandError> {
    invoke("queue", &Args { request }).await
}
