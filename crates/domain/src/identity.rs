//! Identity, contact and bank details of a South African consumer, parsed at the edge.
//!
//! Every type here has a private field and a `parse` that returns `Result`: a value that exists
//! is valid, so no other code checks it again.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// Removes every whitespace character: people type ID numbers in groups ("750330 5044 089").
fn strip_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether the Luhn check passes over all the digits given (the last one is the check digit).
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A South African identity number: 13 digits `YYMMDD SSSS C A Z` (identity.md).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SaIdNumber {
    digits: [u8; 13],
    birth_date: NaiveDate,
}

/// The gender encoded in an ID number's sequence digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Sequence 0000-4999.
    Female,
    /// Sequence 5000-9999.
    Male,
}

/// The citizenship digit of an ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Citizenship {
    /// Digit 0.
    Citizen,
    /// Digit 1.
    PermanentResident,
    /// Digit 2, seen in some references (verify).
    Refugee,
}

/// Why text is not a valid SA ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdNumberError {
    /// Something other than digits and spaces.
    NotDigits,
    /// Not 13 digits.
    WrongLength {
        /// How many digits were found.
        found: usize,
    },
    /// YYMMDD is not a date in any century.
    NoSuchDate,
    /// The date of birth would be after the reference date in every century.
    BornInTheFuture,
    /// The citizenship digit is not 0, 1 or 2.
    UnknownCitizenship(u8),
    /// The twelfth digit is not 8 or 9.
    UnexpectedTwelfthDigit(u8),
    /// The Luhn check digit does not match.
    WrongCheckDigit,
}

impl fmt::Display for IdNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotDigits => f.write_str("an ID number has only digits"),
            Self::WrongLength { found } => {
                write!(f, "an ID number has 13 digits, but this one has {found}")
            }
            Self::NoSuchDate => f.write_str("the date of birth in the ID number does not exist"),
            Self::BornInTheFuture => {
                f.write_str("the date of birth in the ID number is in the future")
            }
            Self::UnknownCitizenship(d) => {
                write!(f, "the ID number's citizenship digit is {d}, but it must be 0, 1 or 2")
            }
            Self::UnexpectedTwelfthDigit(d) => {
                write!(f, "the ID number's twelfth digit is {d}, but it must be 8 or 9")
            }
            Self::WrongCheckDigit => f.write_str("the ID number's check digit is wrong"),
        }
    }
}

impl std::error::Error for IdNumberError {}

impl SaIdNumber {
    /// Parses an ID number, choosing the century of the birth date relative to `today`.
    ///
    /// identity.md: the century is ambiguous, so the birth date is the most recent one that is
    /// not after `today` (which makes the person younger than 100). Whitespace anywhere is
    /// ignored.
    pub fn parse(text: &str, today: NaiveDate) -> Result<SaIdNumber, IdNumberError> {
        let compact = strip_whitespace(text);
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(IdNumberError::NotDigits);
        }
        if compact.len() != 13 {
            return Err(IdNumberError::WrongLength { found: compact.len() });
        }
        let mut digits = [0u8; 13];
        for (slot, byte) in digits.iter_mut().zip(compact.bytes()) {
            *slot = byte - b'0';
        }
        let number = |range: std::ops::Range<usize>| {
            digits[range].iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d))
        };
        let (yy, month, day) = (number(0..2), number(2..4), number(4..6));
        let birth_date = Self::birth_date_for(yy, month, day, today)?;
        // identity.md: C is 0 citizen, 1 permanent resident, 2 refugee (verify).
        if digits[10] > 2 {
            return Err(IdNumberError::UnknownCitizenship(digits[10]));
        }
        // identity.md: A was a race digit and is now normally 8; 8 and 9 are accepted.
        if digits[11] != 8 && digits[11] != 9 {
            return Err(IdNumberError::UnexpectedTwelfthDigit(digits[11]));
        }
        // identity.md: Z is a Luhn check digit over the first 12 digits.
        if !luhn_valid(&digits) {
            return Err(IdNumberError::WrongCheckDigit);
        }
        Ok(SaIdNumber { digits, birth_date })
    }

    fn birth_date_for(
        yy: u32,
        month: u32,
        day: u32,
        today: NaiveDate,
    ) -> Result<NaiveDate, IdNumberError> {
        let yy = i32::try_from(yy).expect("BUG: two digits fit an i32");
        let this_century = today.year().div_euclid(100) * 100;
        let mut exists_somewhere = false;
        // The most recent century first; a 29 February can exist in one century and not the next.
        for century in [this_century, this_century - 100] {
            if let Some(date) = NaiveDate::from_ymd_opt(century + yy, month, day) {
                exists_somewhere = true;
                if date <= today {
                    return Ok(date);
                }
            }
        }
        if exists_somewhere {
            Err(IdNumberError::BornInTheFuture)
        } else {
            Err(IdNumberError::NoSuchDate)
        }
    }

    /// The date of birth.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Completed years of age on `date` (zero before the birth date). Someone born on
    /// 29 February turns a year older on 1 March in other years.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        let born = self.birth_date;
        if date <= born {
            return 0;
        }
        let mut years = date.year() - born.year();
        if (date.month(), date.day()) < (born.month(), born.day()) {
            years -= 1;
        }
        u32::try_from(years).expect("BUG: the date is after the birth date")
    }

    /// Gender from the sequence digits SSSS (identity.md: 0000-4999 female, 5000-9999 male).
    pub fn gender(&self) -> Gender {
        if self.digits[6] >= 5 { Gender::Male } else { Gender::Female }
    }

    /// Citizenship from digit C (identity.md).
    pub fn citizenship(&self) -> Citizenship {
        match self.digits[10] {
            0 => Citizenship::Citizen,
            1 => Citizenship::PermanentResident,
            2 => Citizenship::Refugee,
            other => panic!("BUG: parse accepted citizenship digit {other}"),
        }
    }

    /// The 13 digits.
    pub fn as_digits(&self) -> String {
        self.digits.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The ID number with everything after the date of birth hidden, for logs and error reports
    /// (POPIA s19: no personal information in error reports).
    pub fn masked(&self) -> String {
        let digits = self.as_digits();
        format!("{}*******", &digits[..6])
    }
}

impl fmt::Debug for SaIdNumber {
    /// Masked, so that a debug print in a log does not leak the whole number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SaIdNumber({})", self.masked())
    }
}

impl fmt::Display for SaIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_digits())
    }
}

/// A South African mobile number, stored in E.164 form (`+27821234567`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msisdn {
    /// The nine digits after the country code.
    national: String,
}

/// Why text is not a South African mobile number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsisdnError {
    /// A character other than digits, spaces, `-`, `(`, `)` and a leading `+`.
    InvalidCharacter(char),
    /// An international number for another country.
    NotSouthAfrican,
    /// The wrong number of digits.
    WrongLength,
    /// A South African number that is not a mobile number (a landline, say).
    NotAMobileNumber,
}

impl fmt::Display for MsisdnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCharacter(c) => {
                write!(f, "the cellphone number contains '{c}', which is not allowed")
            }
            Self::NotSouthAfrican => f.write_str("the cellphone number is not a South African one"),
            Self::WrongLength => f.write_str("a cellphone number has 10 digits, like 082 123 4567"),
            Self::NotAMobileNumber => f.write_str(
                "the number is not a cellphone number (it should start with 06, 07 or 08)",
            ),
        }
    }
}

impl std::error::Error for MsisdnError {}

impl Msisdn {
    /// Parses `0821234567`, `082 123 4567`, `+27 82 123 4567`, `27821234567`, `082-123-4567`,
    /// `(082) 123 4567` and `0027821234567`.
    pub fn parse(text: &str) -> Result<Msisdn, MsisdnError> {
        let trimmed = text.trim();
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
                other => return Err(MsisdnError::InvalidCharacter(other)),
            }
        }
        let national = if international {
            digits.strip_prefix("27").ok_or(MsisdnError::NotSouthAfrican)?
        } else if let Some(rest) = digits.strip_prefix("0027") {
            rest
        } else if let Some(rest) = digits.strip_prefix("0") {
            if rest.starts_with('0') {
                // "00" is an international prefix for some other country.
                return Err(MsisdnError::NotSouthAfrican);
            }
            rest
        } else if digits.len() == 11 && digits.starts_with("27") {
            &digits[2..]
        } else {
            return Err(MsisdnError::WrongLength);
        };
        // People often keep the trunk 0 after the country code ("+27 082 ..."); it is not
        // part of the number.
        let national = match national.strip_prefix('0') {
            Some(rest) if national.len() == 10 => rest,
            _ => national,
        };
        // identity.md: 9 digits after the country code, starting with 6, 7 or 8.
        if national.len() != 9 {
            return Err(MsisdnError::WrongLength);
        }
        if !matches!(national.as_bytes()[0], b'6' | b'7' | b'8') {
            return Err(MsisdnError::NotAMobileNumber);
        }
        Ok(Msisdn { national: national.to_owned() })
    }

    /// E.164 form, `+27821234567`.
    pub fn as_e164(&self) -> String {
        format!("+27{}", self.national)
    }

    /// The digits Clickatell wants, without the plus: `27821234567` (identity.md).
    pub fn clickatell_digits(&self) -> String {
        format!("27{}", self.national)
    }

    /// The local form people recognise, `082 123 4567`.
    pub fn local_display(&self) -> String {
        let n = &self.national;
        format!("0{} {} {}", &n[..2], &n[2..5], &n[5..])
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+27{}", self.national)
    }
}

/// Why bank details are not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankDetailsError {
    /// A branch code is 6 digits.
    BranchCodeNotSixDigits,
    /// An account number has only digits.
    AccountNumberNotDigits,
    /// The account number is too short or too long.
    AccountNumberLength {
        /// How many digits were found.
        found: usize,
    },
    /// The account type code is not 1, 2 or 3.
    UnknownAccountType(String),
}

impl fmt::Display for BankDetailsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BranchCodeNotSixDigits => f.write_str("a branch code has exactly 6 digits"),
            Self::AccountNumberNotDigits => f.write_str("an account number has only digits"),
            Self::AccountNumberLength { found } => write!(
                f,
                "an account number has {}-{} digits, but this one has {found}",
                AccountNumber::MIN_DIGITS,
                AccountNumber::MAX_DIGITS
            ),
            Self::UnknownAccountType(code) => write!(
                f,
                "'{code}' is not an account type: use 1 for current, 2 for savings or 3 for transmission"
            ),
        }
    }
}

impl std::error::Error for BankDetailsError {}

/// A six-digit bank branch code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BranchCode([u8; 6]);

impl BranchCode {
    /// Parses six digits; spaces are ignored.
    pub fn parse(text: &str) -> Result<BranchCode, BankDetailsError> {
        let compact = strip_whitespace(text);
        if compact.len() != 6 || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BankDetailsError::BranchCodeNotSixDigits);
        }
        let mut digits = [0u8; 6];
        digits.copy_from_slice(compact.as_bytes());
        Ok(BranchCode(digits))
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("BUG: a branch code holds ASCII digits")
    }
}

impl fmt::Display for BranchCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bank account number: digits only, leading zeros kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountNumber(String);

impl AccountNumber {
    /// netcash-niws.md load report: "Bank account number has incorrect length (min 4, max 11
    /// characters)".
    pub const MIN_DIGITS: usize = 4;
    /// See [`AccountNumber::MIN_DIGITS`].
    pub const MAX_DIGITS: usize = 11;

    /// Parses an account number; spaces are ignored.
    pub fn parse(text: &str) -> Result<AccountNumber, BankDetailsError> {
        let compact = strip_whitespace(text);
        if !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BankDetailsError::AccountNumberNotDigits);
        }
        // Provider rule (netcash-niws.md): between 4 and 11 characters.
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&compact.len()) {
            return Err(BankDetailsError::AccountNumberLength { found: compact.len() });
        }
        Ok(AccountNumber(compact))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of bank account, with the codes of identity.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountType {
    /// Code 1.
    Current,
    /// Code 2.
    Savings,
    /// Code 3.
    Transmission,
}

impl AccountType {
    /// The numeric code: 1 current or cheque, 2 savings, 3 transmission (identity.md).
    pub fn code(self) -> u8 {
        match self {
            Self::Current => 1,
            Self::Savings => 2,
            Self::Transmission => 3,
        }
    }

    /// The account type for a code.
    pub fn from_code(code: u8) -> Result<AccountType, BankDetailsError> {
        match code {
            1 => Ok(Self::Current),
            2 => Ok(Self::Savings),
            3 => Ok(Self::Transmission),
            other => Err(BankDetailsError::UnknownAccountType(other.to_string())),
        }
    }

    /// Parses `"1"`, `"2"` or `"3"`.
    pub fn parse(text: &str) -> Result<AccountType, BankDetailsError> {
        match text.trim() {
            "1" => Ok(Self::Current),
            "2" => Ok(Self::Savings),
            "3" => Ok(Self::Transmission),
            other => Err(BankDetailsError::UnknownAccountType(other.to_owned())),
        }
    }
}

/// Banks whose universal branch codes are known (identity.md, all marked verify).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bank {
    /// ABSA.
    Absa,
    /// First National Bank.
    Fnb,
    /// Standard Bank.
    StandardBank,
    /// Nedbank.
    Nedbank,
    /// Capitec.
    Capitec,
    /// TymeBank.
    TymeBank,
    /// African Bank.
    AfricanBank,
    /// Discovery Bank.
    Discovery,
    /// Investec.
    Investec,
}

impl Bank {
    /// Every known bank.
    pub const ALL: [Bank; 9] = [
        Bank::Absa,
        Bank::Fnb,
        Bank::StandardBank,
        Bank::Nedbank,
        Bank::Capitec,
        Bank::TymeBank,
        Bank::AfricanBank,
        Bank::Discovery,
        Bank::Investec,
    ];

    /// The bank's name as consumers know it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Absa => "ABSA",
            Self::Fnb => "FNB",
            Self::StandardBank => "Standard Bank",
            Self::Nedbank => "Nedbank",
            Self::Capitec => "Capitec",
            Self::TymeBank => "TymeBank",
            Self::AfricanBank => "African Bank",
            Self::Discovery => "Discovery Bank",
            Self::Investec => "Investec",
        }
    }

    /// The universal branch code (identity.md, verify).
    pub fn universal_branch_code(self) -> BranchCode {
        // identity.md "Universal branch codes (verify)".
        let code = match self {
            Self::Absa => "632005",
            Self::Fnb => "250655",
            Self::StandardBank => "051001",
            Self::Nedbank => "198765",
            Self::Capitec => "470010",
            Self::TymeBank => "678910",
            Self::AfricanBank => "430000",
            Self::Discovery => "679000",
            Self::Investec => "580105",
        };
        BranchCode::parse(code).expect("BUG: the universal branch codes are six digits")
    }

    /// The bank whose universal branch code this is, if any.
    pub fn from_universal_branch_code(code: BranchCode) -> Option<Bank> {
        Self::ALL.into_iter().find(|bank| bank.universal_branch_code() == code)
    }
}

/// Something about bank details that deserves attention but does not make them invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BankAccountWarning {
    /// identity.md: some banks refuse debits into savings accounts; a warning unless the
    /// provider's account validation says so.
    SavingsAccountMayRefuseDebits,
    /// netcash-niws.md field 133 lists only 1 current and 2 savings, so the provider may not
    /// accept a transmission account for a debit order (verify).
    TransmissionAccountMayNotBeAccepted,
    /// The branch code is not one of the known universal codes; it may be a specific branch's
    /// code, which is fine, but the bank cannot be named.
    UnknownBranchCode,
}

impl BankAccountWarning {
    /// A plain-language explanation.
    pub fn describe(self) -> &'static str {
        match self {
            Self::SavingsAccountMayRefuseDebits => {
                "some banks refuse debit orders on savings accounts; a current account is safer"
            }
            Self::TransmissionAccountMayNotBeAccepted => {
                "the debit-order provider may not accept a transmission account"
            }
            Self::UnknownBranchCode => {
                "the branch code is not a bank's universal branch code, so the bank is not known"
            }
        }
    }
}

/// Bank details for collecting by debit order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankAccount {
    branch_code: BranchCode,
    account_number: AccountNumber,
    account_type: AccountType,
}

impl BankAccount {
    /// Combines parsed parts. Validation beyond format (check digits, account holder, whether the
    /// account accepts debits) is the provider's account validation (identity.md).
    pub fn new(
        branch_code: BranchCode,
        account_number: AccountNumber,
        account_type: AccountType,
    ) -> BankAccount {
        BankAccount { branch_code, account_number, account_type }
    }

    /// The branch code.
    pub fn branch_code(&self) -> BranchCode {
        self.branch_code
    }

    /// The account number.
    pub fn account_number(&self) -> &AccountNumber {
        &self.account_number
    }

    /// The account type.
    pub fn account_type(&self) -> AccountType {
        self.account_type
    }

    /// The bank, when the branch code is a known universal branch code.
    pub fn bank(&self) -> Option<Bank> {
        Bank::from_universal_branch_code(self.branch_code)
    }

    /// Things worth telling the consumer or officer; none of them stops the application.
    pub fn warnings(&self) -> Vec<BankAccountWarning> {
        let mut warnings = Vec::new();
        match self.account_type {
            AccountType::Savings => {
                warnings.push(BankAccountWarning::SavingsAccountMayRefuseDebits)
            }
            AccountType::Transmission => {
                warnings.push(BankAccountWarning::TransmissionAccountMayNotBeAccepted);
            }
            AccountType::Current => {}
        }
        if self.bank().is_none() {
            warnings.push(BankAccountWarning::UnknownBranchCode);
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn today() -> NaiveDate {
        date(2026, 6, 1)
    }

    #[test]
    fn the_known_valid_id_number_is_a_male_citizen_born_in_1975() {
        let id = SaIdNumber::parse("7503305044089", today()).expect("valid");
        assert_eq!(id.birth_date(), date(1975, 3, 30));
        assert_eq!(id.gender(), Gender::Male);
        assert_eq!(id.citizenship(), Citizenship::Citizen);
        assert_eq!(id.age_on(today()), 51);
        assert_eq!(id.to_string(), "7503305044089");
    }

    #[test]
    fn an_id_number_with_spaces_parses() {
        let id = SaIdNumber::parse("  750330 5044 089 ", today()).expect("valid");
        assert_eq!(id.as_digits(), "7503305044089");
    }

    #[test]
    fn id_numbers_that_are_wrong_say_why() {
        let cases = [
            ("8503305044089", IdNumberError::WrongCheckDigit),
            ("750330504408", IdNumberError::WrongLength { found: 12 }),
            ("75033050440890", IdNumberError::WrongLength { found: 14 }),
            ("75033050440a9", IdNumberError::NotDigits),
            ("7502305044089", IdNumberError::NoSuchDate),
            ("7503305044389", IdNumberError::UnknownCitizenship(3)),
            ("7503305044019", IdNumberError::UnexpectedTwelfthDigit(1)),
        ];
        for (text, expected) in cases {
            assert_eq!(SaIdNumber::parse(text, today()), Err(expected), "{text}");
        }
        assert_eq!(
            IdNumberError::WrongCheckDigit.to_string(),
            "the ID number's check digit is wrong"
        );
    }

    #[test]
    fn the_century_is_the_most_recent_one_not_in_the_future() {
        // A two-digit year of 05 is 2005 in 2026, so the person is 21.
        let young = SaIdNumber::parse(&with_check_digit("050101500008"), today()).expect("valid");
        assert_eq!(young.birth_date(), date(2005, 1, 1));
        assert_eq!(young.gender(), Gender::Male);
        // A two-digit year of 30 would be 2030, in the future, so it is 1930.
        let old = SaIdNumber::parse(&with_check_digit("300101000018"), today()).expect("valid");
        assert_eq!(old.birth_date(), date(1930, 1, 1));
        assert_eq!(old.gender(), Gender::Female);
        assert_eq!(old.citizenship(), Citizenship::PermanentResident);
        // Later in 2026 the same number is still 1926 rather than a birth date in the future.
        let later_this_year = with_check_digit("261231500008");
        let id = SaIdNumber::parse(&later_this_year, today()).expect("valid");
        assert_eq!(id.birth_date(), date(1926, 12, 31));
    }

    #[test]
    fn age_counts_completed_years() {
        let id = SaIdNumber::parse("7503305044089", today()).expect("valid");
        assert_eq!(id.age_on(date(1993, 3, 29)), 17);
        assert_eq!(id.age_on(date(1993, 3, 30)), 18);
        assert_eq!(id.age_on(date(1970, 1, 1)), 0);
    }

    #[test]
    fn the_debug_form_hides_most_of_the_id_number() {
        let id = SaIdNumber::parse("7503305044089", today()).expect("valid");
        assert_eq!(format!("{id:?}"), "SaIdNumber(750330*******)");
    }

    /// Appends the Luhn check digit to twelve digits.
    fn with_check_digit(twelve: &str) -> String {
        (0..10)
            .map(|z| format!("{twelve}{z}"))
            .find(|candidate| {
                let digits: Vec<u8> = candidate.bytes().map(|b| b - b'0').collect();
                luhn_valid(&digits)
            })
            .expect("one check digit always fits")
    }

    #[test]
    fn every_spelling_of_a_mobile_number_is_the_same_number() {
        let spellings = [
            "0821234567",
            "082 123 4567",
            "+27 82 123 4567",
            "27821234567",
            "082-123-4567",
            "(082) 123 4567",
            "0027821234567",
            "+27 (0)82 123 4567",
        ];
        for text in spellings {
            let number = Msisdn::parse(text).expect(text);
            assert_eq!(number.as_e164(), "+27821234567", "{text}");
            assert_eq!(number.clickatell_digits(), "27821234567", "{text}");
            assert_eq!(number.local_display(), "082 123 4567");
        }
    }

    #[test]
    fn numbers_that_are_not_sa_mobiles_are_refused() {
        let cases = [
            ("0211234567", MsisdnError::NotAMobileNumber),
            ("+44 7700 900123", MsisdnError::NotSouthAfrican),
            ("082123456", MsisdnError::WrongLength),
            ("08212345678", MsisdnError::WrongLength),
            ("082 123 456x", MsisdnError::InvalidCharacter('x')),
        ];
        for (text, expected) in cases {
            assert_eq!(Msisdn::parse(text), Err(expected), "{text}");
        }
    }

    #[test]
    fn bank_details_parse_and_savings_accounts_only_warn() {
        let branch = BranchCode::parse("470010").expect("valid");
        let number = AccountNumber::parse("1234 5678 90").expect("valid");
        let account = BankAccount::new(branch, number, AccountType::Savings);
        assert_eq!(account.bank(), Some(Bank::Capitec));
        assert_eq!(account.warnings(), vec![BankAccountWarning::SavingsAccountMayRefuseDebits]);
        assert_eq!(account.account_number().as_str(), "1234567890");
        assert_eq!(AccountType::from_code(3), Ok(AccountType::Transmission));
        assert_eq!(AccountType::Savings.code(), 2);
    }

    #[test]
    fn bad_bank_details_say_why() {
        assert_eq!(BranchCode::parse("12345"), Err(BankDetailsError::BranchCodeNotSixDigits));
        assert_eq!(
            AccountNumber::parse("123"),
            Err(BankDetailsError::AccountNumberLength { found: 3 })
        );
        assert_eq!(
            AccountNumber::parse("123456789012"),
            Err(BankDetailsError::AccountNumberLength { found: 12 })
        );
        assert_eq!(AccountNumber::parse("12-34"), Err(BankDetailsError::AccountNumberNotDigits));
        assert!(AccountType::parse("4").is_err());
    }

    #[test]
    fn every_known_bank_has_a_distinct_universal_branch_code() {
        for bank in Bank::ALL {
            assert_eq!(Bank::from_universal_branch_code(bank.universal_branch_code()), Some(bank));
        }
    }
}
