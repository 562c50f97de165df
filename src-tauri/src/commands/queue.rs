//! The officers' queue: applications by status with counts, search, filters, sorting and pages.

use pocket_contract::{QueuePage, QueueRequest, QueueRow, QueueSort, StatusCount};
use pocket_store::applications::ApplicationStatus;
use pocket_store::backoffice::{self, QueueFilter, QueueOrder};
use tauri::State;

use super::Answer;
use crate::error::{invalid, store};
use crate::session::Desktop;

/// The most rows one page may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;

#[tauri::command]
pub async fn queue(desktop: State<'_, Desktop>, request: QueueRequest) -> Answer<QueuePage> {
    let current = desktop.current()?;
    let admin = current.admin();
    let filter = filter(&request).map_err(|what| invalid(what, admin))?;
    let mut conn = current.pool.acquire().await.map_err(|e| store(e.into(), admin))?;
    let (lines, total) =
        backoffice::queue(&mut conn, &filter).await.map_err(|e| store(e, admin))?;
    let counts = backoffice::counts(&mut conn).await.map_err(|e| store(e, admin))?;
    Ok(QueuePage {
        counts: counts
            .into_iter()
            .map(|(status, count)| StatusCount { status: status.as_str().to_owned(), count })
            .collect(),
        rows: lines
            .into_iter()
            .map(|l| QueueRow {
                application_id: l.application_id.to_string(),
                reference: l.reference,
                status: l.status.as_str().to_owned(),
                applicant_name: l.applicant_name,
                id_number: l.id_number,
                msisdn: l.msisdn,
                channel: l.channel,
                requested_amount_cents: l.requested_amount_cents,
                requested_term_days: l.requested_term_days,
                updated_at: l.updated_at.to_rfc3339(),
            })
            .collect(),
        total,
        page: request.page,
        page_size: request.page_size,
    })
}

/// Checks the request and turns it into the store's filter.
pub fn filter(request: &QueueRequest) -> Result<QueueFilter, &'static str> {
    if request.page_size == 0 || request.page_size > MAX_PAGE_SIZE {
        return Err("Rows per page must be between 1 and 200.");
    }
    let status = match request.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<ApplicationStatus>().map_err(|_| "Unknown status.")?),
    };
    let channel = match request.channel.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c @ ("portal" | "partner" | "officer")) => Some(c.to_owned()),
        Some(_) => return Err("Unknown channel."),
    };
    if request.min_amount_cents.is_some_and(|c| c < 0)
        || request.max_amount_cents.is_some_and(|c| c < 0)
    {
        return Err("Amounts cannot be negative.");
    }
    let search = request.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err("Search for at most 100 characters.");
    }
    Ok(QueueFilter {
        status,
        channel,
        min_amount_cents: request.min_amount_cents,
        max_amount_cents: request.max_amount_cents,
        search: search.map(str::to_owned),
        order: match request.sort {
            QueueSort::Waiting => QueueOrder::Waiting,
            QueueSort::Recent => QueueOrder::Recent,
            QueueSort::Amount => QueueOrder::Amount,
            QueueSort::Reference => QueueOrder::Reference,
        },
        limit: i64::from(request.page_size),
        offset: i64::from(request.page) * i64::from(request.page_size),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> QueueRequest {
        QueueRequest { page_size: 50, ..QueueRequest::default() }
    }

    #[test]
    fn hostile_queue_requests_are_refused() {
        assert!(filter(&QueueRequest { page_size: 0, ..request() }).is_err());
        assert!(filter(&QueueRequest { page_size: 10_000, ..request() }).is_err());
        assert!(
            filter(&QueueRequest { status: Some("'; drop table x".into()), ..request() }).is_err()
        );
        assert!(filter(&QueueRequest { channel: Some("fax".into()), ..request() }).is_err());
        assert!(filter(&QueueRequest { min_amount_cents: Some(-1), ..request() }).is_err());
        assert!(filter(&QueueRequest { search: Some("x".repeat(101)), ..request() }).is_err());
    }

    #[test]
    fn pages_become_offsets() {
        let f = filter(&QueueRequest { page: 3, page_size: 25, ..request() }).unwrap();
        assert_eq!((f.limit, f.offset), (25, 75));
        let f = filter(&QueueRequest { search: Some("   ".into()), ..request() }).unwrap();
        assert_eq!(f.search, None);
    }
}
