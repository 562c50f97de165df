//! The H/K/T/F batch file built from typed debit orders (netcash-niws.md, "Batch file").

use std::fmt::Write as _;

use chrono::NaiveDate;
use pocket_domain::{AccountNumber, AccountType, BranchCode, Money};

use super::ServiceKey;

/// Why a debit order or a batch cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// netcash-niws.md, field 101: 2-22 characters.
    #[error("an account reference has 2 to 22 characters, found {found}")]
    AccountReferenceLength {
        /// How many characters it had.
        found: usize,
    },
    /// A text field is empty or holds a tab, line break or other control character.
    #[error("the {field} must be non-empty text without tabs, line breaks or control characters")]
    Text {
        /// Which field.
        field: &'static str,
    },
    /// Debit orders collect positive amounts.
    #[error("a debit order amount must be positive, found {cents} cents")]
    AmountNotPositive {
        /// The amount in cents.
        cents: i64,
    },
    /// The footer sum does not fit.
    #[error("the batch total overflows")]
    TotalOverflow,
}

fn clean_text(text: &str, field: &'static str) -> Result<(), BatchError> {
    if text.trim().is_empty() || text.chars().any(char::is_control) {
        return Err(BatchError::Text { field });
    }
    Ok(())
}

/// Field 101, the account reference: the presentment id, so results match back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountReference(String);

impl AccountReference {
    /// netcash-niws.md: 101 account reference, 2-22 characters.
    pub fn parse(text: &str) -> Result<AccountReference, BatchError> {
        let found = text.chars().count();
        if !(2..=22).contains(&found) {
            return Err(BatchError::AccountReferenceLength { found });
        }
        clean_text(text, "account reference")?;
        Ok(AccountReference(text.to_owned()))
    }

    /// The reference as written in the file.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One debit order to present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitOrder {
    /// Field 101: the presentment id.
    pub account_reference: AccountReference,
    /// Field 102: the customer's name on our books.
    pub account_name: String,
    /// Field 132: the bank account holder's name.
    pub holder: String,
    /// Field 133.
    pub account_type: AccountType,
    /// Field 134.
    pub branch_code: BranchCode,
    /// Field 136.
    pub account_number: AccountNumber,
    /// Field 162, in cents.
    pub amount: Money,
}

/// netcash-niws.md: `SameDay`, `TwoDay`, or `Mandates` for DebiCheck mandate requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instruction {
    /// Same-day debit orders.
    SameDay,
    /// Two-day debit orders.
    TwoDay,
    /// DebiCheck mandate requests: one T line per mandate, field 101 the contract reference and
    /// field 162 the maximum collection amount (verify against the provider's mandate layout).
    Mandates,
}

impl Instruction {
    fn as_str(self) -> &'static str {
        match self {
            Instruction::SameDay => "SameDay",
            Instruction::TwoDay => "TwoDay",
            Instruction::Mandates => "Mandates",
        }
    }
}

/// A batch of debit orders for one action date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    name: String,
    instruction: Instruction,
    action_date: NaiveDate,
    orders: Vec<DebitOrder>,
    total: Money,
}

/// netcash-niws.md: the K record, the field ids in the order of the T columns.
const KEY_FIELDS: &str = "101\t102\t131\t132\t133\t134\t135\t136\t162";

impl Batch {
    /// An empty batch named `LOANS-<CCYYMMDD>-<sequence>`. netcash-niws.md: the provider has no
    /// duplicate-batch protection, so the name must be deterministic and unique; the caller owns
    /// the sequence (one per action date).
    pub fn new(instruction: Instruction, action_date: NaiveDate, sequence: u32) -> Batch {
        Batch::named(
            format!("LOANS-{}-{sequence}", action_date.format("%Y%m%d")),
            instruction,
            action_date,
        )
    }

    /// An empty batch with a name the caller made deterministic and unique (for example a
    /// mandate request named after its contract reference).
    pub fn named(name: String, instruction: Instruction, action_date: NaiveDate) -> Batch {
        Batch { name, instruction, action_date, orders: Vec::new(), total: Money::ZERO }
    }

    /// Adds a debit order, checking what the types alone do not.
    pub fn push(&mut self, order: DebitOrder) -> Result<(), BatchError> {
        clean_text(&order.account_name, "account name")?;
        clean_text(&order.holder, "account holder name")?;
        if !order.amount.is_positive() {
            return Err(BatchError::AmountNotPositive { cents: order.amount.cents() });
        }
        self.total = self.total.checked_add(order.amount).map_err(|_| BatchError::TotalOverflow)?;
        self.orders.push(order);
        Ok(())
    }

    /// The batch name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The action date.
    pub fn action_date(&self) -> NaiveDate {
        self.action_date
    }

    /// The debit orders in file order (line `n + 3` of the file is `orders()[n]`).
    pub fn orders(&self) -> &[DebitOrder] {
        &self.orders
    }

    /// The sum of the amounts (the footer's sum).
    pub fn total(&self) -> Money {
        self.total
    }

    /// The file, one record a line, fields separated by tabs.
    pub fn file(&self, service_key: &ServiceKey, vendor_key: &str) -> String {
        let mut out = String::with_capacity(128 + self.orders.len() * 96);
        self.write_file(service_key, vendor_key, &mut out);
        out
    }

    /// Writes the file into `out`.
    pub fn write_file(&self, service_key: &ServiceKey, vendor_key: &str, out: &mut String) {
        // Writing to a String cannot fail.
        // netcash-niws.md: `H, ServiceKey, 1, Instruction, BatchName, ActionDate, VendorKey`.
        let _ = write!(
            out,
            "H\t{}\t1\t{}\t{}\t{}\t{vendor_key}\nK\t{KEY_FIELDS}\n",
            service_key.expose(),
            self.instruction.as_str(),
            self.name,
            self.action_date.format("%Y%m%d"),
        );
        for o in &self.orders {
            // netcash-niws.md: 131 banking detail type 1 = bank account; 135 filler 0.
            let _ = writeln!(
                out,
                "T\t{}\t{}\t1\t{}\t{}\t{}\t0\t{}\t{}",
                o.account_reference,
                o.account_name,
                o.holder,
                o.account_type.code(),
                o.branch_code,
                o.account_number,
                o.amount.cents(),
            );
        }
        // netcash-niws.md: `F, count, sum of cents, 9999`.
        let _ = write!(out, "F\t{}\t{}\t9999", self.orders.len(), self.total.cents());
    }
}
