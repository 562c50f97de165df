//! The loan ledger: postings, the balance as their sum, a breakdown by component, and the in
//! duplum rule.
//!
//! # Sign convention
//! Every posting carries a positive amount; its kind says which way it goes. **Debits raise
//! what the consumer owes** (disbursement, fees, VAT, interest, reversals of payments, refunds
//! paid out to the consumer); **credits lower it** (collections, manual payments, write-offs).
//! The balance is the sum of debits minus credits; a negative balance means the lender owes the
//! consumer (an overpayment), which a refund brings back to zero.
//!
//! # In duplum
//! NCA s103(5) (credit-law.md, verify section): interest and fees that accrue while the consumer
//! is in default may not, in aggregate, exceed the unpaid balance at the time of default. The
//! ledger records the balance when default starts ([`Ledger::mark_default`]) and
//! [`Ledger::accrue`] posts only what still fits, reporting the part it withheld. Charges can only
//! be posted through `accrue`, so no posting path can exceed the limit. (The Act's own words may
//! mean the unpaid *principal debt* only, which is lower: verify with counsel; the limit is one
//! figure recorded at default, so changing the rule is one line.) Curing the default and
//! defaulting again starts a new period with a new limit (verify).

use std::fmt;

use chrono::NaiveDate;

use crate::money::{Money, Overflow};

/// What a posting is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingKind {
    /// The principal paid out (debit, principal).
    Disbursement,
    /// The initiation fee (debit, fees).
    InitiationFee,
    /// A service fee (debit, fees).
    ServiceFee,
    /// VAT on fees (debit, fees).
    Vat,
    /// Interest (debit, interest).
    InterestAccrual,
    /// A default administration charge, lawful under s101 (debit, fees).
    DefaultAdministrationCharge,
    /// Collection costs, lawful under s101 (debit, fees).
    CollectionCost,
    /// A debit order collected (credit).
    Collection,
    /// A collection that came back unpaid or disputed after it was recorded (debit).
    CollectionReversal,
    /// A payment by EFT or at a branch (credit).
    ManualPayment,
    /// A manual payment that bounced or was captured in error (debit).
    ManualPaymentReversal,
    /// A balance written off (credit).
    WriteOff,
    /// Money paid back to the consumer, after an overpayment (debit).
    Refund,
}

/// Which way a posting moves the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Raises what the consumer owes.
    Debit,
    /// Lowers what the consumer owes.
    Credit,
}

/// The part of the debt a charge belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// The principal debt.
    Principal,
    /// Fees, charges and the VAT on them.
    Fees,
    /// Interest.
    Interest,
}

impl PostingKind {
    /// The direction of the kind (see the module's sign convention).
    pub fn direction(self) -> Direction {
        match self {
            Self::Collection | Self::ManualPayment | Self::WriteOff => Direction::Credit,
            _ => Direction::Debit,
        }
    }

    /// The component a charge builds up; `None` for payments and their reversals.
    pub fn component(self) -> Option<Component> {
        match self {
            Self::Disbursement => Some(Component::Principal),
            Self::InitiationFee
            | Self::ServiceFee
            | Self::Vat
            | Self::DefaultAdministrationCharge
            | Self::CollectionCost => Some(Component::Fees),
            Self::InterestAccrual => Some(Component::Interest),
            _ => None,
        }
    }

    /// Whether the kind is a cost of credit that in duplum limits (NCA s101(1)(b)-(g) charges:
    /// fees, interest, default administration charges, collection costs, and VAT on them).
    pub fn is_charge(self) -> bool {
        matches!(self.component(), Some(Component::Fees | Component::Interest))
    }
}

/// A ledger entry. The amount is positive; the kind gives the direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Posting {
    kind: PostingKind,
    amount: Money,
    effective: NaiveDate,
    reference: String,
}

impl Posting {
    /// A posting, checked: the amount is positive and the reference names its cause
    /// (collections.md rule 5).
    pub fn new(
        kind: PostingKind,
        amount: Money,
        effective: NaiveDate,
        reference: impl Into<String>,
    ) -> Result<Posting, LedgerError> {
        let reference = reference.into();
        if !amount.is_positive() {
            return Err(LedgerError::AmountNotPositive);
        }
        if reference.trim().is_empty() {
            return Err(LedgerError::MissingReference);
        }
        Ok(Posting { kind, amount, effective, reference })
    }

    /// The kind.
    pub fn kind(&self) -> PostingKind {
        self.kind
    }

    /// The (positive) amount.
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// The effective date.
    pub fn effective(&self) -> NaiveDate {
        self.effective
    }

    /// What caused the posting (a presentment id, a payment reference, an accrual run).
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The amount with its sign: positive for debits, negative for credits.
    pub fn signed_amount(&self) -> Money {
        match self.kind.direction() {
            Direction::Debit => self.amount,
            Direction::Credit => {
                self.amount.checked_neg().expect("BUG: a positive amount can be negated")
            }
        }
    }
}

/// Why a posting was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    /// A posting's amount must be above zero.
    AmountNotPositive,
    /// A posting must say what caused it.
    MissingReference,
    /// Charges go through [`Ledger::accrue`], which applies in duplum.
    ChargeMustBeAccrued(PostingKind),
    /// Only charges are accrued.
    NotACharge(PostingKind),
    /// The loan is already in default.
    AlreadyInDefault,
    /// Nothing is owed, so the loan cannot be in default.
    NothingUnpaid,
    /// An amount was too large to calculate with.
    Overflow,
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AmountNotPositive => f.write_str("a posting's amount must be more than zero"),
            Self::MissingReference => f.write_str("a posting must say what caused it"),
            Self::ChargeMustBeAccrued(kind) => {
                write!(f, "{kind:?} is a charge and must be accrued, so the in duplum rule applies")
            }
            Self::NotACharge(kind) => write!(f, "{kind:?} is not a charge and cannot be accrued"),
            Self::AlreadyInDefault => f.write_str("the loan is already in default"),
            Self::NothingUnpaid => f.write_str("nothing is owed, so the loan cannot be in default"),
            Self::Overflow => f.write_str("an amount was too large to calculate with"),
        }
    }
}

impl std::error::Error for LedgerError {}

impl From<Overflow> for LedgerError {
    fn from(_: Overflow) -> Self {
        LedgerError::Overflow
    }
}

/// A default period and its in duplum limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DefaultPeriod {
    /// The first day of default.
    pub since: NaiveDate,
    /// The unpaid balance when default started: the most that may accrue in this period.
    pub limit: Money,
    /// What has accrued in this period so far.
    pub accrued: Money,
}

/// What an accrual did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Accrual {
    /// The amount asked for.
    pub requested: Money,
    /// The amount posted.
    pub posted: Money,
    /// The amount withheld by the in duplum rule.
    pub withheld: Money,
}

impl Accrual {
    /// Whether the in duplum rule held anything back.
    pub fn clamped(&self) -> bool {
        self.withheld.is_positive()
    }
}

/// What is owed, by component. `principal + fees + interest + unallocated` is the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Breakdown {
    /// Unpaid principal.
    pub principal: Money,
    /// Unpaid fees, charges and VAT.
    pub fees: Money,
    /// Unpaid interest.
    pub interest: Money,
    /// Negative when the consumer has paid more than owed (a credit balance); positive when
    /// reversals and refunds exceed payments received.
    pub unallocated: Money,
}

/// The postings of one loan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ledger {
    postings: Vec<Posting>,
    balance: Money,
    default: Option<DefaultPeriod>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// The postings in the order they were made.
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// The balance: the sum of the postings' signed amounts (collections.md rule 5).
    pub fn balance(&self) -> Money {
        let sum = Money::checked_sum(self.postings.iter().map(Posting::signed_amount))
            .expect("BUG: every prefix sum was checked when posted");
        debug_assert_eq!(sum, self.balance, "BUG: the running balance drifted from the postings");
        sum
    }

    /// The current default period, if the loan is in default.
    pub fn default_period(&self) -> Option<&DefaultPeriod> {
        self.default.as_ref()
    }

    fn push(&mut self, posting: Posting) -> Result<(), LedgerError> {
        self.balance = self.balance.checked_add(posting.signed_amount())?;
        self.postings.push(posting);
        Ok(())
    }

    /// Posts a principal, payment, reversal, write-off or refund. Charges go through
    /// [`Ledger::accrue`].
    pub fn post(&mut self, posting: Posting) -> Result<(), LedgerError> {
        if posting.kind.is_charge() {
            return Err(LedgerError::ChargeMustBeAccrued(posting.kind));
        }
        self.push(posting)
    }

    /// Posts a charge (fee, VAT, interest, default administration charge, collection cost),
    /// holding back whatever the in duplum rule does not allow, and says what it did.
    pub fn accrue(
        &mut self,
        kind: PostingKind,
        amount: Money,
        effective: NaiveDate,
        reference: impl Into<String>,
    ) -> Result<Accrual, LedgerError> {
        if !kind.is_charge() {
            return Err(LedgerError::NotACharge(kind));
        }
        let posting = Posting::new(kind, amount, effective, reference)?;
        let posted = match &self.default {
            // NCA s103(5) (credit-law.md, verify section): while in default, charges stop once
            // they equal the unpaid balance at the time of default.
            Some(period) => {
                let room = period.limit.checked_sub(period.accrued)?.max(Money::ZERO);
                amount.min(room)
            }
            None => amount,
        };
        if posted.is_positive() {
            self.push(Posting { amount: posted, ..posting })?;
            if let Some(period) = &mut self.default {
                period.accrued = period.accrued.checked_add(posted)?;
            }
        }
        Ok(Accrual { requested: amount, posted, withheld: amount.checked_sub(posted)? })
    }

    /// Records that the consumer is in default from `since`; the unpaid balance now becomes the
    /// in duplum limit.
    pub fn mark_default(&mut self, since: NaiveDate) -> Result<DefaultPeriod, LedgerError> {
        if self.default.is_some() {
            return Err(LedgerError::AlreadyInDefault);
        }
        let balance = self.balance();
        if !balance.is_positive() {
            return Err(LedgerError::NothingUnpaid);
        }
        let period = DefaultPeriod { since, limit: balance, accrued: Money::ZERO };
        self.default = Some(period);
        Ok(period)
    }

    /// Records that the default is cured (the arrears were paid).
    pub fn cure_default(&mut self) {
        self.default = None;
    }

    /// What is owed by component. Payments are allocated to interest first, then fees and
    /// charges, then principal (NCA s126(3), verify), over the whole history, so a reversal
    /// simply undoes its payment's allocation.
    pub fn breakdown(&self) -> Breakdown {
        let mut charged = [Money::ZERO; 3];
        let mut paid = Money::ZERO;
        for posting in &self.postings {
            let slot = match posting.kind.component() {
                Some(Component::Principal) => Some(0),
                Some(Component::Fees) => Some(1),
                Some(Component::Interest) => Some(2),
                None => None,
            };
            match slot {
                Some(i) => {
                    charged[i] = charged[i]
                        .checked_add(posting.amount)
                        .expect("BUG: a component is at most the checked balance's debits");
                }
                // Payments are negative signed amounts, reversals and refunds positive.
                None => {
                    paid = paid
                        .checked_sub(posting.signed_amount())
                        .expect("BUG: payments are bounded by the checked postings");
                }
            }
        }
        let [principal, fees, interest] = charged;
        let mut remaining = paid.max(Money::ZERO);
        let mut settle = |owed: Money| {
            let applied = owed.min(remaining);
            remaining = remaining.checked_sub(applied).expect("BUG: applied is at most remaining");
            owed.checked_sub(applied).expect("BUG: applied is at most owed")
        };
        let interest = settle(interest);
        let fees = settle(fees);
        let principal = settle(principal);
        let unallocated = if paid.is_negative() {
            paid.checked_neg().expect("BUG: a checked sum can be negated")
        } else {
            remaining.checked_neg().expect("BUG: a checked sum can be negated")
        };
        Breakdown { principal, fees, interest, unallocated }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn rands(r: i64) -> Money {
        Money::from_rands(r)
    }

    fn post(ledger: &mut Ledger, kind: PostingKind, amount: Money) {
        let posting = Posting::new(kind, amount, date(2026, 3, 2), "test").expect("valid");
        ledger.post(posting).expect("posted");
    }

    #[test]
    fn the_balance_is_the_sum_of_debits_less_credits() {
        let mut ledger = Ledger::new();
        post(&mut ledger, PostingKind::Disbursement, rands(1_000));
        ledger.accrue(PostingKind::InitiationFee, rands(150), date(2026, 3, 2), "fee").expect("ok");
        ledger
            .accrue(PostingKind::InterestAccrual, rands(50), date(2026, 4, 1), "int")
            .expect("ok");
        post(&mut ledger, PostingKind::Collection, rands(400));
        assert_eq!(ledger.balance(), rands(800));
        let b = ledger.breakdown();
        // R400 pays the R50 interest, the R150 fee, and R200 of principal.
        assert_eq!(
            (b.interest, b.fees, b.principal, b.unallocated),
            (rands(0), rands(0), rands(800), rands(0))
        );
    }

    #[test]
    fn a_reversal_undoes_a_collection() {
        let mut ledger = Ledger::new();
        post(&mut ledger, PostingKind::Disbursement, rands(1_000));
        post(&mut ledger, PostingKind::Collection, rands(1_000));
        assert!(ledger.balance().is_zero());
        post(&mut ledger, PostingKind::CollectionReversal, rands(1_000));
        assert_eq!(ledger.balance(), rands(1_000));
        assert_eq!(ledger.breakdown().principal, rands(1_000));
    }

    #[test]
    fn an_overpayment_is_a_negative_balance_that_a_refund_clears() {
        let mut ledger = Ledger::new();
        post(&mut ledger, PostingKind::Disbursement, rands(1_000));
        post(&mut ledger, PostingKind::ManualPayment, rands(1_000));
        post(&mut ledger, PostingKind::Collection, rands(1_000));
        assert_eq!(ledger.balance(), rands(-1_000));
        assert_eq!(ledger.breakdown().unallocated, rands(-1_000));
        post(&mut ledger, PostingKind::Refund, rands(1_000));
        assert!(ledger.balance().is_zero());
    }

    #[test]
    fn charges_must_be_accrued_and_postings_need_a_reference() {
        let mut ledger = Ledger::new();
        let fee =
            Posting::new(PostingKind::ServiceFee, rands(60), date(2026, 3, 2), "fee").expect("ok");
        assert_eq!(
            ledger.post(fee),
            Err(LedgerError::ChargeMustBeAccrued(PostingKind::ServiceFee))
        );
        assert_eq!(
            Posting::new(PostingKind::Collection, rands(1), date(2026, 3, 2), " "),
            Err(LedgerError::MissingReference)
        );
        assert_eq!(
            Posting::new(PostingKind::Collection, rands(0), date(2026, 3, 2), "x"),
            Err(LedgerError::AmountNotPositive)
        );
    }

    #[test]
    fn in_duplum_stops_charges_at_the_unpaid_balance_at_default() {
        let mut ledger = Ledger::new();
        post(&mut ledger, PostingKind::Disbursement, rands(1_000));
        ledger.accrue(PostingKind::InitiationFee, rands(150), date(2026, 3, 2), "fee").expect("ok");
        let period = ledger.mark_default(date(2026, 4, 1)).expect("in default");
        assert_eq!(period.limit, rands(1_150));
        for month in 0..20 {
            let accrual = ledger
                .accrue(
                    PostingKind::InterestAccrual,
                    rands(100),
                    date(2026, 5, 1),
                    format!("m{month}"),
                )
                .expect("ok");
            assert!(accrual.posted <= rands(100));
        }
        assert_eq!(ledger.default_period().map(|p| p.accrued), Some(rands(1_150)));
        assert_eq!(ledger.balance(), rands(2_300));
        let last = ledger
            .accrue(PostingKind::CollectionCost, rands(10), date(2026, 12, 1), "cost")
            .expect("ok");
        assert!(last.clamped());
        assert_eq!(last.posted, Money::ZERO);
    }
}
