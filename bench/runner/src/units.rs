//! DynamoDB capacity units per call kind, for every build of media-collector
//! in the run: the viewer-hour ([`crate::viewer_hour`]) is played through the
//! function call by call against DynamoDB Local, then once more as one
//! downloaded session, and each call's units are found one of two ways:
//!
//! - **EMF**: the function's own count, when its EMF record (the JSON line it
//!   prints per request) carries `WriteUnits` / `ReadUnits`, as it will once
//!   it asks DynamoDB for `ReturnConsumedCapacity: TOTAL`;
//! - **item size** otherwise: DynamoDB's sizing rules ([`crate::item_size`])
//!   applied to the items as stored after each call (read back with a
//!   consistent `GetItem` / `Query`), with the calls the function makes:
//!   a start is one `PutItem` (⌈record/1 KB⌉ write units); an event is a
//!   consistent `GetItem` of the record (⌈record/4 KB⌉ read units) and a
//!   transaction of the record's update and the event's put (2 × ⌈record/1
//!   KB⌉ + 2 × ⌈event/1 KB⌉, the record at the larger of its sizes before
//!   and after); a downloaded session is a consistent `GetItem` (1 read
//!   unit, no item), its events' `BatchWriteItem` puts (⌈event/1 KB⌉ each)
//!   and the record's `PutItem` (⌈record/1 KB⌉).
//!
//! Each row says which source it used.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use crate::function::{Function, Launch, Running, Store};
use crate::item_size::{item_size, read_units, write_units};
use crate::load::viewers::Templates;
use crate::scenarios;
use crate::services::ddb_local::DynamoDbLocal;
use crate::viewer_hour::{self, Kind};

/// The sessions table of this phase; its events go to `<table>-events`.
const TABLE: &str = "media-collector-bench-units";
/// The viewer-hour's player clock.
const EPOCH_MS: u64 = 1_795_500_000_000;
const DAY_MS: u64 = 86_400_000;

/// Where a figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The function's EMF record (`WriteUnits`, `ReadUnits`).
    Emf,
    /// DynamoDB's item-size rules on the items stored.
    ItemSize,
}

/// One call's capacity units.
#[derive(Debug, Clone, Copy)]
pub struct CallUnits {
    pub kind: Kind,
    pub write: f64,
    pub read: f64,
    pub source: Source,
    /// The session record's size after the call, bytes.
    pub record_bytes: usize,
    /// The event item's size, bytes (0 for a start).
    pub event_bytes: usize,
}

/// A downloaded session's units, in all and per event.
#[derive(Debug, Clone, Copy)]
pub struct DownloadedUnits {
    pub events: usize,
    pub write: f64,
    pub read: f64,
    pub source: Source,
}

/// Everything measured for one build.
#[derive(Debug, Clone)]
pub struct Units {
    pub calls: Vec<CallUnits>,
    pub downloaded: DownloadedUnits,
}

impl Units {
    /// The calls of one kind.
    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &CallUnits> {
        self.calls.iter().filter(move |call| call.kind == kind)
    }

    /// Write and read units of the whole viewer-hour, call by call.
    pub fn hour(&self) -> (f64, f64) {
        self.calls
            .iter()
            .fold((0.0, 0.0), |(w, r), call| (w + call.write, r + call.read))
    }
}

/// The units of each request the function's EMF records carry, by request id.
pub fn emf_units(log: &Path) -> HashMap<String, (Option<f64>, Option<f64>)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter(|line| line.starts_with('{') && line.contains("\"_aws\""))
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|record| {
            let id = record["RequestId"].as_str()?.to_owned();
            let (write, read) = (record["WriteUnits"].as_f64(), record["ReadUnits"].as_f64());
            (write.is_some() || read.is_some()).then_some((id, (write, read)))
        })
        .collect()
}

/// Plays the viewer-hour through `function`, then the same calls as one
/// downloaded session, and finds each call's units.
pub async fn measure(
    function: &Function,
    ddb: &DynamoDbLocal,
    templates: &Templates,
    log_dir: &Path,
) -> anyhow::Result<Units> {
    let client = ddb.client();
    let events_table = format!("{TABLE}-events");
    media_collector::store::dynamodb::schema::create_if_missing(&client, TABLE)
        .await
        .map_err(|error| anyhow::anyhow!("create {TABLE} in DynamoDB Local: {error}"))?;
    media_collector::store::dynamodb::schema::create_events_table_if_missing(&client, &events_table)
        .await
        .map_err(|error| anyhow::anyhow!("create {events_table} in DynamoDB Local: {error}"))?;
    let store = Store {
        endpoint: ddb.url(),
        ca_file: None,
    };
    let launch = Launch {
        store: &store,
        table: TABLE,
        max_concurrency: None,
        log: log_dir.join(format!("{}-units.log", function.label)),
    };
    let start = templates.start_event(EPOCH_MS - DAY_MS);
    let mut running = Running::spawn(function, launch, &start).await?;
    scenarios::cold_start(&mut running).await?;

    let calls = viewer_hour::calls();
    let mut measured = Vec::with_capacity(calls.len());
    let mut request_ids = Vec::with_capacity(calls.len());
    let (mut ts, mut playhead_s) = (EPOCH_MS, 0u64);
    let mut session = String::new();
    let mut record_before = 0usize;
    for call in &calls {
        ts += call.after_ms;
        if call.playhead_moves {
            playhead_s += call.after_ms / 1000;
        }
        let kind = Kind::of(call.event_type);
        let (units, id) = if kind == Kind::Start {
            let invocation = running.invoke_expecting(hour_start(templates, ts), 201).await?;
            session = answer_session(&invocation.outcome)?;
            let record = record_size(&client, TABLE, &session).await?;
            record_before = record;
            let units = CallUnits {
                kind,
                write: write_units(record),
                read: 0.0,
                source: Source::ItemSize,
                record_bytes: record,
                event_bytes: 0,
            };
            (units, invocation.request_id)
        } else {
            let mut event = templates.session_event(&session, call.event_type, playhead_s, ts);
            let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap_or_default())?;
            body["params"] = viewer_hour::params(call.event_type);
            event["body"] = json!(body.to_string());
            let invocation = running.invoke_expecting(event, 204).await?;
            let record = record_size(&client, TABLE, &session).await?;
            let event_bytes = event_size(&client, &events_table, &session, ts, call.event_type).await?;
            let units = CallUnits {
                kind,
                write: 2.0 * write_units(record.max(record_before)) + 2.0 * write_units(event_bytes),
                read: read_units(record_before),
                source: Source::ItemSize,
                record_bytes: record,
                event_bytes,
            };
            record_before = record;
            (units, invocation.request_id)
        };
        measured.push(units);
        request_ids.push(id);
    }

    // The same calls as one downloaded session, a day later in player time.
    let mut batch = Vec::with_capacity(calls.len());
    let (mut ts, mut playhead_s) = (EPOCH_MS + DAY_MS, 0u64);
    for call in &calls {
        ts += call.after_ms;
        if call.playhead_moves {
            playhead_s += call.after_ms / 1000;
        }
        if call.event_type == "sessionStart" {
            batch.push(serde_json::from_str::<Value>(
                hour_start(templates, ts)["body"].as_str().unwrap_or_default(),
            )?);
        } else {
            batch.push(json!({
                "playerTime": { "playhead": playhead_s, "ts": ts },
                "eventType": call.event_type,
                "params": viewer_hour::params(call.event_type),
            }));
        }
    }
    let mut request = templates.session_event("x", "ping", 0, 0);
    request["rawPath"] = json!("/api/v1/downloaded");
    request["requestContext"]["http"]["path"] = json!("/api/v1/downloaded");
    request["requestContext"]["routeKey"] = json!("POST /api/v1/downloaded");
    request["routeKey"] = json!("POST /api/v1/downloaded");
    if let Some(parameters) = request.as_object_mut() {
        parameters.remove("pathParameters");
    }
    request["body"] = json!(Value::Array(batch).to_string());
    let invocation = running.invoke_expecting(request, 201).await?;
    let offline = answer_session(&invocation.outcome)?;
    let record = record_size(&client, TABLE, &offline).await?;
    let event_sizes = event_sizes(&client, &events_table, &offline).await?;
    let events = event_sizes.len();
    anyhow::ensure!(
        events == calls.len() - 1,
        "{}: the downloaded session stored {events} events of {}",
        function.label,
        calls.len() - 1
    );
    let mut downloaded = DownloadedUnits {
        events,
        write: event_sizes.iter().map(|size| write_units(*size)).sum::<f64>() + write_units(record),
        read: 1.0,
        source: Source::ItemSize,
    };
    running.stop().await;

    // The function's own figures, where its EMF records have them.
    let emf = emf_units(&log_dir.join(format!("{}-units.log", function.label)));
    for (units, id) in measured.iter_mut().zip(&request_ids) {
        if let Some((write, read)) = emf.get(id) {
            units.write = write.unwrap_or(units.write);
            units.read = read.unwrap_or(units.read);
            units.source = Source::Emf;
        }
    }
    if let Some((write, read)) = emf.get(&invocation.request_id) {
        downloaded.write = write.unwrap_or(downloaded.write);
        downloaded.read = read.unwrap_or(downloaded.read);
        downloaded.source = Source::Emf;
    }
    Ok(Units {
        calls: measured,
        downloaded,
    })
}

/// The hour's start: an hour-long VOD.
fn hour_start(templates: &Templates, ts: u64) -> Value {
    let mut event = templates.start_event(ts);
    if let Ok(mut body) = serde_json::from_str::<Value>(event["body"].as_str().unwrap_or_default()) {
        body["params"]["media.length"] = json!(3600);
        event["body"] = json!(body.to_string());
    }
    event
}

/// The session id in a 201's `Location`.
fn answer_session(outcome: &media_collector_test_support::emulator::Outcome) -> anyhow::Result<String> {
    match outcome {
        media_collector_test_support::emulator::Outcome::Response(answer) => {
            crate::events::location_id(answer).with_context(|| format!("a 201 without a Location: {answer}"))
        }
        media_collector_test_support::emulator::Outcome::Error(error) => {
            anyhow::bail!("the invocation failed: {error}")
        }
    }
}

async fn record_size(client: &Client, table: &str, session: &str) -> anyhow::Result<usize> {
    let read = client
        .get_item()
        .table_name(table)
        .key("sessionId", AttributeValue::S(session.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .context("read the session record back from DynamoDB Local")?;
    let item = read.item.with_context(|| format!("no record for session {session}"))?;
    Ok(item_size(&item))
}

/// The size of the event stored under `ts` and `event_type` (whatever its key's form).
async fn event_size(client: &Client, table: &str, session: &str, ts: u64, event_type: &str) -> anyhow::Result<usize> {
    let read = client
        .query()
        .table_name(table)
        .key_condition_expression("sessionId = :id AND begins_with(eventKey, :key)")
        .expression_attribute_values(":id", AttributeValue::S(session.to_owned()))
        .expression_attribute_values(":key", AttributeValue::S(format!("{ts:015}#{event_type}")))
        .consistent_read(true)
        .send()
        .await
        .context("read an event back from DynamoDB Local")?;
    let items = read.items.unwrap_or_default();
    items
        .iter()
        .map(item_size)
        .max()
        .with_context(|| format!("no {event_type} event at {ts} for session {session}"))
}

/// The sizes of every event of a session.
async fn event_sizes(client: &Client, table: &str, session: &str) -> anyhow::Result<Vec<usize>> {
    let mut sizes = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .key_condition_expression("sessionId = :id")
            .expression_attribute_values(":id", AttributeValue::S(session.to_owned()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .context("read the downloaded events back from DynamoDB Local")?;
        sizes.extend(page.items.unwrap_or_default().iter().map(item_size));
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(sizes);
        }
    }
}

/// Per kind: the mean write and read units, the largest record and event,
/// and the source (EMF only when every call of the kind had it).
pub fn by_kind(units: &Units) -> BTreeMap<Kind, (f64, f64, usize, usize, Source)> {
    let mut out = BTreeMap::new();
    for kind in [Kind::Start, Kind::Ping, Kind::State, Kind::End] {
        let calls: Vec<&CallUnits> = units.of(kind).collect();
        if calls.is_empty() {
            continue;
        }
        let n = calls.len() as f64;
        let source = if calls.iter().all(|c| c.source == Source::Emf) {
            Source::Emf
        } else {
            Source::ItemSize
        };
        out.insert(
            kind,
            (
                calls.iter().map(|c| c.write).sum::<f64>() / n,
                calls.iter().map(|c| c.read).sum::<f64>() / n,
                calls.iter().map(|c| c.record_bytes).max().unwrap_or(0),
                calls.iter().map(|c| c.event_bytes).max().unwrap_or(0),
                source,
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_records_with_units_are_found_by_request_id() {
        let dir = std::env::temp_dir().join(format!("units-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("f.log");
        std::fs::write(
            &log,
            "{\"level\":\"INFO\",\"message\":\"a log line\"}\n\
             {\"_aws\":{\"Timestamp\":1},\"RequestId\":\"r1\",\"Requests\":1}\n\
             {\"_aws\":{\"Timestamp\":1},\"RequestId\":\"r2\",\"WriteUnits\":6,\"ReadUnits\":1}\n\
             not json\n",
        )
        .unwrap();
        let units = emf_units(&log);
        assert_eq!(units.len(), 1);
        assert_eq!(units["r2"], (Some(6.0), Some(1.0)));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
