//! Deciding an application: approve (maker-checker above the limit), decline with reasons, and
//! pay out once approved and signed.

use pocket_contract::review::{PayOutRequest, PayOutResponse};
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

pub async fn pay_out(request: &PayOutRequest) -> Result<PayOutResponse, CommandError> {
    invoke("pay_out", &Args { request }).await
}
