//! The application page: details, documents, bureau summary, the affordability worksheet,
//! decisions with their reasons, the history, and what the signed-in officer may do now.

use std::collections::HashMap;

use pocket_contract::{
    Affordability, Applicant, ApplicationRequest, ApplicationView, BureauSummary, DecisionRow,
    DocumentRow, Employment, HistoryRow,
};
use pocket_store::{applications, backoffice, bureau, decisions, documents};
use pocket_workflows::review;
use tauri::State;

use super::{Answer, uuid};
use crate::error::store;
use crate::session::Desktop;

#[tauri::command]
pub async fn application(
    desktop: State<'_, Desktop>,
    request: ApplicationRequest,
) -> Answer<ApplicationView> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.application_id, admin)?;
    let fail = |e| store(e, admin);
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let r = backoffice::review(&mut conn, id).await.map_err(fail)?;
    let docs = documents::for_application(&mut conn, id).await.map_err(fail)?;
    let enquiry = bureau::latest(&mut conn, id).await.map_err(fail)?;
    let worksheet = backoffice::latest_worksheet(&mut conn, id).await.map_err(fail)?;
    let decided = decisions::for_application(&mut conn, id).await.map_err(fail)?;
    let history = applications::history(&mut conn, id).await.map_err(fail)?;
    let officer_ids: Vec<_> = decided
        .iter()
        .flat_map(|d| [d.decided_by_officer_id, d.second_approver_officer_id])
        .flatten()
        .collect();
    let names: HashMap<_, _> = backoffice::officer_names(&mut conn, &officer_ids)
        .await
        .map_err(fail)?
        .into_iter()
        .collect();
    drop(conn);

    let me = &current.officer;
    let pending = review::pending_approval(&decided);
    let may_decide = review::may_decide(me) && review::decidable(r.status);
    let can_second_approve = may_decide
        && pending.is_some_and(|p| {
            p.decided_by_officer_id != Some(me.officer_id)
                && p.approved_amount_cents.unwrap_or(r.requested_amount_cents)
                    <= me.approval_limit_cents
        });
    let address = [&r.address_line1, &r.address_line2, &r.suburb, &r.city, &r.postal_code]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let name = [r.first_names.as_deref(), r.surname.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(ApplicationView {
        application_id: r.application_id.to_string(),
        reference: r.reference,
        status: r.status.as_str().to_owned(),
        channel: r.channel,
        product: r.product_name,
        requested_amount_cents: r.requested_amount_cents,
        requested_term_days: r.requested_term_days,
        gross_income_cents: r.gross_income_cents,
        net_income_cents: r.net_income_cents,
        declared_expenses_cents: r.declared_expenses_cents,
        declared_debt_cents: r.declared_debt_cents,
        submitted_at: r.submitted_at.map(|t| t.to_rfc3339()),
        updated_at: r.updated_at.to_rfc3339(),
        applicant: Applicant {
            name: (!name.is_empty()).then_some(name),
            id_number: r.id_number,
            date_of_birth: r.date_of_birth.map(|d| d.to_string()),
            msisdn: r.msisdn,
            email: r.email,
            address,
        },
        employment: Employment {
            employer_name: r.employer_name,
            employment_type: r.employment_type,
            pay_frequency: r.pay_frequency,
            payday: r.payday,
            bank_branch_code: r.bank_branch_code,
            bank_account_last4: r.bank_account_number.map(|n| {
                let skip = n.chars().count().saturating_sub(4);
                n.chars().skip(skip).collect()
            }),
            bank_account_holder: r.bank_account_holder,
        },
        documents: docs
            .into_iter()
            .map(|d| DocumentRow {
                document_id: d.document_id.to_string(),
                kind: d.kind.as_str().to_owned(),
                file_name: d.file_name,
                content_type: d.content_type,
                size_bytes: d.size_bytes,
                verification_status: d.verification_status.as_str().to_owned(),
                rejection_reason: d.rejection_reason,
                uploaded_at: d.uploaded_at.to_rfc3339(),
            })
            .collect(),
        bureau: enquiry.map(|e| BureauSummary {
            status: e.status.as_str().to_owned(),
            requested_at: e.requested_at.to_rfc3339(),
            matched: e.result.as_ref().map(|x| x.matched),
            score: e.result.as_ref().and_then(|x| x.score),
            adverse_listings: e.result.as_ref().map(|x| x.adverse_listings),
            judgments: e.result.as_ref().map(|x| x.judgments),
            monthly_obligations_cents: e.result.as_ref().map(|x| x.monthly_obligations_cents),
            error: None,
        }),
        affordability: worksheet.map(|w| Affordability {
            gross_income_cents: w.gross_income_cents,
            statutory_deductions_cents: w.statutory_deductions_cents,
            declared_expenses_cents: w.declared_expenses_cents,
            norm_expenses_cents: w.norm_expenses_cents,
            expenses_used_cents: w.expenses_used_cents,
            declared_debt_cents: w.declared_debt_cents,
            bureau_debt_cents: w.bureau_debt_cents,
            debt_used_cents: w.debt_used_cents,
            discretionary_income_cents: w.discretionary_income_cents,
            proposed_instalment_cents: w.proposed_instalment_cents,
            affordable: w.affordable,
            norm_effective_from: w.norm_effective_from.to_string(),
            assessed_at: w.assessed_at.to_rfc3339(),
        }),
        decisions: decided
            .iter()
            .map(|d| DecisionRow {
                decision_id: d.decision_id.to_string(),
                source: d.source.as_str().to_owned(),
                outcome: d.outcome.as_str().to_owned(),
                reason_codes: d.reason_codes.clone(),
                approved_amount_cents: d.approved_amount_cents,
                approved_term_days: d.approved_term_days,
                decided_by: d.decided_by_officer_id.and_then(|id| names.get(&id).cloned()),
                second_approver: d
                    .second_approver_officer_id
                    .and_then(|id| names.get(&id).cloned()),
                awaiting_second_approval: pending.is_some_and(|p| p.decision_id == d.decision_id),
                note: d.note.clone(),
                decided_at: d.decided_at.to_rfc3339(),
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| HistoryRow {
                at: h.changed_at.to_rfc3339(),
                what: match h.from_status {
                    Some(from) => format!("{} → {}", from.as_str(), h.to_status.as_str()),
                    None => format!("created as {}", h.to_status.as_str()),
                },
                who: h.login_role,
                note: h.note,
            })
            .collect(),
        open_for_decision: review::decidable(r.status),
        can_approve: may_decide && (pending.is_none() || can_second_approve),
        can_second_approve,
        can_decline: may_decide,
    })
}
