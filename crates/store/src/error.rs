//! The store's error type: named constraint violations become typed variants carrying the
//! constraint's name, so callers can answer 409 or 422 without matching on message strings.

/// The result of every store function.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What went wrong, classified by the PostgreSQL SQLSTATE of the failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint or a duplicate object: the thing exists already (HTTP 409).
    #[error("conflict with {constraint}")]
    Conflict { constraint: String },
    /// A CHECK, foreign key, NOT NULL or trigger rule refused the data (HTTP 422).
    #[error("rejected by {constraint}")]
    Rejected { constraint: String },
    /// An append-only table was asked to change a row (a bug in the caller, never user input).
    #[error("{constraint}: append-only rows cannot change")]
    AppendOnly { constraint: String },
    /// The role in effect lacks the privilege, or a role guard refused (HTTP 403).
    #[error("not permitted{}", .constraint.as_deref().map(|c| format!(" by {c}")).unwrap_or_default())]
    Forbidden { constraint: Option<String> },
    /// The row asked for does not exist, or was not in the expected state.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// Stored settings do not make a valid domain value (for example a parameter is missing).
    #[error("inconsistent stored data: {0}")]
    Inconsistent(String),
    /// A stored value does not match the Rust type (schema and code disagree).
    #[error(transparent)]
    Unknown(#[from] UnknownValue),
    /// Any other database or connection failure.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// The name of the constraint behind a `Conflict`, `Rejected`, `AppendOnly` or `Forbidden`.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            StoreError::Conflict { constraint }
            | StoreError::Rejected { constraint }
            | StoreError::AppendOnly { constraint } => Some(constraint),
            StoreError::Forbidden { constraint } => constraint.as_deref(),
            _ => None,
        }
    }

    /// Whether running the same transaction again may succeed (serialization failure, deadlock).
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("40001" | "40P01"))
            }
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let sqlx::Error::Database(db) = &error else {
            return StoreError::Database(error);
        };
        let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
        let constraint = db.constraint().map(str::to_owned);
        let named = |fallback: &str| constraint.clone().unwrap_or_else(|| fallback.to_owned());
        match code.as_str() {
            // unique_violation, exclusion_violation, duplicate_object.
            "23505" | "23P01" | "42710" => StoreError::Conflict { constraint: named(&code) },
            // restrict_violation: raised by forbid_mutation() on the append-only tables.
            "23001" => StoreError::AppendOnly { constraint: named(&code) },
            // check, foreign key, not null, invalid parameter, no data found in a function.
            "23514" | "23503" | "23502" | "22023" | "P0002" => {
                StoreError::Rejected { constraint: named(&code) }
            }
            // insufficient_privilege: grants, or the role guards in the triggers.
            "42501" => StoreError::Forbidden { constraint },
            _ => StoreError::Database(error),
        }
    }
}

/// A text column held a value the Rust enum does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Turns "no row" into a typed not-found error.
pub(crate) fn found<T>(row: Option<T>, what: &'static str) -> Result<T> {
    row.ok_or(StoreError::NotFound { what })
}
