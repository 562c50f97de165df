//! The loans commands: the list, a loan's page, its actions and its statement.

use pocket_contract::CommandError;
use pocket_contract::loans::{
    LoanRequest, LoanView, LoansPage, LoansRequest, MoveDateRequest, MoveDateResponse,
    PaymentRequest, PaymentResponse, SettlementQuote, StatementRequest, StatementView,
    WriteOffRequest, WriteOffResponse,
};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a, T> {
    request: &'a T,
}

pub async fn loans(request: &LoansRequest) -> Result<LoansPage, CommandError> {
    invoke("loans", &Args { request }).await
}

pub async fn loan(loan_id: String) -> Result<LoanView, CommandError> {
    invoke("loan", &Args { request: &LoanRequest { loan_id } }).await
}

pub async fn record_payment(request: &PaymentRequest) -> Result<PaymentResponse, CommandError> {
    invoke("record_payment", &Args { request }).await
}

pub async fn move_collection_date(
    request: &MoveDateRequest,
) -> Result<MoveDateResponse, CommandError> {
    invoke("move_collection_date", &Args { request }).await
}

pub async fn settlement_quote(loan_id: String) -> Result<SettlementQuote, CommandError> {
    invoke("settlement_quote", &Args { request: &LoanRequest { loan_id } }).await
}

pub async fn statement(request: &StatementRequest) -> Result<StatementView, CommandError> {
    invoke("statement", &Args { request }).await
}

pub async fn write_off(request: &WriteOffRequest) -> Result<WriteOffResponse, CommandError> {
    invoke("write_off", &Args { request }).await
}
