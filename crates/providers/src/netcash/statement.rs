//! Merchant statements: results and unpaids (netcash-niws.md, "Statement").

use chrono::NaiveDate;
use pocket_domain::{Money, ReasonCode};

use super::NetcashError;
use super::report::parse_rands;

/// What a statement line records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionKind {
    /// OBL.
    OpeningBalance,
    /// CBL.
    ClosingBalance,
    /// TDD: a two-day debit order collected.
    TwoDayDebit,
    /// SDD: a same-day debit order collected.
    SameDayDebit,
    /// DRU: a debit order returned unpaid with a reason code (unknown codes kept verbatim).
    Unpaid(ReasonCode),
    /// DCS: a DebiCheck collection succeeded.
    DebiCheckSuccess,
    /// DCX: a DebiCheck collection unpaid.
    DebiCheckUnpaid,
    /// DCD: a DebiCheck dispute.
    DebiCheckDispute,
    /// Any other type (fees, payouts), kept verbatim.
    Other(String),
}

/// One statement line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// The date.
    pub date: NaiveDate,
    /// The type.
    pub kind: TransactionKind,
    /// The provider's transaction id.
    pub transaction_id: String,
    /// The description (for DRU: `Debit order unpaid - Code: 02`).
    pub description: String,
    /// The amount, negative when the line's sign is `-`.
    pub amount: Money,
    /// The VAT.
    pub vat: Money,
    /// The account reference (field 101) the line belongs to, from extra1; empty when none.
    pub account_reference: String,
    /// extra2 (the simulator puts the batch name here).
    pub extra2: String,
    /// extra3.
    pub extra3: String,
    /// The ledger description.
    pub ledger_description: String,
}

/// A parsed statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Statement {
    /// Every line in order, balances included.
    pub lines: Vec<StatementLine>,
}

impl Statement {
    /// The opening balance, if the statement has an OBL line.
    pub fn opening_balance(&self) -> Option<Money> {
        self.lines.iter().find(|l| l.kind == TransactionKind::OpeningBalance).map(|l| l.amount)
    }

    /// The closing balance, if the statement has a CBL line.
    pub fn closing_balance(&self) -> Option<Money> {
        self.lines.iter().find(|l| l.kind == TransactionKind::ClosingBalance).map(|l| l.amount)
    }

    /// Debit orders collected (TDD, SDD, DCS).
    pub fn collected(&self) -> impl Iterator<Item = &StatementLine> {
        self.lines.iter().filter(|l| {
            matches!(
                l.kind,
                TransactionKind::TwoDayDebit
                    | TransactionKind::SameDayDebit
                    | TransactionKind::DebiCheckSuccess
            )
        })
    }

    /// Unpaids with their reason code (DRU).
    pub fn unpaid(&self) -> impl Iterator<Item = (&StatementLine, &ReasonCode)> {
        self.lines.iter().filter_map(|l| match &l.kind {
            TransactionKind::Unpaid(code) => Some((l, code)),
            _ => None,
        })
    }
}

fn unpaid_code(description: &str) -> ReasonCode {
    // netcash-niws.md: `Debit order unpaid - Code: 02`.
    match description.rsplit_once("Code:") {
        Some((_, code)) => ReasonCode::parse(code.trim()),
        None => ReasonCode::Unknown(description.to_owned()),
    }
}

/// Reads a statement: tab-separated `date, type, transaction id, description, amount, +/-, VAT,
/// extra1, extra2, extra3, ledger description` (netcash-niws.md, "Statement").
pub fn parse_statement(text: &str) -> Result<Statement, NetcashError> {
    let mut lines = Vec::with_capacity(text.len() / 80);
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad =
            |what: &str| NetcashError::Malformed(format!("statement line {}: {what}", number + 1));
        let mut fields = line.split('\t');
        let mut next = || fields.next().unwrap_or("").trim();
        let date = NaiveDate::parse_from_str(next(), "%Y%m%d").map_err(|_| bad("date"))?;
        let kind = next();
        let transaction_id = next().to_owned();
        let description = next().to_owned();
        let amount = parse_rands(next()).ok_or_else(|| bad("amount"))?;
        let amount = match next() {
            "+" => amount,
            "-" => Money::from_cents(-amount.cents()),
            _ => return Err(bad("sign")),
        };
        let vat = match next() {
            "" => Money::ZERO,
            vat => parse_rands(vat).ok_or_else(|| bad("VAT"))?,
        };
        let account_reference = next().to_owned();
        let extra2 = next().to_owned();
        let extra3 = next().to_owned();
        let ledger_description = next().to_owned();
        let kind = match kind {
            "OBL" => TransactionKind::OpeningBalance,
            "CBL" => TransactionKind::ClosingBalance,
            "TDD" => TransactionKind::TwoDayDebit,
            "SDD" => TransactionKind::SameDayDebit,
            "DRU" => TransactionKind::Unpaid(unpaid_code(&description)),
            "DCS" => TransactionKind::DebiCheckSuccess,
            "DCX" => TransactionKind::DebiCheckUnpaid,
            "DCD" => TransactionKind::DebiCheckDispute,
            "" => return Err(bad("type")),
            other => TransactionKind::Other(other.to_owned()),
        };
        lines.push(StatementLine {
            date,
            kind,
            transaction_id,
            description,
            amount,
            vat,
            account_reference,
            extra2,
            extra3,
            ledger_description,
        });
    }
    Ok(Statement { lines })
}
