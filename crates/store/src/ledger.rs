//! The loan ledger (collections.md rule 5): append-only postings whose sign matches their kind;
//! corrections are reversals that point at the posting they undo. The loan's balance is kept equal
//! to the sum of its postings by a trigger.

use chrono::{DateTime, NaiveDate, Utc};
use pocket_domain::Money;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    /// Charges are positive (the consumer owes more), credits negative; a reversal negates its
    /// target. NCA s101 lists the only lawful charges.
    pub enum PostingKind {
        Principal => "principal",
        InitiationFee => "initiation_fee",
        ServiceFee => "service_fee",
        Interest => "interest",
        Vat => "vat",
        DefaultCharge => "default_charge",
        CollectionCost => "collection_cost",
        Refund => "refund",
        Collection => "collection",
        Payment => "payment",
        Waiver => "waiver",
        WriteOff => "write_off",
        Reversal => "reversal",
    }
}

impl PostingKind {
    /// Whether postings of this kind are positive (charges); `None` for reversals.
    pub fn is_charge(self) -> Option<bool> {
        match self {
            PostingKind::Principal
            | PostingKind::InitiationFee
            | PostingKind::ServiceFee
            | PostingKind::Interest
            | PostingKind::Vat
            | PostingKind::DefaultCharge
            | PostingKind::CollectionCost
            | PostingKind::Refund => Some(true),
            PostingKind::Collection
            | PostingKind::Payment
            | PostingKind::Waiver
            | PostingKind::WriteOff => Some(false),
            PostingKind::Reversal => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPosting {
    pub loan_id: Uuid,
    pub kind: PostingKind,
    /// Signed: positive for charges, negative for credits.
    pub amount: Money,
    pub effective_date: NaiveDate,
    pub instalment_id: Option<Uuid>,
    pub presentment_id: Option<Uuid>,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub ledger_posting_id: Uuid,
    pub seq: i64,
    pub loan_id: Uuid,
    pub kind: PostingKind,
    pub amount_cents: i64,
    pub effective_date: NaiveDate,
    pub instalment_id: Option<Uuid>,
    pub presentment_id: Option<Uuid>,
    pub reverses_posting_id: Option<Uuid>,
    pub reference: String,
    pub login_role: String,
    pub posted_at: DateTime<Utc>,
}

pub async fn post(conn: &mut PgConnection, p: &NewPosting) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"insert into ledger_posting (loan_id, kind, amount_cents, effective_date, instalment_id,
                                       presentment_id, reference)
           values ($1, $2, $3, $4, $5, $6, $7) returning ledger_posting_id"#,
        p.loan_id,
        p.kind.as_str(),
        p.amount.cents(),
        p.effective_date,
        p.instalment_id,
        p.presentment_id,
        p.reference,
    )
    .fetch_one(conn)
    .await?)
}

/// Reverses one posting with its exact negation (for example a disputed collection, code 30/32).
pub async fn reverse(
    conn: &mut PgConnection,
    posting_id: Uuid,
    effective_date: NaiveDate,
    reference: &str,
) -> Result<Uuid> {
    let row = sqlx::query_scalar!(
        r#"insert into ledger_posting (loan_id, kind, amount_cents, effective_date, instalment_id,
                                       presentment_id, reverses_posting_id, reference)
           select loan_id, 'reversal', -amount_cents, $2, instalment_id, presentment_id, ledger_posting_id, $3
           from ledger_posting where ledger_posting_id = $1
           returning ledger_posting_id"#,
        posting_id,
        effective_date,
        reference
    )
    .fetch_optional(conn)
    .await?;
    found(row, "ledger posting")
}

pub async fn postings(conn: &mut PgConnection, loan_id: Uuid) -> Result<Vec<Posting>> {
    Ok(sqlx::query_as!(
        Posting,
        r#"select ledger_posting_id, seq, loan_id, kind as "kind: PostingKind", amount_cents, effective_date,
                  instalment_id, presentment_id, reverses_posting_id, reference, login_role, posted_at
           from ledger_posting where loan_id = $1 order by seq"#,
        loan_id
    )
    .fetch_all(conn)
    .await?)
}

/// The loan's stored balance and the sum of its postings; the two are always equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub stored_cents: i64,
    pub postings_cents: i64,
}

impl Posting {
    pub fn amount(&self) -> Money {
        Money::from_cents(self.amount_cents)
    }
}

impl Balance {
    /// The balance the loan row holds.
    pub fn stored(&self) -> Money {
        Money::from_cents(self.stored_cents)
    }

    /// The sum of the loan's postings.
    pub fn postings(&self) -> Money {
        Money::from_cents(self.postings_cents)
    }
}

pub async fn balance(conn: &mut PgConnection, loan_id: Uuid) -> Result<Balance> {
    let row = sqlx::query_as!(
        Balance,
        r#"select l.balance_cents as stored_cents,
                  coalesce((select sum(p.amount_cents) from ledger_posting p where p.loan_id = l.loan_id), 0)::bigint
                      as "postings_cents!"
           from loan l where l.loan_id = $1"#,
        loan_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "loan")
}

/// Loans whose stored balance differs from the sum of their postings (should always be empty).
pub async fn unbalanced_loans(conn: &mut PgConnection) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"select l.loan_id from loan l
           left join (select loan_id, sum(amount_cents) as total from ledger_posting group by loan_id) p
                  on p.loan_id = l.loan_id
           where l.balance_cents <> coalesce(p.total, 0)"#
    )
    .fetch_all(conn)
    .await?)
}
