//! Session metrics (docs/api.md#8a-session-metrics): what a session's calls mean, computed
//! from that session's calls alone with bounded state. Pure: no I/O, no clock.
//!
//! Use: [`Tracker::start`] at the sessionStart, [`Tracker::accept`] for each
//! accepted event (live or from a downloaded batch, in arrival / array order),
//! [`Tracker::metrics`] for the published map, and [`Tracker::encode`] /
//! [`Tracker::decode`] for the session record's internal state.
//!
//! Numbers given to this module must be finite JSON numbers (as the request
//! validation ensures): decimal exponents beyond a few hundred make the exact
//! arithmetic slow.

mod codec;
mod codec_state;
mod model;
mod num;
mod state;
mod transitions;
mod view;
mod window;
mod wire;

#[cfg(test)]
mod tests;

pub use codec::{DecodeError, VERSION};
pub use model::{Call, Kind, Qoe, Start};
pub use view::{METRIC_NAMES, MetricValue, Metrics, StateMetric};
pub use window::Tracker;
