//! Approving, declining and paying out, through the review use case
//! (crates/workflows/src/review.rs).

use pocket_contract::review::{PayOutRequest, PayOutResponse};
use pocket_contract::{
    ApproveOutcome, ApproveRequest, ApproveResponse, DeclineRequest, DeclineResponse,
};
use pocket_workflows::review::{self, Approval, Terms};
use tauri::State;

use super::{Answer, uuid};
use crate::error::{invalid, review as review_error, store};
use crate::session::Desktop;

#[tauri::command]
pub async fn approve(
    desktop: State<'_, Desktop>,
    request: ApproveRequest,
) -> Answer<ApproveResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.application_id, admin)?;
    let terms = Terms {
        amount_cents: request.amount_cents,
        term_days: request.term_days,
        note: request.note,
    };
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let approval = review::approve(&mut conn, &current.officer, id, &terms, chrono::Utc::now())
        .await
        .map_err(|e| review_error(e, admin))?;
    let (outcome, decision_id) = match approval {
        Approval::Approved { decision_id } => (ApproveOutcome::Approved, decision_id),
        Approval::AwaitingSecondApproval { decision_id } => {
            (ApproveOutcome::AwaitingSecondApproval, decision_id)
        }
    };
    Ok(ApproveResponse { outcome, decision_id: decision_id.to_string() })
}

#[tauri::command]
pub async fn decline(
    desktop: State<'_, Desktop>,
    request: DeclineRequest,
) -> Answer<DeclineResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.application_id, admin)?;
    if request.reasons.len() > 10 {
        return Err(invalid("Give at most ten reasons.", admin));
    }
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let decision_id = review::decline(
        &mut conn,
        &current.officer,
        id,
        &request.reasons,
        request.note.as_deref(),
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| review_error(e, admin))?;
    Ok(DeclineResponse { decision_id: decision_id.to_string(), status: "declined".to_owned() })
}

#[tauri::command]
pub async fn pay_out(
    desktop: State<'_, Desktop>,
    request: PayOutRequest,
) -> Answer<PayOutResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.application_id, admin)?;
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let paid = review::pay_out(
        &mut conn,
        &current.officer,
        id,
        &request.disbursement_reference,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| review_error(e, admin))?;
    Ok(PayOutResponse {
        loan_id: paid.loan_id.to_string(),
        first_debit_date: paid.first_debit.to_string(),
        instalments: u32::try_from(paid.instalments).unwrap_or(u32::MAX),
        total_repayable_cents: paid.total_repayable.cents(),
    })
}
