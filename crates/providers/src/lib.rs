//! Clients of the outside services. Each sits behind a trait that the use cases call;
//! configuration picks the real service or a local simulator by URL only, never by a code path
//! that skips the wire.
//!
//! Today this holds the debit-order provider, Netcash NIWS over SOAP ([`netcash`]).

pub mod backoff;
pub mod clickatell;
pub mod netcash;
pub mod ses;
pub mod telemetry;
mod transport;
pub mod xds;
