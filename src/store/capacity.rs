//! What a request's DynamoDB calls consumed, in read and write units, as
//! DynamoDB reports them (`ReturnConsumedCapacity: TOTAL` on every call):
//! the request's metrics record carries them (`ReadUnits`, `WriteUnits`), so
//! what each route costs shows in CloudWatch. The adapters add what each
//! call consumed to the meter of the request in progress (a task-local
//! value, set for the request by the HTTP adapter); outside a request
//! (start-up, the replay command) nothing is counted.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::ConsumedCapacity;

tokio::task_local! {
    static METER: Meter;
}

/// Units are counted in millionths, so that concurrent calls add up with
/// no lock (DynamoDB reports halves for eventually consistent reads).
const SCALE: f64 = 1_000_000.0;

#[derive(Debug, Default)]
struct Meter {
    read: AtomicU64,
    write: AtomicU64,
    calls: AtomicU64,
}

/// What a request consumed, when it made DynamoDB calls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Consumed {
    pub read_units: f64,
    pub write_units: f64,
}

/// Runs `request` with a fresh meter; what its DynamoDB calls consumed, if it made any.
pub async fn metered<T>(request: impl Future<Output = T>) -> (T, Option<Consumed>) {
    METER
        .scope(Meter::default(), async {
            let output = request.await;
            (output, current())
        })
        .await
}

/// What the request in progress has consumed so far.
pub fn current() -> Option<Consumed> {
    METER
        .try_with(|meter| {
            (meter.calls.load(Ordering::Relaxed) > 0).then(|| Consumed {
                read_units: meter.read.load(Ordering::Relaxed) as f64 / SCALE,
                write_units: meter.write.load(Ordering::Relaxed) as f64 / SCALE,
            })
        })
        .ok()
        .flatten()
}

/// Adds what a read (`GetItem`, `Query`) consumed.
pub fn read(consumed: Option<&ConsumedCapacity>) {
    add(consumed.into_iter(), Kind::Read);
}

/// Adds what a write consumed (`PutItem`, `UpdateItem`, `DeleteItem`, and
/// a transaction's or a batch's, table by table).
pub fn write<'a>(consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
    add(consumed.into_iter(), Kind::Write);
}

enum Kind {
    Read,
    Write,
}

fn add<'a>(consumed: impl Iterator<Item = &'a ConsumedCapacity>, kind: Kind) {
    let _ = METER.try_with(|meter| {
        meter.calls.fetch_add(1, Ordering::Relaxed);
        for capacity in consumed {
            let (read, write) = match kind {
                Kind::Read => (capacity.read_capacity_units().or(capacity.capacity_units()), None),
                Kind::Write => (None, capacity.write_capacity_units().or(capacity.capacity_units())),
            };
            let scaled = |units: f64| (units * SCALE).round() as u64;
            if let Some(units) = read {
                meter.read.fetch_add(scaled(units), Ordering::Relaxed);
            }
            if let Some(units) = write {
                meter.write.fetch_add(scaled(units), Ordering::Relaxed);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_adds_up_what_its_calls_consumed() {
        let one = ConsumedCapacity::builder().capacity_units(1.0).build();
        let half = ConsumedCapacity::builder()
            .read_capacity_units(0.5)
            .capacity_units(0.5)
            .build();
        let four = ConsumedCapacity::builder()
            .write_capacity_units(4.0)
            .capacity_units(4.0)
            .build();
        let ((), consumed) = metered(async {
            read(Some(&one));
            read(Some(&half));
            write([&four, &one]);
        })
        .await;
        assert_eq!(
            consumed,
            Some(Consumed {
                read_units: 1.5,
                write_units: 5.0
            })
        );
        let ((), none) = metered(async {}).await;
        assert_eq!(none, None);
        read(Some(&one)); // outside a request: not counted, no panic
    }
}
