//! The loans screens: the list, a loan's page, and its actions through the loan desk use cases
//! (crates/workflows/src/loan_desk.rs). Reads come from `pocket_store::loan_desk`; who may act is
//! the database's to say (migration 20261205000014), the `actions` of a loan only tell the UI what
//! to offer.

use chrono::{NaiveDate, Utc};
use pocket_contract::ErrorCode;
use pocket_contract::loans::{
    FlagRow, InstalmentRow, LOAN_STATUSES, LoanActions, LoanRequest, LoanRow, LoanStatusCount,
    LoanView, LoansPage, LoansRequest, MandateView, MoveDateRequest, MoveDateResponse,
    PaymentRequest, PaymentResponse, PostingRow, PresentmentRow, SettlementQuote, StatementRequest,
    StatementView, WriteOffRequest, WriteOffResponse,
};
use pocket_domain::ReasonCode;
use pocket_store::loan_desk::{self as reads, FlagLine, LedgerLine, LoanFilter, PresentmentLine};
use pocket_store::loans::{self, LoanStatus};
use pocket_store::officers::OfficerGroup;
use pocket_store::parameters;
use pocket_workflows::collections::sast_date;
use pocket_workflows::loan_desk::{self, DeskError};
use tauri::State;

use super::{Answer, uuid};
use crate::error::{command_error, invalid, store};
use crate::session::{Current, Desktop};

/// The most rows one page of the list may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The longest search term.
pub const MAX_SEARCH_CHARS: usize = 100;
/// The largest amount a payment may have: R1 000 000, far above any short-term loan (Reg 39:
/// at most R8 000), so that a slip of the keyboard never reaches the ledger.
pub const MAX_PAYMENT_CENTS: i64 = 100_000_000;
/// The longest period one statement covers.
pub const MAX_STATEMENT_DAYS: i64 = 3 * 366;

/// Today in Johannesburg (business dates are civil dates there).
pub fn today() -> NaiveDate {
    sast_date(Utc::now())
}

/// A refused loan action as the UI sees it.
pub fn desk(error: DeskError, admin: bool) -> pocket_contract::CommandError {
    match error {
        DeskError::Invalid(text) => command_error(ErrorCode::Invalid, text.clone(), text, admin),
        DeskError::Conflict(text) => command_error(ErrorCode::Conflict, text.clone(), text, admin),
        DeskError::Store(e) => store(e, admin),
    }
}

/// A `YYYY-MM-DD` date the UI sent.
pub fn date(text: &str, what: &str, admin: bool) -> Answer<NaiveDate> {
    let text = text.trim();
    if text.len() != 10 {
        return Err(invalid(&format!("The {what} must be a date (YYYY-MM-DD)."), admin));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| invalid(&format!("The {what} must be a date (YYYY-MM-DD)."), admin))
}

/// Whether the role collects (records payments, moves dates): collections and supervisors.
pub fn collects(group: OfficerGroup) -> bool {
    matches!(group, OfficerGroup::Collections | OfficerGroup::Supervisor)
}

/// Checks the list request and turns it into the store's filter.
pub fn filter(request: &LoansRequest) -> Result<LoanFilter, &'static str> {
    if request.page_size == 0 || request.page_size > MAX_PAGE_SIZE {
        return Err("Rows per page must be between 1 and 200.");
    }
    let status = match request.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if LOAN_STATUSES.contains(&s) => {
            Some(s.parse::<LoanStatus>().map_err(|_| "Unknown loan status.")?)
        }
        Some(_) => return Err("Unknown loan status."),
    };
    let search = request.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
        return Err("Search for at most 100 characters.");
    }
    if search.is_some_and(|s| s.chars().any(char::is_control)) {
        return Err("The search may not contain control characters.");
    }
    Ok(LoanFilter {
        status,
        search: search.map(str::to_owned),
        limit: i64::from(request.page_size),
        offset: i64::from(request.page) * i64::from(request.page_size),
    })
}

#[tauri::command]
pub async fn loans(desktop: State<'_, Desktop>, request: LoansRequest) -> Answer<LoansPage> {
    let current = desktop.current()?;
    let admin = current.admin();
    let filter = filter(&request).map_err(|what| invalid(what, admin))?;
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let (lines, total) = reads::loans(&mut conn, &filter).await.map_err(|e| store(e, admin))?;
    let counts = reads::loan_counts(&mut conn).await.map_err(|e| store(e, admin))?;
    Ok(LoansPage {
        counts: counts
            .into_iter()
            .map(|(status, count)| LoanStatusCount { status: status.as_str().to_owned(), count })
            .collect(),
        rows: lines
            .into_iter()
            .map(|l| LoanRow {
                loan_id: l.loan_id.to_string(),
                reference: l.reference,
                applicant_name: l.applicant_name,
                id_number: l.id_number,
                status: l.status.as_str().to_owned(),
                principal_cents: l.principal_cents,
                balance_cents: l.balance_cents,
                disbursed_on: l.disbursed_on.to_string(),
                collection_hold: l.collection_hold,
            })
            .collect(),
        total,
        page: request.page,
        page_size: request.page_size,
    })
}

pub fn posting_row(l: LedgerLine) -> PostingRow {
    PostingRow {
        ledger_posting_id: l.ledger_posting_id.to_string(),
        kind: l.kind,
        amount_cents: l.amount_cents,
        effective_date: l.effective_date.to_string(),
        reference: l.reference,
        balance_cents: l.balance_cents,
        posted_by: l.login_role,
        posted_at: l.posted_at.to_rfc3339(),
    }
}

pub fn presentment_row(p: PresentmentLine) -> PresentmentRow {
    let reason = p.reason_code.as_deref().map(|c| ReasonCode::parse(c).meaning().to_owned());
    PresentmentRow {
        presentment_id: p.presentment_id.to_string(),
        loan_id: p.loan_id.to_string(),
        reference: p.reference,
        applicant_name: p.applicant_name,
        instalment_sequence: p.instalment_sequence,
        attempt: p.attempt,
        amount_cents: p.amount_cents,
        action_date: p.action_date.to_string(),
        account_reference: p.account_reference,
        status: p.status.as_str().to_owned(),
        reason_code: p.reason_code,
        reason,
        batch_name: p.batch_name,
        message: p.message,
        changed_at: p.changed_at.map(|t| t.to_rfc3339()),
    }
}

pub fn flag_row(f: FlagLine) -> FlagRow {
    FlagRow {
        collection_flag_id: f.collection_flag_id.to_string(),
        loan_id: f.loan_id.to_string(),
        reference: f.reference,
        applicant_name: f.applicant_name,
        reason_code: f.reason_code,
        action: f.action,
        note: f.note,
        raised_on: f.raised_on.to_string(),
        resolved: f.resolved_at.is_some(),
    }
}

#[tauri::command]
pub async fn loan(desktop: State<'_, Desktop>, request: LoanRequest) -> Answer<LoanView> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.loan_id, admin)?;
    view(&current, id).await
}

async fn view(current: &Current, id: uuid::Uuid) -> Answer<LoanView> {
    let admin = current.admin();
    let fail = |e| store(e, admin);
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let h = reads::loan_header(&mut conn, id).await.map_err(fail)?;
    let instalments = loans::instalments(&mut conn, id).await.map_err(fail)?;
    let collect_on: std::collections::HashMap<_, _> =
        reads::collect_on(&mut conn, id).await.map_err(fail)?.into_iter().collect();
    let ledger = reads::ledger(&mut conn, id).await.map_err(fail)?;
    let mandates = reads::mandates(&mut conn, id).await.map_err(fail)?;
    let presentments = reads::presentments_for_loan(&mut conn, id).await.map_err(fail)?;
    let flags = reads::flags_for_loan(&mut conn, id).await.map_err(fail)?;
    let calendar = parameters::calendar(&mut conn).await.map_err(fail)?;
    drop(conn);

    let in_flight: std::collections::HashSet<_> =
        presentments.iter().filter(|p| p.status.is_active()).map(|p| p.instalment_id).collect();
    let today = today();
    let collecting = matches!(h.status, LoanStatus::Active | LoanStatus::InArrears);
    let group = current.officer.group;
    Ok(LoanView {
        loan_id: h.loan_id.to_string(),
        application_id: h.application_id.to_string(),
        reference: h.reference,
        applicant_name: h.applicant_name,
        id_number: h.id_number,
        msisdn: h.msisdn,
        status: h.status.as_str().to_owned(),
        principal_cents: h.principal_cents,
        total_repayable_cents: h.total_repayable_cents,
        balance_cents: h.balance_cents,
        term_days: h.term_days,
        interest_rate_bp: h.interest_rate_bp,
        disbursed_on: h.disbursed_on.to_string(),
        paid_up_on: h.paid_up_on.map(|d| d.to_string()),
        written_off_on: h.written_off_on.map(|d| d.to_string()),
        written_off_reason: h.written_off_reason,
        default_on: h.default_on.map(|d| d.to_string()),
        collection_hold: h.collection_hold,
        no_sms_contact: h.no_sms_contact,
        instalments: instalments
            .into_iter()
            .map(|i| InstalmentRow {
                instalment_id: i.instalment_id.to_string(),
                sequence: i.sequence,
                due_date: i.due_date.to_string(),
                collect_on: collect_on
                    .get(&i.instalment_id)
                    .copied()
                    .flatten()
                    .map(|d| d.to_string()),
                principal_cents: i.principal_cents,
                interest_cents: i.interest_cents,
                fee_cents: i.fee_cents,
                vat_cents: i.vat_cents,
                amount_cents: i.amount_cents,
                paid_cents: i.paid_cents,
                status: i.status.as_str().to_owned(),
                in_flight: in_flight.contains(&i.instalment_id),
            })
            .collect(),
        postings: ledger.into_iter().map(posting_row).collect(),
        mandates: mandates
            .into_iter()
            .map(|m| MandateView {
                contract_reference: m.contract_reference,
                status: m.status.as_str().to_owned(),
                frequency: m.frequency,
                collection_day: m.collection_day,
                instalment_cents: m.instalment_cents,
                max_collection_cents: m.max_collection_cents,
                first_collection_date: m.first_collection_date.to_string(),
                date_adjustment_allowed: m.date_adjustment_allowed,
                tracking_days: m.tracking_days,
                authentication_type: m.authentication_type,
                account_holder: m.account_holder,
                account_last_digits: m.account_last_digits,
                branch_code: m.branch_code,
                authenticated_at: m.authenticated_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
        presentments: presentments.into_iter().map(presentment_row).collect(),
        flags: flags.into_iter().map(flag_row).collect(),
        actions: LoanActions {
            record_payment: collecting && collects(group),
            move_date: collecting && collects(group),
            write_off: collecting && group == OfficerGroup::Supervisor,
        },
        today: today.to_string(),
        earliest_move: loan_desk::earliest_collection_date(&calendar, today).to_string(),
        latest_move: loan_desk::latest_collection_date(h.disbursed_on).to_string(),
    })
}

#[tauri::command]
pub async fn record_payment(
    desktop: State<'_, Desktop>,
    request: PaymentRequest,
) -> Answer<PaymentResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.loan_id, admin)?;
    if request.amount_cents <= 0 {
        return Err(invalid("A payment must be more than R0.00.", admin));
    }
    if request.amount_cents > MAX_PAYMENT_CENTS {
        return Err(invalid("A payment may be at most R1 000 000.00.", admin));
    }
    let received_on = date(&request.received_on, "day received", admin)?;
    let mut tx = current.pool.begin().await.map_err(|e| store(e.into(), admin))?;
    let done = loan_desk::record_payment(
        &mut tx,
        id,
        request.amount_cents,
        received_on,
        today(),
        &request.reference,
    )
    .await
    .map_err(|e| desk(e, admin))?;
    tx.commit().await.map_err(|e| store(e.into(), admin))?;
    Ok(PaymentResponse {
        ledger_posting_id: done.ledger_posting_id.to_string(),
        balance_cents: done.balance_cents,
        status: done.status.as_str().to_owned(),
    })
}

#[tauri::command]
pub async fn move_collection_date(
    desktop: State<'_, Desktop>,
    request: MoveDateRequest,
) -> Answer<MoveDateResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.instalment_id, admin)?;
    let on = date(&request.on, "new date", admin)?;
    let mut tx = current.pool.begin().await.map_err(|e| store(e.into(), admin))?;
    let calendar = parameters::calendar(&mut tx).await.map_err(|e| store(e, admin))?;
    loan_desk::move_collection_date(&mut tx, &calendar, id, on, today())
        .await
        .map_err(|e| desk(e, admin))?;
    tx.commit().await.map_err(|e| store(e.into(), admin))?;
    Ok(MoveDateResponse { instalment_id: id.to_string(), on: on.to_string() })
}

#[tauri::command]
pub async fn settlement_quote(
    desktop: State<'_, Desktop>,
    request: LoanRequest,
) -> Answer<SettlementQuote> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.loan_id, admin)?;
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let quote =
        loan_desk::settlement_quote(&mut conn, id, today()).await.map_err(|e| desk(e, admin))?;
    Ok(SettlementQuote {
        loan_id: id.to_string(),
        on: quote.on.to_string(),
        amount_cents: quote.amount_cents,
        charges_not_due_cents: quote.charges_not_due_cents,
        valid_until: quote.valid_until.map(|d| d.to_string()),
        in_flight: quote.in_flight,
    })
}

#[tauri::command]
pub async fn statement(
    desktop: State<'_, Desktop>,
    request: StatementRequest,
) -> Answer<StatementView> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.loan_id, admin)?;
    let from = date(&request.from, "first day", admin)?;
    let to = date(&request.to, "last day", admin)?;
    if to < from {
        return Err(invalid("The period ends before it starts.", admin));
    }
    if (to - from).num_days() > MAX_STATEMENT_DAYS {
        return Err(invalid("A statement covers at most three years.", admin));
    }
    let fail = |e| store(e, admin);
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let h = reads::loan_header(&mut conn, id).await.map_err(fail)?;
    let s = reads::statement(&mut conn, id, from, to).await.map_err(fail)?;
    let charges = s.lines.iter().map(|l| l.amount_cents).filter(|a| *a > 0).sum();
    let credits = s.lines.iter().map(|l| l.amount_cents).filter(|a| *a < 0).sum();
    Ok(StatementView {
        loan_id: id.to_string(),
        reference: h.reference,
        applicant_name: h.applicant_name,
        id_number: h.id_number,
        from: from.to_string(),
        to: to.to_string(),
        opening_cents: s.opening_cents,
        lines: s.lines.into_iter().map(posting_row).collect(),
        closing_cents: s.closing_cents,
        charges_cents: charges,
        credits_cents: credits,
        printed_on: today().to_string(),
    })
}

#[tauri::command]
pub async fn write_off(
    desktop: State<'_, Desktop>,
    request: WriteOffRequest,
) -> Answer<WriteOffResponse> {
    let current = desktop.current()?;
    let admin = current.admin();
    let id = uuid(&request.loan_id, admin)?;
    let mut tx = current.pool.begin().await.map_err(|e| store(e.into(), admin))?;
    let posting = loan_desk::write_off(&mut tx, id, today(), &request.reason)
        .await
        .map_err(|e| desk(e, admin))?;
    tx.commit().await.map_err(|e| store(e.into(), admin))?;
    Ok(WriteOffResponse {
        ledger_posting_id: posting.map(|p| p.to_string()),
        status: LoanStatus::WrittenOff.as_str().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> LoansRequest {
        LoansRequest { page_size: 50, ..LoansRequest::default() }
    }

    #[test]
    fn hostile_list_requests_are_refused() {
        assert!(filter(&LoansRequest { page_size: 0, ..request() }).is_err());
        assert!(filter(&LoansRequest { page_size: 201, ..request() }).is_err());
        assert!(filter(&LoansRequest { status: Some("'; drop".into()), ..request() }).is_err());
        assert!(filter(&LoansRequest { search: Some("x".repeat(101)), ..request() }).is_err());
        assert!(filter(&LoansRequest { search: Some("a\u{0}".into()), ..request() }).is_err());
        let f = filter(&LoansRequest { page: 2, search: Some("  ".into()), ..request() }).unwrap();
        assert_eq!((f.limit, f.offset, f.search), (50, 100, None));
    }

    #[test]
    fn dates_are_strict() {
        assert!(date("2026-12-07", "day", false).is_ok());
        for bad in ["2026-02-30", "07/12/2026", "2026-12-7", "", "2026-12-07T00:00", "99999-01-01"]
        {
            assert!(date(bad, "day", false).is_err(), "{bad}");
        }
    }
}
