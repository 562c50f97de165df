//! Debit-order collections: unpaid reason codes and what to do about each, the state machine of
//! one presentment, and the rules for presenting an instalment (collections.md).
//!
//! # States
//! A presentment is one payment instruction for one instalment. Its states:
//!
//! | state | meaning | active |
//! |---|---|---|
//! | `Scheduled` | created, not yet sent to the provider | yes |
//! | `Submitted` | in a batch the provider accepted (a file token came back) | yes |
//! | `SubmissionUnknown` | the upload timed out: it may or may not have arrived | yes |
//! | `Loaded` | the provider's load report accepted the line | yes |
//! | `Rejected` | the load report dropped the line; the bank never saw it | no |
//! | `Paid` | the statement shows the debit succeeded | no |
//! | `Unpaid(code)` | the bank returned it with a reason code | no |
//! | `Disputed(code)` | returned with a dispute code (30, 32) | no |
//! | `Cancelled` | withdrawn before it was sent | no |
//!
//! "Active" means money may still move because of it, so a second instruction for the same
//! instalment could collect twice (collections.md rule 1). `SubmissionUnknown` is active because
//! a timed-out upload is unknown, not failed (collections.md rule 2); only reconciliation with the
//! provider moves it on.
//!
//! Late results are accepted (collections.md rule 4): `Paid` can become `Unpaid` or `Disputed`,
//! and [`Applied::reverse_collection`] then tells the ledger to reverse the collection.

use std::fmt;

use chrono::NaiveDate;

/// An unpaid (return) reason code from the bank (collections.md table).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    /// 02 Not provided for (insufficient funds).
    NotProvidedFor,
    /// 03 Debits not allowed to this account.
    DebitsNotAllowed,
    /// 04 Payment stopped by account holder.
    PaymentStopped,
    /// 05 Account dormant.
    AccountDormant,
    /// 06 Account frozen.
    AccountFrozen,
    /// 08 Estate sequestrated.
    EstateSequestrated,
    /// 10 Estate liquidated.
    EstateLiquidated,
    /// 12 Account closed.
    AccountClosed,
    /// 14 Account transferred within bank group.
    TransferredWithinBankGroup,
    /// 16 Account transferred to another bank.
    TransferredToAnotherBank,
    /// 18 Account holder deceased.
    AccountHolderDeceased,
    /// 22 Effects not cleared.
    EffectsNotCleared,
    /// 26 No such account.
    NoSuchAccount,
    /// 28 Recall or withdrawal.
    RecallOrWithdrawal,
    /// 30 No authority to debit (dispute).
    NoAuthorityToDebit,
    /// 32 Debit contravenes the payer's authority (dispute).
    ContravenesAuthority,
    /// 34 Authorisation cancelled.
    AuthorisationCancelled,
    /// 36 Previously stopped by stop-payment advice.
    PreviouslyStopped,
    /// 56 Not FICA compliant.
    NotFicaCompliant,
    /// 60 Blocked by the provider after consecutive unpaids.
    BlockedAfterConsecutiveUnpaids,
    /// A code not in the table, kept verbatim and routed to a person (collections.md).
    Unknown(String),
}

// collections.md, "Unpaid (return) reason codes": code, meaning, variant.
const KNOWN_CODES: [(&str, &str, ReasonCode); 20] = [
    ("02", "Not provided for (insufficient funds)", ReasonCode::NotProvidedFor),
    ("03", "Debits not allowed to this account", ReasonCode::DebitsNotAllowed),
    ("04", "Payment stopped by account holder", ReasonCode::PaymentStopped),
    ("05", "Account dormant", ReasonCode::AccountDormant),
    ("06", "Account frozen", ReasonCode::AccountFrozen),
    ("08", "Estate sequestrated", ReasonCode::EstateSequestrated),
    ("10", "Estate liquidated", ReasonCode::EstateLiquidated),
    ("12", "Account closed", ReasonCode::AccountClosed),
    ("14", "Account transferred within bank group", ReasonCode::TransferredWithinBankGroup),
    ("16", "Account transferred to another bank", ReasonCode::TransferredToAnotherBank),
    ("18", "Account holder deceased", ReasonCode::AccountHolderDeceased),
    ("22", "Effects not cleared", ReasonCode::EffectsNotCleared),
    ("26", "No such account", ReasonCode::NoSuchAccount),
    ("28", "Recall or withdrawal", ReasonCode::RecallOrWithdrawal),
    ("30", "No authority to debit (dispute)", ReasonCode::NoAuthorityToDebit),
    ("32", "Debit contravenes the payer's authority (dispute)", ReasonCode::ContravenesAuthority),
    ("34", "Authorisation cancelled", ReasonCode::AuthorisationCancelled),
    ("36", "Previously stopped by stop-payment advice", ReasonCode::PreviouslyStopped),
    ("56", "Not FICA compliant", ReasonCode::NotFicaCompliant),
    (
        "60",
        "Blocked by the provider after consecutive unpaids",
        ReasonCode::BlockedAfterConsecutiveUnpaids,
    ),
];

impl ReasonCode {
    /// Reads a code as the provider writes it (`02`, `2`, ` 02 `). Anything not in the table is
    /// kept verbatim as [`ReasonCode::Unknown`], never dropped.
    pub fn parse(text: &str) -> ReasonCode {
        let trimmed = text.trim();
        let normalised = if trimmed.len() == 1 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            format!("0{trimmed}")
        } else {
            trimmed.to_owned()
        };
        KNOWN_CODES
            .iter()
            .find(|(code, _, _)| *code == normalised)
            .map(|(_, _, reason)| reason.clone())
            .unwrap_or_else(|| ReasonCode::Unknown(text.to_owned()))
    }

    fn entry(&self) -> Option<&'static (&'static str, &'static str, ReasonCode)> {
        KNOWN_CODES.iter().find(|(_, _, reason)| reason == self)
    }

    /// The two-digit code, or the verbatim text of an unknown code.
    pub fn code(&self) -> &str {
        match self {
            Self::Unknown(text) => text,
            known => known.entry().map(|(code, _, _)| *code).expect("BUG: known codes are listed"),
        }
    }

    /// What the code means.
    pub fn meaning(&self) -> &'static str {
        match self {
            Self::Unknown(_) => "Unknown reason code",
            known => {
                known.entry().map(|(_, meaning, _)| *meaning).expect("BUG: known codes are listed")
            }
        }
    }

    /// Whether the code is a dispute (30, 32): the collection is reversed on the ledger.
    pub fn is_dispute(&self) -> bool {
        matches!(self, Self::NoAuthorityToDebit | Self::ContravenesAuthority)
    }

    /// What the collections engine does next (collections.md, "engine action" column).
    pub fn next_action(&self) -> NextAction {
        match self {
            // 02: at most 2 more times, on a later payday.
            Self::NotProvidedFor => {
                NextAction::RePresent { further_attempts: 2, on_later_payday: true }
            }
            // 22: once (the provider may deactivate the mandate).
            Self::EffectsNotCleared => {
                NextAction::RePresent { further_attempts: 1, on_later_payday: false }
            }
            Self::PaymentStopped => {
                NextAction::StopNewMandate { flag_for_officer: true, bank_details_wrong: false }
            }
            Self::NoSuchAccount => {
                NextAction::StopNewMandate { flag_for_officer: false, bank_details_wrong: true }
            }
            Self::DebitsNotAllowed
            | Self::AccountDormant
            | Self::AccountFrozen
            | Self::AccountClosed
            | Self::TransferredWithinBankGroup
            | Self::TransferredToAnotherBank
            | Self::AuthorisationCancelled
            | Self::PreviouslyStopped
            | Self::NotFicaCompliant
            | Self::BlockedAfterConsecutiveUnpaids => {
                NextAction::StopNewMandate { flag_for_officer: false, bank_details_wrong: false }
            }
            Self::EstateSequestrated | Self::EstateLiquidated => NextAction::StopLegal,
            Self::AccountHolderDeceased => NextAction::StopDeceased,
            Self::RecallOrWithdrawal => NextAction::StopReview,
            Self::NoAuthorityToDebit | Self::ContravenesAuthority => NextAction::ReverseAndFlag,
            Self::Unknown(_) => NextAction::RouteToPerson,
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.meaning())
    }
}

/// What the collections engine does after an unpaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextAction {
    /// Present again, at most `further_attempts` more times.
    RePresent {
        /// How many more presentments the code allows.
        further_attempts: u8,
        /// Whether the next presentment must be on a later payday (a later payment cycle).
        on_later_payday: bool,
    },
    /// Stop collecting on this mandate; a new mandate is needed.
    StopNewMandate {
        /// Whether a collections officer is flagged.
        flag_for_officer: bool,
        /// Whether the bank details were wrong (code 26).
        bank_details_wrong: bool,
    },
    /// Stop: a legal matter (sequestration, liquidation); flagged.
    StopLegal,
    /// Stop: the account holder died; flagged, and no further SMS contact.
    StopDeceased,
    /// Stop for a person to review (recall or withdrawal).
    StopReview,
    /// A dispute: reverse the collection on the ledger and flag.
    ReverseAndFlag,
    /// An unknown code: a person decides.
    RouteToPerson,
}

impl NextAction {
    /// Whether automatic re-presentment is over.
    pub fn stops_collection(self) -> bool {
        !matches!(self, Self::RePresent { .. })
    }

    /// Whether a person is flagged.
    pub fn flags_for_officer(self) -> bool {
        match self {
            Self::StopNewMandate { flag_for_officer, .. } => flag_for_officer,
            Self::StopLegal
            | Self::StopDeceased
            | Self::StopReview
            | Self::ReverseAndFlag
            | Self::RouteToPerson => true,
            Self::RePresent { .. } => false,
        }
    }

    /// Whether the consumer may still be contacted by SMS (not after code 18).
    pub fn sms_contact_allowed(self) -> bool {
        !matches!(self, Self::StopDeceased)
    }

    /// Whether a new mandate is needed before collecting again.
    pub fn needs_new_mandate(self) -> bool {
        matches!(self, Self::StopNewMandate { .. } | Self::ReverseAndFlag)
    }
}

/// The state of one presentment (see the module documentation for the table).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PresentmentState {
    /// Created, not yet sent.
    Scheduled,
    /// In a batch the provider accepted.
    Submitted,
    /// The upload timed out; reconcile before anything else is sent.
    SubmissionUnknown,
    /// Accepted by the provider's load report.
    Loaded,
    /// Dropped by the provider's load report.
    Rejected,
    /// Collected.
    Paid,
    /// Returned unpaid.
    Unpaid(ReasonCode),
    /// Returned with a dispute code.
    Disputed(ReasonCode),
    /// Withdrawn before it was sent.
    Cancelled,
}

impl PresentmentState {
    /// Whether money may still move because of this presentment.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Scheduled | Self::Submitted | Self::SubmissionUnknown | Self::Loaded)
    }

    /// Whether the instruction reached the bank (it counts toward the clearing limits).
    pub fn reached_the_bank(&self) -> bool {
        !matches!(self, Self::Rejected | Self::Cancelled)
    }

    /// A short name for messages and storage.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Submitted => "submitted",
            Self::SubmissionUnknown => "submission_unknown",
            Self::Loaded => "loaded",
            Self::Rejected => "rejected",
            Self::Paid => "paid",
            Self::Unpaid(_) => "unpaid",
            Self::Disputed(_) => "disputed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Something that happens to a presentment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PresentmentEvent {
    /// The batch upload returned a file token.
    Submitted,
    /// The batch upload timed out after the request was sent.
    SubmissionTimedOut,
    /// Reconciliation found the batch at the provider.
    FoundOnReconciliation,
    /// Reconciliation showed the provider never received the batch.
    NotFoundOnReconciliation,
    /// The load report accepted the line.
    LoadAccepted,
    /// The load report dropped the line.
    LoadRejected,
    /// The statement shows the debit succeeded.
    Paid,
    /// The statement shows the debit came back unpaid with a code.
    Unpaid(ReasonCode),
    /// Withdrawn before sending.
    Cancelled,
}

impl PresentmentEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::SubmissionTimedOut => "marked as timed out",
            Self::FoundOnReconciliation => "found on reconciliation",
            Self::NotFoundOnReconciliation => "not found on reconciliation",
            Self::LoadAccepted => "accepted by the load report",
            Self::LoadRejected => "rejected by the load report",
            Self::Paid => "paid",
            Self::Unpaid(_) => "returned unpaid",
            Self::Cancelled => "cancelled",
        }
    }
}

/// An event that cannot happen in the presentment's current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    /// The state.
    pub from: PresentmentState,
    /// The event.
    pub event: PresentmentEvent,
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a debit order that is {} cannot be {}",
            self.from.name().replace('_', " "),
            self.event.name()
        )
    }
}

impl std::error::Error for TransitionError {}

/// The state after `event`, or an error when the event cannot happen in `state`.
///
/// A repeated result (the same statement line read twice) leaves the state as it is.
pub fn transition(
    state: &PresentmentState,
    event: &PresentmentEvent,
) -> Result<PresentmentState, TransitionError> {
    use PresentmentEvent as E;
    use PresentmentState as S;
    let returned = |code: &ReasonCode| {
        if code.is_dispute() { S::Disputed(code.clone()) } else { S::Unpaid(code.clone()) }
    };
    let next = match (state, event) {
        (S::Scheduled, E::Submitted) => S::Submitted,
        (S::Scheduled, E::SubmissionTimedOut) => S::SubmissionUnknown,
        (S::Scheduled, E::Cancelled) => S::Cancelled,
        // collections.md rule 2: a timed-out submission is unknown until reconciled.
        (S::SubmissionUnknown, E::FoundOnReconciliation) => S::Submitted,
        (S::SubmissionUnknown, E::NotFoundOnReconciliation) => S::Scheduled,
        (S::Submitted | S::SubmissionUnknown, E::LoadAccepted) => S::Loaded,
        (S::Submitted | S::SubmissionUnknown, E::LoadRejected) => S::Rejected,
        // A result proves the provider had the instruction, whatever we knew of the load.
        (S::Submitted | S::SubmissionUnknown | S::Loaded, E::Paid) => S::Paid,
        (S::Submitted | S::SubmissionUnknown | S::Loaded, E::Unpaid(code)) => returned(code),
        // collections.md rule 4: late unpaids and disputes after success are applied.
        (S::Paid, E::Unpaid(code)) => returned(code),
        (S::Paid, E::Paid) => S::Paid,
        (S::Unpaid(old) | S::Disputed(old), E::Unpaid(new)) if old == new => state.clone(),
        _ => return Err(TransitionError { from: state.clone(), event: event.clone() }),
    };
    Ok(next)
}

/// Identifies a presentment within one instalment's collections (its position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PresentmentId(pub u32);

/// One payment instruction for an instalment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Presentment {
    /// Its id.
    pub id: PresentmentId,
    /// The action date.
    pub action_date: NaiveDate,
    /// The payment cycle it belongs to, named by the payday that starts the cycle.
    pub cycle: NaiveDate,
    /// The current state.
    pub state: PresentmentState,
    /// Which mandate it was made under (0 for the first; see [`InstalmentCollections::new_mandate`]).
    pub mandate_generation: u32,
}

/// Why an instalment cannot be presented, or an event not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectionsError {
    /// Another presentment of the instalment is active (collections.md rule 1).
    ActivePresentmentExists(PresentmentId),
    /// The instalment is already collected.
    AlreadyCollected,
    /// Two payment instructions already went out in this payment cycle (collections.md rule 1).
    CycleLimitReached {
        /// The cycle.
        cycle: NaiveDate,
    },
    /// The last unpaid's code allows no more presentments.
    RepresentmentLimitReached(ReasonCode),
    /// The last unpaid's code needs a later payday than the one that failed.
    NeedsLaterPayday(ReasonCode),
    /// The last unpaid's code stops collection until a person acts or a new mandate is in
    /// place.
    CollectionStopped(ReasonCode),
    /// No presentment with this id.
    NoSuchPresentment(PresentmentId),
    /// The event cannot happen in the presentment's state.
    Transition(TransitionError),
}

impl fmt::Display for CollectionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ActivePresentmentExists(id) => write!(
                f,
                "the instalment already has a debit order in progress (presentment {})",
                id.0
            ),
            Self::AlreadyCollected => f.write_str("the instalment has already been collected"),
            Self::CycleLimitReached { cycle } => {
                write!(f, "two debit orders already went out in the payment cycle starting {cycle}")
            }
            Self::RepresentmentLimitReached(code) => {
                write!(f, "after unpaid code {code} the instalment may not be presented again")
            }
            Self::NeedsLaterPayday(code) => {
                write!(f, "after unpaid code {code} the next attempt must be on a later payday")
            }
            Self::CollectionStopped(code) => write!(
                f,
                "collection stopped after unpaid code {code}; a person must act or a new mandate is needed"
            ),
            Self::NoSuchPresentment(id) => write!(f, "there is no presentment {}", id.0),
            Self::Transition(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for CollectionsError {}

/// What applying an event means for the rest of the system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Applied {
    /// The presentment's new state.
    pub state: PresentmentState,
    /// Post a collection to the ledger (the presentment became paid).
    pub record_collection: bool,
    /// Post a collection reversal (a paid presentment came back unpaid or disputed).
    pub reverse_collection: bool,
    /// What to do next, after an unpaid.
    pub next_action: Option<NextAction>,
}

/// The presentments of one instalment, enforcing collections.md rule 1 (never two active
/// presentments; at most two payment instructions per payment cycle) and the re-presentment
/// limits of the reason codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct InstalmentCollections {
    presentments: Vec<Presentment>,
    mandate_generation: u32,
}

/// Payment instructions allowed per payment cycle (collections.md rule 1).
pub const MAX_INSTRUCTIONS_PER_CYCLE: usize = 2;

impl InstalmentCollections {
    /// An instalment with no presentments yet.
    pub fn new() -> InstalmentCollections {
        InstalmentCollections::default()
    }

    /// Every presentment, oldest first.
    pub fn presentments(&self) -> &[Presentment] {
        &self.presentments
    }

    /// The active presentment, if any (there is never more than one).
    pub fn active(&self) -> Option<&Presentment> {
        self.presentments.iter().find(|p| p.state.is_active())
    }

    /// Whether the instalment is collected (and not since reversed).
    pub fn is_collected(&self) -> bool {
        self.presentments.iter().any(|p| p.state == PresentmentState::Paid)
    }

    /// Records that a new mandate is in place, so earlier unpaids no longer stop collection or
    /// count toward re-presentment limits. The per-cycle limit still counts them.
    pub fn new_mandate(&mut self) {
        self.mandate_generation += 1;
    }

    /// Checks whether the instalment may be presented for `action_date` in payment cycle
    /// `cycle` (named by the payday that starts it).
    pub fn can_present(
        &self,
        action_date: NaiveDate,
        cycle: NaiveDate,
    ) -> Result<(), CollectionsError> {
        if let Some(active) = self.active() {
            return Err(CollectionsError::ActivePresentmentExists(active.id));
        }
        if self.is_collected() {
            return Err(CollectionsError::AlreadyCollected);
        }
        let in_cycle =
            self.presentments.iter().filter(|p| p.cycle == cycle && p.state.reached_the_bank());
        if in_cycle.count() >= MAX_INSTRUCTIONS_PER_CYCLE {
            return Err(CollectionsError::CycleLimitReached { cycle });
        }
        let current: Vec<&Presentment> = self
            .presentments
            .iter()
            .filter(|p| p.mandate_generation == self.mandate_generation)
            .collect();
        let last_return = current.iter().rev().find_map(|p| match &p.state {
            PresentmentState::Unpaid(code) | PresentmentState::Disputed(code) => Some((*p, code)),
            _ => None,
        });
        if let Some((failed, code)) = last_return {
            match code.next_action() {
                NextAction::RePresent { further_attempts, on_later_payday } => {
                    let returns_with_code = current
                        .iter()
                        .filter(|p| matches!(&p.state, PresentmentState::Unpaid(c) if c == code))
                        .count();
                    // The first return with the code is the original attempt; each later one
                    // used up one of the further attempts.
                    if returns_with_code > usize::from(further_attempts) {
                        return Err(CollectionsError::RepresentmentLimitReached(code.clone()));
                    }
                    if on_later_payday
                        && (cycle <= failed.cycle || action_date <= failed.action_date)
                    {
                        return Err(CollectionsError::NeedsLaterPayday(code.clone()));
                    }
                }
                _ => return Err(CollectionsError::CollectionStopped(code.clone())),
            }
        }
        Ok(())
    }

    /// Creates a presentment in the `Scheduled` state if the rules allow it.
    pub fn present(
        &mut self,
        action_date: NaiveDate,
        cycle: NaiveDate,
    ) -> Result<PresentmentId, CollectionsError> {
        self.can_present(action_date, cycle)?;
        let id = PresentmentId(
            u32::try_from(self.presentments.len())
                .expect("BUG: an instalment has few presentments"),
        );
        self.presentments.push(Presentment {
            id,
            action_date,
            cycle,
            state: PresentmentState::Scheduled,
            mandate_generation: self.mandate_generation,
        });
        Ok(id)
    }

    /// Applies an event to a presentment.
    pub fn apply(
        &mut self,
        id: PresentmentId,
        event: &PresentmentEvent,
    ) -> Result<Applied, CollectionsError> {
        let index = usize::try_from(id.0).expect("BUG: u32 fits usize");
        let presentment =
            self.presentments.get_mut(index).ok_or(CollectionsError::NoSuchPresentment(id))?;
        let before = presentment.state.clone();
        let after = transition(&before, event).map_err(CollectionsError::Transition)?;
        // A reconciled "not found" puts the presentment back to Scheduled; it must still be the
        // only active one, which holds because it was the active one before.
        presentment.state = after.clone();
        let was_paid = before == PresentmentState::Paid;
        let changed = before != after;
        let next_action = match &after {
            PresentmentState::Unpaid(code) | PresentmentState::Disputed(code) if changed => {
                Some(code.next_action())
            }
            _ => None,
        };
        let applied = Applied {
            record_collection: changed && after == PresentmentState::Paid,
            reverse_collection: changed && was_paid,
            next_action,
            state: after,
        };
        debug_assert!(
            self.presentments.iter().filter(|p| p.state.is_active()).count() <= 1,
            "BUG: two active presentments for one instalment"
        );
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn every_code_in_the_table_parses_and_round_trips() {
        let codes = [
            "02", "03", "04", "05", "06", "08", "10", "12", "14", "16", "18", "22", "26", "28",
            "30", "32", "34", "36", "56", "60",
        ];
        for code in codes {
            let reason = ReasonCode::parse(code);
            assert!(!matches!(reason, ReasonCode::Unknown(_)), "{code}");
            assert_eq!(reason.code(), code);
        }
        assert_eq!(ReasonCode::parse("2"), ReasonCode::NotProvidedFor);
        assert_eq!(ReasonCode::parse("99"), ReasonCode::Unknown("99".to_owned()));
        assert_eq!(ReasonCode::parse(" X7 ").code(), " X7 ");
    }

    #[test]
    fn each_code_leads_to_the_action_in_the_table() {
        let cases = [
            ("02", NextAction::RePresent { further_attempts: 2, on_later_payday: true }),
            ("22", NextAction::RePresent { further_attempts: 1, on_later_payday: false }),
            (
                "04",
                NextAction::StopNewMandate { flag_for_officer: true, bank_details_wrong: false },
            ),
            (
                "26",
                NextAction::StopNewMandate { flag_for_officer: false, bank_details_wrong: true },
            ),
            ("08", NextAction::StopLegal),
            ("10", NextAction::StopLegal),
            ("18", NextAction::StopDeceased),
            ("28", NextAction::StopReview),
            ("30", NextAction::ReverseAndFlag),
            ("32", NextAction::ReverseAndFlag),
            ("77", NextAction::RouteToPerson),
        ];
        for (code, action) in cases {
            assert_eq!(ReasonCode::parse(code).next_action(), action, "{code}");
        }
        assert!(!NextAction::StopDeceased.sms_contact_allowed());
        assert!(NextAction::RouteToPerson.flags_for_officer());
        for code in ["03", "05", "06", "12", "14", "16", "34", "36", "56", "60"] {
            assert!(ReasonCode::parse(code).next_action().needs_new_mandate(), "{code}");
        }
    }

    #[test]
    fn a_presentment_goes_from_scheduled_to_paid() {
        let mut state = PresentmentState::Scheduled;
        for event in
            [PresentmentEvent::Submitted, PresentmentEvent::LoadAccepted, PresentmentEvent::Paid]
        {
            state = transition(&state, &event).expect("allowed");
        }
        assert_eq!(state, PresentmentState::Paid);
    }

    #[test]
    fn a_timed_out_submission_stays_active_until_reconciled() {
        let state = transition(&PresentmentState::Scheduled, &PresentmentEvent::SubmissionTimedOut)
            .expect("allowed");
        assert!(state.is_active());
        assert!(transition(&state, &PresentmentEvent::Cancelled).is_err());
        let back =
            transition(&state, &PresentmentEvent::NotFoundOnReconciliation).expect("allowed");
        assert_eq!(back, PresentmentState::Scheduled);
    }

    #[test]
    fn impossible_events_are_refused_with_a_plain_message() {
        let error = transition(&PresentmentState::Cancelled, &PresentmentEvent::Paid)
            .expect_err("cancelled cannot be paid");
        assert_eq!(error.to_string(), "a debit order that is cancelled cannot be paid");
    }

    #[test]
    fn a_late_unpaid_after_paid_reverses_the_collection() {
        let mut collections = InstalmentCollections::new();
        let id = collections.present(date(2026, 3, 25), date(2026, 3, 25)).expect("allowed");
        collections.apply(id, &PresentmentEvent::Submitted).expect("allowed");
        let paid = collections.apply(id, &PresentmentEvent::Paid).expect("allowed");
        assert!(paid.record_collection);
        let late = collections
            .apply(id, &PresentmentEvent::Unpaid(ReasonCode::parse("30")))
            .expect("late disputes are accepted");
        assert!(late.reverse_collection);
        assert_eq!(late.state, PresentmentState::Disputed(ReasonCode::NoAuthorityToDebit));
        assert_eq!(late.next_action, Some(NextAction::ReverseAndFlag));
        // Reading the same statement line again changes nothing.
        let again = collections.apply(id, &PresentmentEvent::Unpaid(ReasonCode::parse("30")));
        assert!(again.is_ok_and(|a| !a.reverse_collection && a.next_action.is_none()));
    }

    #[test]
    fn an_instalment_has_at_most_one_active_presentment() {
        let mut collections = InstalmentCollections::new();
        let first = collections.present(date(2026, 3, 25), date(2026, 3, 25)).expect("allowed");
        assert_eq!(
            collections.present(date(2026, 3, 26), date(2026, 3, 25)),
            Err(CollectionsError::ActivePresentmentExists(first))
        );
    }

    fn fail(collections: &mut InstalmentCollections, id: PresentmentId, code: &str) {
        collections.apply(id, &PresentmentEvent::Submitted).expect("allowed");
        collections.apply(id, &PresentmentEvent::Unpaid(ReasonCode::parse(code))).expect("allowed");
    }

    #[test]
    fn code_02_allows_two_more_presentments_on_later_paydays() {
        let mut c = InstalmentCollections::new();
        let paydays = [date(2026, 3, 25), date(2026, 4, 24), date(2026, 5, 25), date(2026, 6, 25)];
        let id = c.present(paydays[0], paydays[0]).expect("first attempt");
        fail(&mut c, id, "02");
        assert_eq!(
            c.present(date(2026, 3, 27), paydays[0]),
            Err(CollectionsError::NeedsLaterPayday(ReasonCode::NotProvidedFor))
        );
        let id = c.present(paydays[1], paydays[1]).expect("second attempt");
        fail(&mut c, id, "02");
        let id = c.present(paydays[2], paydays[2]).expect("third attempt");
        fail(&mut c, id, "02");
        assert_eq!(
            c.present(paydays[3], paydays[3]),
            Err(CollectionsError::RepresentmentLimitReached(ReasonCode::NotProvidedFor))
        );
    }

    #[test]
    fn code_22_allows_one_more_presentment_within_the_cycle_limit() {
        let mut c = InstalmentCollections::new();
        let cycle = date(2026, 3, 25);
        let id = c.present(cycle, cycle).expect("first attempt");
        fail(&mut c, id, "22");
        let id = c.present(date(2026, 3, 27), cycle).expect("one re-presentment");
        fail(&mut c, id, "22");
        assert_eq!(
            c.present(date(2026, 3, 30), cycle),
            Err(CollectionsError::CycleLimitReached { cycle })
        );
        assert_eq!(
            c.present(date(2026, 4, 24), date(2026, 4, 24)),
            Err(CollectionsError::RepresentmentLimitReached(ReasonCode::EffectsNotCleared))
        );
    }

    #[test]
    fn a_stopping_code_needs_a_new_mandate() {
        let mut c = InstalmentCollections::new();
        let id = c.present(date(2026, 3, 25), date(2026, 3, 25)).expect("allowed");
        fail(&mut c, id, "12");
        assert_eq!(
            c.present(date(2026, 4, 24), date(2026, 4, 24)),
            Err(CollectionsError::CollectionStopped(ReasonCode::AccountClosed))
        );
        c.new_mandate();
        assert!(c.present(date(2026, 4, 24), date(2026, 4, 24)).is_ok());
    }

    #[test]
    fn a_paid_instalment_is_not_presented_again() {
        let mut c = InstalmentCollections::new();
        let id = c.present(date(2026, 3, 25), date(2026, 3, 25)).expect("allowed");
        c.apply(id, &PresentmentEvent::Submitted).expect("allowed");
        c.apply(id, &PresentmentEvent::Paid).expect("allowed");
        assert_eq!(
            c.present(date(2026, 4, 24), date(2026, 4, 24)),
            Err(CollectionsError::AlreadyCollected)
        );
    }
}
