//! Applicants and their POPIA consents (s11, s69): each consent keeps its purpose, the text
//! version shown, the time and the channel; a withdrawal is a new row, never an edit.

use chrono::{DateTime, NaiveDate, Utc};
use pocket_domain::Msisdn;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Result, found};

text_enum! {
    /// Why the applicant agreed to something; each purpose is a separate consent.
    pub enum ConsentPurpose {
        BureauEnquiry => "bureau_enquiry",
        Processing => "processing",
        Marketing => "marketing",
        DebitOrder => "debit_order",
    }
}

text_enum! {
    /// Where something was entered: the public portal, a partner's API, or an officer.
    pub enum Channel {
        Portal => "portal",
        Partner => "partner",
        Officer => "officer",
    }
}

/// An applicant as stored. The mobile number is E.164 (`+27821234567`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub applicant_id: Uuid,
    pub msisdn: String,
    pub id_number: Option<String>,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub suburb: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub do_not_contact: bool,
    pub created_at: DateTime<Utc>,
}

impl Applicant {
    /// The mobile number as the domain type (the CHECK constraint keeps the column in E.164).
    pub fn mobile(&self) -> Msisdn {
        Msisdn::parse(&self.msisdn)
            .expect("BUG: the applicant_msisdn_format constraint keeps E.164")
    }
}

/// The personal details entered in step 3 of the journey.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub id_number: Option<String>,
    pub first_names: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub suburb: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
}

/// The applicant signed in with this mobile number, created on first sight (the mobile number is
/// the portal login).
pub async fn upsert_by_msisdn(conn: &mut PgConnection, msisdn: &Msisdn) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"insert into applicant (msisdn) values ($1)
           on conflict (msisdn) do update set msisdn = excluded.msisdn
           returning applicant_id"#,
        msisdn.as_e164()
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Creates an applicant with a full profile in one statement.
pub async fn create(conn: &mut PgConnection, msisdn: &Msisdn, profile: &Profile) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"insert into applicant (msisdn, id_number, first_names, surname, email, date_of_birth,
                                  address_line1, address_line2, suburb, city, postal_code)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           returning applicant_id"#,
        msisdn.as_e164(),
        profile.id_number,
        profile.first_names,
        profile.surname,
        profile.email,
        profile.date_of_birth,
        profile.address_line1,
        profile.address_line2,
        profile.suburb,
        profile.city,
        profile.postal_code,
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn update_profile(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    profile: &Profile,
) -> Result<()> {
    let done = sqlx::query!(
        r#"update applicant
           set id_number = $2, first_names = $3, surname = $4, email = $5, date_of_birth = $6,
               address_line1 = $7, address_line2 = $8, suburb = $9, city = $10, postal_code = $11
           where applicant_id = $1"#,
        applicant_id,
        profile.id_number,
        profile.first_names,
        profile.surname,
        profile.email,
        profile.date_of_birth,
        profile.address_line1,
        profile.address_line2,
        profile.suburb,
        profile.city,
        profile.postal_code,
    )
    .execute(conn)
    .await?;
    found((done.rows_affected() == 1).then_some(()), "applicant")
}

pub async fn get(conn: &mut PgConnection, applicant_id: Uuid) -> Result<Applicant> {
    let row = sqlx::query_as!(
        Applicant,
        r#"select applicant_id, msisdn, id_number, first_names, surname, email, date_of_birth,
                  address_line1, address_line2, suburb, city, postal_code, do_not_contact, created_at
           from applicant where applicant_id = $1"#,
        applicant_id
    )
    .fetch_optional(conn)
    .await?;
    found(row, "applicant")
}

pub async fn find_by_msisdn(conn: &mut PgConnection, msisdn: &Msisdn) -> Result<Option<Applicant>> {
    Ok(sqlx::query_as!(
        Applicant,
        r#"select applicant_id, msisdn, id_number, first_names, surname, email, date_of_birth,
                  address_line1, address_line2, suburb, city, postal_code, do_not_contact, created_at
           from applicant where msisdn = $1"#,
        msisdn.as_e164()
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn find_by_id_number(
    conn: &mut PgConnection,
    id_number: &str,
) -> Result<Option<Applicant>> {
    Ok(sqlx::query_as!(
        Applicant,
        r#"select applicant_id, msisdn, id_number, first_names, surname, email, date_of_birth,
                  address_line1, address_line2, suburb, city, postal_code, do_not_contact, created_at
           from applicant where id_number = $1"#,
        id_number
    )
    .fetch_optional(conn)
    .await?)
}

/// collections.md code 18 (deceased): stop all further contact.
pub async fn set_do_not_contact(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    value: bool,
) -> Result<()> {
    sqlx::query!(
        "update applicant set do_not_contact = $2 where applicant_id = $1",
        applicant_id,
        value
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A consent as recorded, with its withdrawal if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub consent_id: Uuid,
    pub applicant_id: Uuid,
    pub purpose: ConsentPurpose,
    pub text_version: String,
    pub channel: Channel,
    pub given_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    pub fn is_active(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

pub async fn record_consent(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    purpose: ConsentPurpose,
    text_version: &str,
    channel: Channel,
) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"insert into consent (applicant_id, purpose, text_version, channel)
           values ($1, $2, $3, $4) returning consent_id"#,
        applicant_id,
        purpose.as_str(),
        text_version,
        channel.as_str(),
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn withdraw_consent(
    conn: &mut PgConnection,
    consent_id: Uuid,
    channel: Channel,
) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"insert into consent_withdrawal (consent_id, channel) values ($1, $2)
           returning consent_withdrawal_id"#,
        consent_id,
        channel.as_str(),
    )
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Every consent of an applicant, oldest first, withdrawn ones included.
pub async fn consents(conn: &mut PgConnection, applicant_id: Uuid) -> Result<Vec<Consent>> {
    Ok(sqlx::query_as!(
        Consent,
        r#"select c.consent_id, c.applicant_id, c.purpose as "purpose: ConsentPurpose",
                  c.text_version, c.channel as "channel: Channel", c.given_at,
                  w.withdrawn_at as "withdrawn_at?"
           from consent c
           left join consent_withdrawal w on w.consent_id = c.consent_id
           where c.applicant_id = $1
           order by c.seq"#,
        applicant_id
    )
    .fetch_all(conn)
    .await?)
}

/// The newest consent for a purpose that has not been withdrawn.
pub async fn active_consent(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    purpose: ConsentPurpose,
) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"select c.consent_id from consent c
           where c.applicant_id = $1 and c.purpose = $2
             and not exists (select from consent_withdrawal w where w.consent_id = c.consent_id)
           order by c.seq desc limit 1"#,
        applicant_id,
        purpose.as_str()
    )
    .fetch_optional(conn)
    .await?)
}
