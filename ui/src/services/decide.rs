//! Deciding an application: approve (maker-checker above the limit) and decline with reasons.

use pocket_contract::{
    ApproveRequest, ApproveResponse, CommandError, DeclineRequest, DeclineResponse,
};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a, T> {
    request: &'a T,
}

pub async fn approve(request: &ApproveRequest) -> Result<ApproveResponse, CommandError> {
    invoke("approve", &Args { request }).await
}

pub async fn decline(request: &DeclineRequest) -> Result<DeclineResponse, CommandError> {
    invoke("decline", &Args { request }).await
}
