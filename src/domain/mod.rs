//! The pure core: what a valid sessionStart, event and downloaded session
//! are, what a stored session and event hold, and when a session stops taking events.
//! Nothing here knows about HTTP, Lambda or DynamoDB.

mod custom_metadata;
mod decimal;
mod downloaded;
mod downloaded_session;
mod event_key;
mod event_record;
mod event_type;
mod field_errors;
mod idempotency;
pub mod metrics;
mod params;
mod player_time;
mod qoe_data;
mod refused_call;
mod session;
mod session_event;
mod session_metrics;
mod session_policy;
mod session_start;
mod timestamp;
mod values;

pub use decimal::{Decimal, plainly_storable};
pub use downloaded::{DownloadedBatch, DownloadedRoute, single_start};
pub use downloaded_session::DownloadedSession;
pub use event_key::{BODY_DIGITS, KeyForm, KeyTaken, when_taken};
pub use event_record::EventRecord;
pub use event_type::{EventType, UnknownEventType};
pub use field_errors::{FieldError, InvalidBody};
pub use idempotency::{Fingerprint, IdTaken, IdempotencyKey, when_id_taken};
pub use params::{AuthState, CustomerId, ParamValue};
pub use player_time::PlayerTime;
pub use refused_call::{BODY_ROOM, BodyEncoding, KeptBody, RefusedCall, SHARDS, day, raw_body};
pub use session::{SessionId, SessionRecord};
pub use session_event::SessionEvent;
pub use session_metrics::{call_of, start_of, start_tracker};
pub use session_policy::{Arrival, Cutoffs, GoneReason, SessionActivity, SessionEnd, SessionPolicy};
pub use session_start::SessionStart;
pub use timestamp::{epoch_millis, rfc3339_millis, to_millis};
pub use values::Scalar;
