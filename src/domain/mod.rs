//! The pure core: what a valid sessionStart is and what a stored session holds.
//! Nothing here knows about HTTP, Lambda or DynamoDB.

mod decimal;
mod field_errors;
mod idempotency;
mod session;
mod session_start;

pub use decimal::Decimal;
pub use field_errors::{FieldError, InvalidBody};
pub use idempotency::{Fingerprint, IdempotencyKey};
pub use session::{SessionId, SessionRecord};
pub use session_start::{AuthState, CustomerId, ParamValue, PlayerTime, Scalar, SessionStart};
