//! A downloaded session against the same events sent one by one, by the same
//! media-collector process on the same DynamoDB Local, in the same run: a
//! session of [`CALLS`] events is sent once through the events route (one
//! request and one transaction per event, as a player online does), then as
//! one `POST /api/v1/downloaded` (a player back online after playing
//! offline). Each answer is checked (204 per event, 201 for the batch), and
//! the events table is counted afterwards, so a failure cannot pass for speed.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use serde_json::{Value, json};

use crate::function::{Function, Launch, Running, Store};
use crate::knobs::Knobs;
use crate::scenarios;
use crate::services::ddb_local::DynamoDbLocal;

/// The sessions table of this measure; its events go to `<table>-events`.
const TABLE: &str = "media-collector-bench-downloaded";

/// Events in the measured session.
pub const CALLS: usize = 1_000;

#[derive(Debug, Clone, Copy)]
pub struct DownloadedFigures {
    pub events: usize,
    /// The events sent one by one, each answered 204.
    pub one_by_one: Duration,
    /// The same events (and their start) as one downloaded session, answered 201.
    pub batch: Duration,
}

impl DownloadedFigures {
    pub fn one_by_one_per_second(&self) -> f64 {
        self.events as f64 / self.one_by_one.as_secs_f64()
    }

    pub fn batch_per_second(&self) -> f64 {
        self.events as f64 / self.batch.as_secs_f64()
    }

    pub fn ratio(&self) -> f64 {
        self.one_by_one.as_secs_f64() / self.batch.as_secs_f64()
    }

    /// The markdown section of the report.
    pub fn render(&self) -> String {
        format!(
            "\n### Downloaded session: {} events in one call, against one by one\n\n\
             | | time | events stored per second |\n|---|---:|---:|\n\
             | one by one (`POST …/events`, 204 each) | {:.0} ms | {:.0} |\n\
             | one downloaded session (`POST /api/v1/downloaded`, 201) | {:.0} ms | {:.0} |\n\n\
             The batch is **{:.1}×** faster (target: 10×). Same process, same DynamoDB Local, same run.\n",
            self.events,
            self.one_by_one.as_secs_f64() * 1000.0,
            self.one_by_one_per_second(),
            self.batch.as_secs_f64() * 1000.0,
            self.batch_per_second(),
            self.ratio(),
        )
    }
}

/// `start_event` is the HTTP API sessionStart sample the bench sends; the
/// events go to the table `events_table` of `client`.
pub async fn measure(
    running: &Running,
    start_event: &Value,
    client: &Client,
    events_table: &str,
) -> anyhow::Result<DownloadedFigures> {
    let start_body: Value = serde_json::from_str(start_event["body"].as_str().context("the sample has a body")?)?;
    let ts0 = start_body["playerTime"]["ts"]
        .as_i64()
        .context("the sample start has a ts")?;
    let calls: Vec<Value> = (1..=CALLS)
        .map(|n| {
            let ts = ts0 + n as i64 * 1_000;
            json!({ "eventType": "ping", "playerTime": { "playhead": n, "ts": ts } })
        })
        .collect();

    // Online: a start, then each event in its own request.
    let answer = running.invoke_status(start_event.clone(), 201).await?;
    let session = session_id(&answer)?;
    let path = format!("/api/v1/sessions/{session}/events");
    let started = Instant::now();
    for call in &calls {
        running.invoke_status(posting(start_event, &path, call), 204).await?;
    }
    let one_by_one = started.elapsed();

    // Offline: the same events, a day later in player time (another session).
    let mut batch = vec![start_body];
    batch[0]["playerTime"]["ts"] = json!(ts0 + 86_400_000);
    batch.extend(calls.iter().map(|call| {
        let mut call = call.clone();
        call["playerTime"]["ts"] = json!(call["playerTime"]["ts"].as_i64().unwrap_or_default() + 86_400_000);
        call
    }));
    let request = posting(start_event, "/api/v1/downloaded", &Value::Array(batch));
    let started = Instant::now();
    let answer = running.invoke_status(request, 201).await?;
    let batch_time = started.elapsed();
    let offline = session_id(&answer)?;

    for id in [&session, &offline] {
        let stored = count(client, events_table, id).await?;
        if stored != CALLS {
            bail!("session {id}: {stored} events stored, {CALLS} answered");
        }
    }
    Ok(DownloadedFigures {
        events: CALLS,
        one_by_one,
        batch: batch_time,
    })
}

/// The sample's HTTP API envelope, posting `body` to `path`.
fn posting(sample: &Value, path: &str, body: &Value) -> Value {
    let mut event = sample.clone();
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["body"] = json!(body.to_string());
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.remove("content-length");
    }
    event
}

/// The id in a 201's `Location`.
fn session_id(answer: &Value) -> anyhow::Result<String> {
    let headers = &answer["headers"];
    let location = headers["location"]
        .as_str()
        .or_else(|| headers["Location"].as_str())
        .with_context(|| format!("a 201 without Location: {answer}"))?;
    Ok(location.rsplit('/').next().unwrap_or_default().to_owned())
}

/// How many events the table holds for `session`.
async fn count(client: &Client, table: &str, session: &str) -> anyhow::Result<usize> {
    let mut total = 0;
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .key_condition_expression("sessionId = :id")
            .expression_attribute_values(":id", AttributeValue::S(session.to_owned()))
            .select(Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await
            .context("count the events in DynamoDB Local")?;
        total += usize::try_from(page.count).unwrap_or_default();
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(total);
        }
    }
}

/// Starts `subject` on its own tables of `ddb`, warms it up, measures, and
/// renders the section of the report.
pub async fn run(
    subject: &Function,
    ddb: &DynamoDbLocal,
    event: &Value,
    log_dir: &std::path::Path,
    knobs: &Knobs,
) -> anyhow::Result<String> {
    let client = ddb.client();
    let events_table = format!("{TABLE}-events");
    media_collector::store::dynamodb::schema::create_if_missing(&client, TABLE)
        .await
        .map_err(|error| anyhow::anyhow!("create {TABLE} in DynamoDB Local: {error}"))?;
    media_collector::store::dynamodb::schema::create_events_table_if_missing(&client, &events_table)
        .await
        .map_err(|error| anyhow::anyhow!("create table {events_table} in DynamoDB Local: {error}"))?;
    let store = Store {
        endpoint: ddb.url(),
        ca_file: None,
    };
    let launch = Launch {
        store: &store,
        table: TABLE,
        max_concurrency: None,
        log: log_dir.join(format!("{}-downloaded.log", subject.label)),
    };
    let mut running = Running::spawn(subject, launch, event).await?;
    scenarios::cold_start(&mut running).await?;
    scenarios::batch(&running, knobs.warmup).await?;
    let figures = measure(&running, event, &client, &events_table).await?;
    running.stop().await;
    eprintln!(
        "==> downloaded session of {} events: one by one {:.0} ms ({:.0} events/s), one call {:.0} ms ({:.0} events/s): {:.1}x",
        figures.events,
        figures.one_by_one.as_secs_f64() * 1000.0,
        figures.one_by_one_per_second(),
        figures.batch.as_secs_f64() * 1000.0,
        figures.batch_per_second(),
        figures.ratio()
    );
    Ok(figures.render())
}
