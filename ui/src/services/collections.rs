//! The collections commands: calendar, a date's batches, the manual trigger and the overview.

use pocket_contract::CommandError;
use pocket_contract::collections::{
    BatchesRequest, CalendarRequest, CalendarView, CollectionsOverview, DateBatches,
    TriggerRequest, TriggerResponse,
};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a, T> {
    request: &'a T,
}

#[derive(Serialize)]
struct NoArgs {}

pub async fn calendar(request: &CalendarRequest) -> Result<CalendarView, CommandError> {
    invoke("collections_calendar", &Args { request }).await
}

pub async fn batches(action_date: String) -> Result<DateBatches, CommandError> {
    invoke("collections_batches", &Args { request: &BatchesRequest { action_date } }).await
}

pub async fn trigger() -> Result<TriggerResponse, CommandError> {
    invoke("collections_trigger", &Args { request: &TriggerRequest {} }).await
}

pub async fn overview() -> Result<CollectionsOverview, CommandError> {
    invoke("collections_overview", &NoArgs {}).await
}
