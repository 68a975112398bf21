//! The DynamoDB event adapter against AWS DynamoDB Local, the real engine:
//! every event type stored attribute by attribute with exact decimals, what
//! the session record gains, unknown and closed sessions (each reason, from
//! the first read and from the transaction's own conditions), duplicates,
//! concurrent events on one session, and faults answered within the budget
//! with nothing half-written.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::support::{
    EVENT_TYPES, Fault, Intercept, Item, Tables, closed_port, dynamodb_client, dynamodb_endpoint, event_body,
    event_body_at, faulty_endpoint, intercepting_proxy, m, n, redirected, s, sample_body,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use media_collector::domain::{
    EventRecord, GoneReason, SessionEvent, SessionPolicy, SessionRecord, SessionStart, epoch_millis, rfc3339_millis,
};
use media_collector::store::dynamodb::DynamoDbEventStore;
use media_collector::store::dynamodb::DynamoDbSessionStore;
use media_collector::store::{Appended, EventStore, SessionStore, StoreError};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;

const BUDGET: Duration = Duration::from_millis(600);
/// Room for the scheduler on a busy two-core machine; the budget is the point.
const SLACK: Duration = Duration::from_millis(900);
const TS: i64 = 1_509_045_334_153;

/// The adapters on a test's tables, and a test's sessions.
impl Tables {
    /// The event store, through `client` (the direct one, or a faulty route).
    fn store(&self, client: &Client, budget: Duration) -> DynamoDbEventStore {
        DynamoDbEventStore::new(client.clone(), &self.sessions, &self.events, budget)
    }

    fn direct(&self) -> DynamoDbEventStore {
        self.store(&self.client, Duration::from_secs(10))
    }

    /// A stored session, created at `created_at`.
    async fn session_created_at(&self, created_at: OffsetDateTime) -> SessionRecord {
        let start = SessionStart::parse(&sample_body().to_string()).expect("a valid sessionStart");
        let record = SessionRecord::new(start, "start-request".to_owned(), created_at, 30);
        DynamoDbSessionStore::new(self.client.clone(), &self.sessions)
            .create(&record)
            .await
            .expect("the session is stored");
        record
    }

    async fn session(&self) -> SessionRecord {
        self.session_created_at(OffsetDateTime::now_utc()).await
    }

    async fn set_on_session(&self, session: &SessionRecord, attribute: &str, value: AttributeValue) {
        self.client
            .update_item()
            .table_name(&self.sessions)
            .key("sessionId", AttributeValue::S(session.session_id.to_string()))
            .update_expression("SET #a = :v")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":v", value)
            .send()
            .await
            .expect("UpdateItem on DynamoDB Local");
    }
}

fn event(session: &SessionRecord, body: &Value, request_id: &str) -> EventRecord {
    let event = SessionEvent::parse(&body.to_string()).expect("a valid event");
    EventRecord::new(
        session.session_id.clone(),
        event,
        request_id.to_owned(),
        OffsetDateTime::now_utc(),
    )
}

fn of_type(session: &SessionRecord, event_type: &str, ts: i64) -> EventRecord {
    event(
        session,
        &event_body_at(event_type, ts),
        &format!("req-{event_type}-{ts}"),
    )
}

/// What a JSON part of the body must be in the item: numbers as the exact text sent.
fn attribute(value: &Value) -> AttributeValue {
    match value {
        Value::String(text) => AttributeValue::S(text.clone()),
        Value::Number(number) => AttributeValue::N(number.as_str().to_owned()),
        Value::Bool(flag) => AttributeValue::Bool(*flag),
        Value::Object(object) => AttributeValue::M(object.iter().map(|(k, v)| (k.clone(), attribute(v))).collect()),
        other => panic!("no attribute for {other}"),
    }
}

fn names(item: &Item) -> Vec<&str> {
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

fn count(item: &Item) -> u64 {
    n(item, "eventCount").parse().expect("eventCount is a whole number")
}

#[tokio::test]
async fn every_event_type_is_stored_attribute_by_attribute() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let session = tables.session().await;
    // sessionEnd closes the session, so it comes last; ts falls as types go
    // on, so key order is not arrival order.
    let mut types: Vec<&str> = EVENT_TYPES.iter().copied().filter(|t| *t != "sessionEnd").collect();
    types.push("sessionEnd");
    let mut sent = Vec::new();
    for (i, event_type) in types.iter().enumerate() {
        let ts = TS + 1_000 * (types.len() - i) as i64;
        let record = of_type(&session, event_type, ts);
        let outcome = store.append(&record, &SessionPolicy::default()).await;
        assert_eq!(outcome.expect(event_type), Appended::Stored, "{event_type}");
        sent.push((record, event_body_at(event_type, ts)));
    }

    let items = tables.event_items(session.session_id.as_str()).await;
    assert_eq!(items.len(), types.len());
    let mut by_key: Vec<&(EventRecord, Value)> = sent.iter().collect();
    by_key.sort_by_key(|(record, _)| record.key());
    let session_item = tables.session_item(session.session_id.as_str()).await;
    for (item, (record, body)) in items.iter().zip(by_key) {
        let event_type = body["eventType"].as_str().unwrap();
        let mut expected = vec![
            "eventKey",
            "eventType",
            "expiresAt",
            "playerTime",
            "receivedAt",
            "requestId",
            "sessionId",
        ];
        for part in ["params", "customMetadata", "qoeData"] {
            if body.get(part).is_some() {
                expected.push(part);
                assert_eq!(item[part], attribute(&body[part]), "{event_type}: {part}");
            }
        }
        expected.sort_unstable();
        assert_eq!(names(item), expected, "{event_type}");
        assert_eq!(s(item, "sessionId"), session.session_id.as_str());
        assert_eq!(
            s(item, "eventKey"),
            format!("{:015}#{event_type}", record.event.player_time.ts_millis())
        );
        assert_eq!(s(item, "eventType"), event_type, "stored as sent");
        assert_eq!(item["playerTime"], attribute(&body["playerTime"]), "{event_type}");
        assert_eq!(s(item, "receivedAt"), rfc3339_millis(record.received_at));
        assert_eq!(
            n(item, "expiresAt"),
            n(&session_item, "expiresAt"),
            "the session's expiry"
        );
        assert_eq!(s(item, "requestId"), record.request_id);
    }
    let ad = items.iter().find(|item| s(item, "eventType") == "adStart").unwrap();
    assert_eq!(n(m(ad, "params"), "media.ad.length"), "15.333333333333333");
    assert_eq!(n(m(ad, "params"), "media.ad.podPosition"), "1");
    assert_eq!(s(m(ad, "customMetadata"), "ad.category"), "sports");
    let bitrate = items
        .iter()
        .find(|item| s(item, "eventType") == "bitrateChange")
        .unwrap();
    assert_eq!(n(m(bitrate, "qoeData"), "media.qoe.framesPerSecond"), "29.97");
    let play = items.iter().find(|item| s(item, "eventType") == "play").unwrap();
    assert!(m(play, "params").is_empty(), "params: {{}} is kept as sent");
    let ping = items.iter().find(|item| s(item, "eventType") == "ping").unwrap();
    assert!(!ping.contains_key("params"), "no params sent, none stored");

    let (last, _) = sent.last().unwrap();
    assert_eq!(count(&session_item), types.len() as u64);
    assert_eq!(
        n(&session_item, "lastEventAt"),
        epoch_millis(last.received_at).to_string()
    );
    assert_eq!(s(&session_item, "endedAt"), rfc3339_millis(last.received_at));
}

#[tokio::test]
async fn exact_decimals_and_a_zero_fraction_ts_are_kept_as_sent() {
    let tables = Tables::new().await;
    let session = tables.session().await;
    let mut body = event_body("chapterStart");
    body["playerTime"]["ts"] = serde_json::from_str("1509045324153.0").unwrap();
    body["playerTime"]["playhead"] = serde_json::from_str("12.345678901234567890123456789").unwrap();
    body["params"]["my.count"] = serde_json::from_str("12345678901234567890.123456789012345678").unwrap();
    let record = event(&session, &body, "req-exact");
    assert_eq!(
        tables
            .direct()
            .append(&record, &SessionPolicy::default())
            .await
            .unwrap(),
        Appended::Stored
    );
    let items = tables.event_items(session.session_id.as_str()).await;
    assert_eq!(s(&items[0], "eventKey"), "001509045324153#chapterStart");
    assert_eq!(n(m(&items[0], "playerTime"), "ts"), "1509045324153.0");
    assert_eq!(
        n(m(&items[0], "playerTime"), "playhead"),
        "12.345678901234567890123456789"
    );
    assert_eq!(
        n(m(&items[0], "params"), "my.count"),
        "12345678901234567890.123456789012345678"
    );
    assert_eq!(n(m(&items[0], "params"), "media.chapter.length"), "30.25");
}

#[tokio::test]
async fn the_session_record_counts_events_and_only_session_end_closes_it() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let session = tables.session().await;
    let before = tables.session_item(session.session_id.as_str()).await;
    assert!(!before.contains_key("eventCount") && !before.contains_key("lastEventAt"));

    for (i, event_type) in ["play", "sessionComplete", "contentComplete", "ping"]
        .iter()
        .enumerate()
    {
        let record = of_type(&session, event_type, TS + i as i64);
        assert_eq!(
            store.append(&record, &SessionPolicy::default()).await.unwrap(),
            Appended::Stored
        );
        let item = tables.session_item(session.session_id.as_str()).await;
        assert_eq!(count(&item), i as u64 + 1, "after {event_type}");
        assert_eq!(n(&item, "lastEventAt"), epoch_millis(record.received_at).to_string());
        assert!(!item.contains_key("endedAt"), "{event_type} does not close the session");
    }
    let item = tables.session_item(session.session_id.as_str()).await;
    assert_eq!(
        s(&item, "createdAt"),
        session.created_at_rfc3339(),
        "the start is untouched"
    );
    assert_eq!(item["params"], before["params"]);
}

#[tokio::test]
async fn an_unknown_session_is_refused_and_nothing_is_written() {
    let tables = Tables::new().await;
    let never_stored = SessionRecord::new(
        SessionStart::parse(&sample_body().to_string()).unwrap(),
        "never".to_owned(),
        OffsetDateTime::now_utc(),
        30,
    );
    let outcome = tables
        .direct()
        .append(&of_type(&never_stored, "play", TS), &SessionPolicy::default())
        .await;
    assert!(matches!(outcome, Err(StoreError::UnknownSession)), "{outcome:?}");
    assert!(tables.event_items(never_stored.session_id.as_str()).await.is_empty());
}

#[tokio::test]
async fn a_closed_session_is_refused_with_its_reason_and_left_as_it_was() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let policy = SessionPolicy::default();
    let now = OffsetDateTime::now_utc();

    let ended = tables.session().await;
    store.append(&of_type(&ended, "sessionEnd", TS), &policy).await.unwrap();
    let expired = tables.session_created_at(now - time::Duration::hours(25)).await;
    let idle_since_start = tables.session_created_at(now - time::Duration::minutes(11)).await;
    let idle_since_event = tables.session_created_at(now - time::Duration::minutes(30)).await;
    let eleven_minutes_ago = epoch_millis(now - time::Duration::minutes(11));
    tables
        .set_on_session(
            &idle_since_event,
            "lastEventAt",
            AttributeValue::N(eleven_minutes_ago.to_string()),
        )
        .await;
    let ended_and_expired = tables.session_created_at(now - time::Duration::days(2)).await;
    tables
        .set_on_session(&ended_and_expired, "endedAt", AttributeValue::S(rfc3339_millis(now)))
        .await;
    let expired_and_idle = tables.session_created_at(now - time::Duration::days(2)).await;

    for (case, session, reason) in [
        ("after sessionEnd", &ended, GoneReason::Ended),
        ("older than the maximum age", &expired, GoneReason::Expired),
        ("no event since the start", &idle_since_start, GoneReason::Idle),
        ("no event since the last", &idle_since_event, GoneReason::Idle),
        ("ended beats expired", &ended_and_expired, GoneReason::Ended),
        ("expired beats idle", &expired_and_idle, GoneReason::Expired),
    ] {
        let before = tables.session_item(session.session_id.as_str()).await;
        let outcome = store.append(&of_type(session, "ping", TS + 1), &policy).await;
        assert!(
            matches!(outcome, Err(StoreError::Gone(found)) if found == reason),
            "{case}: {outcome:?}"
        );
        assert_eq!(
            tables.session_item(session.session_id.as_str()).await,
            before,
            "{case}: the session is untouched"
        );
        let keys: Vec<String> = tables
            .event_items(session.session_id.as_str())
            .await
            .iter()
            .map(|item| s(item, "eventKey"))
            .collect();
        assert!(!keys.iter().any(|key| key.ends_with("#ping")), "{case}: {keys:?}");
    }
}

#[tokio::test]
async fn a_session_goes_idle_after_the_timeout_since_its_last_event() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let policy = SessionPolicy {
        idle_timeout: Duration::from_secs(1),
        max_age: Duration::from_secs(60),
        stall_timeout: Duration::from_secs(60),
    };
    let session = tables.session().await;
    store.append(&of_type(&session, "play", TS), &policy).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    store
        .append(&of_type(&session, "ping", TS + 1), &policy)
        .await
        .expect("within the idle timeout of the last event");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let outcome = store.append(&of_type(&session, "ping", TS + 2), &policy).await;
    assert!(
        matches!(outcome, Err(StoreError::Gone(GoneReason::Idle))),
        "{outcome:?}"
    );
    assert_eq!(count(&tables.session_item(session.session_id.as_str()).await), 2);
}

#[tokio::test]
async fn a_retried_event_is_stored_once_even_after_the_session_ended() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let policy = SessionPolicy::default();
    let session = tables.session().await;

    let play = of_type(&session, "play", TS);
    assert_eq!(store.append(&play, &policy).await.unwrap(), Appended::Stored);
    let retry = event(&session, &event_body_at("play", TS), "the-retry");
    assert_eq!(store.append(&retry, &policy).await.unwrap(), Appended::Duplicate);
    let items = tables.event_items(session.session_id.as_str()).await;
    assert_eq!(items.len(), 1);
    assert_eq!(s(&items[0], "requestId"), play.request_id, "the first write stays");
    assert_eq!(
        count(&tables.session_item(session.session_id.as_str()).await),
        1,
        "counted once"
    );

    let end = of_type(&session, "sessionEnd", TS + 5);
    assert_eq!(store.append(&end, &policy).await.unwrap(), Appended::Stored);
    let after_end = tables.session_item(session.session_id.as_str()).await;
    assert_eq!(store.append(&end, &policy).await.unwrap(), Appended::Duplicate);
    assert_eq!(store.append(&retry, &policy).await.unwrap(), Appended::Duplicate);
    let late = store.append(&of_type(&session, "ping", TS + 6), &policy).await;
    assert!(matches!(late, Err(StoreError::Gone(GoneReason::Ended))), "{late:?}");
    assert_eq!(
        tables.session_item(session.session_id.as_str()).await,
        after_end,
        "the duplicates changed nothing"
    );
    assert_eq!(tables.event_items(session.session_id.as_str()).await.len(), 2);

    // Same ts, another type: another event.
    let other = tables.session().await;
    store.append(&of_type(&other, "play", TS), &policy).await.unwrap();
    let pause = store.append(&of_type(&other, "pauseStart", TS), &policy).await;
    assert_eq!(pause.unwrap(), Appended::Stored);
}

/// DynamoDB Local runs transactions one at a time; the conflicts that real
/// DynamoDB reports between them are played by a proxy further down
/// (`a_conflicting_transaction_is_tried_again`).
#[tokio::test]
async fn concurrent_events_on_one_session_are_all_stored_and_counted() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let session = tables.session().await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, record) = (store.clone(), of_type(&session, "ping", TS + i));
            tokio::spawn(async move { store.append(&record, &SessionPolicy::default()).await })
        })
        .collect();
    for task in tasks {
        let outcome = task.await.expect("the task ran");
        assert_eq!(outcome.expect("every event is stored"), Appended::Stored);
    }
    assert_eq!(
        count(&tables.session_item(session.session_id.as_str()).await),
        20,
        "no lost update"
    );
    assert_eq!(tables.event_items(session.session_id.as_str()).await.len(), 20);
}

#[tokio::test]
async fn the_same_event_sent_many_times_at_once_is_stored_and_counted_once() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let session = tables.session().await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (store, record) = (store.clone(), event(&session, &event_body("play"), &format!("try-{i}")));
            tokio::spawn(async move { store.append(&record, &SessionPolicy::default()).await })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        match task.await.expect("the task ran").expect("every copy is answered") {
            Appended::Stored => stored += 1,
            Appended::Duplicate => {}
        }
    }
    assert_eq!(stored, 1);
    assert_eq!(count(&tables.session_item(session.session_id.as_str()).await), 1);
    assert_eq!(tables.event_items(session.session_id.as_str()).await.len(), 1);
}

/// Runs an append whose transaction is held until `between` has changed the
/// tables: the transaction's own conditions then decide, not the first read.
async fn append_with_a_change_in_between<F, Fut>(
    tables: &Tables,
    record: &EventRecord,
    between: F,
) -> Result<Appended, StoreError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (signal, mut held) = mpsc::channel(1);
    let (url, _) = intercepting_proxy(dynamodb_endpoint(), "TransactWriteItems", Intercept::Hold(signal)).await;
    let store = tables.store(&redirected(&tables.client, &url), Duration::from_secs(10));
    let (store, record_copy) = (store.clone(), record.clone());
    let append = tokio::spawn(async move { store.append(&record_copy, &SessionPolicy::default()).await });
    let go = held.recv().await.expect("the transaction reaches the proxy");
    between().await;
    go.send(()).expect("the proxy waits");
    append.await.expect("the task ran")
}

#[tokio::test]
async fn the_transaction_refuses_what_changed_after_the_first_read() {
    let tables = Tables::new().await;
    let now = OffsetDateTime::now_utc();
    let old = rfc3339_millis(now - time::Duration::days(2));
    let eleven_minutes_ago = epoch_millis(now - time::Duration::minutes(11)).to_string();
    type Change = (&'static str, AttributeValue);
    let thirty_one_minutes_ago = epoch_millis(now - time::Duration::minutes(31)).to_string();
    let cases: [(&str, Change, GoneReason); 4] = [
        (
            "ended meanwhile",
            ("endedAt", AttributeValue::S(rfc3339_millis(now))),
            GoneReason::Ended,
        ),
        (
            "stalled: the playhead last moved long ago",
            ("lastMovedAt", AttributeValue::N(thirty_one_minutes_ago)),
            GoneReason::Stalled,
        ),
        (
            "created long ago",
            ("createdAt", AttributeValue::S(old)),
            GoneReason::Expired,
        ),
        (
            "idle",
            ("lastEventAt", AttributeValue::N(eleven_minutes_ago)),
            GoneReason::Idle,
        ),
    ];
    for (case, (attribute, value), reason) in cases {
        let session = tables.session().await;
        let record = of_type(&session, "play", TS);
        let outcome = append_with_a_change_in_between(&tables, &record, || {
            tables.set_on_session(&session, attribute, value.clone())
        })
        .await;
        assert!(
            matches!(outcome, Err(StoreError::Gone(found)) if found == reason),
            "{case}: {outcome:?}"
        );
        assert!(
            tables.event_items(session.session_id.as_str()).await.is_empty(),
            "{case}"
        );
        assert!(
            !tables
                .session_item(session.session_id.as_str())
                .await
                .contains_key("eventCount"),
            "{case}"
        );
    }

    let session = tables.session().await;
    let record = of_type(&session, "play", TS);
    let outcome = append_with_a_change_in_between(&tables, &record, || async {
        tables
            .client
            .delete_item()
            .table_name(&tables.sessions)
            .key("sessionId", AttributeValue::S(session.session_id.to_string()))
            .send()
            .await
            .expect("DeleteItem on DynamoDB Local");
    })
    .await;
    assert!(
        matches!(outcome, Err(StoreError::UnknownSession)),
        "deleted meanwhile: {outcome:?}"
    );

    // Stored meanwhile (by a concurrent copy of the same request): a
    // duplicate, counted once; even once the session has also ended.
    let session = tables.session().await;
    let record = of_type(&session, "play", TS);
    let outcome = append_with_a_change_in_between(&tables, &record, || async {
        tables
            .direct()
            .append(&record, &SessionPolicy::default())
            .await
            .unwrap();
        tables
            .direct()
            .append(&of_type(&session, "sessionEnd", TS + 1), &SessionPolicy::default())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(outcome.unwrap(), Appended::Duplicate);
    assert_eq!(count(&tables.session_item(session.session_id.as_str()).await), 2);

    // Ended meanwhile by an end that came later in player time: a late
    // arrival, stored.
    let session = tables.session().await;
    let record = of_type(&session, "play", TS);
    let outcome = append_with_a_change_in_between(&tables, &record, || async {
        tables
            .direct()
            .append(&of_type(&session, "sessionEnd", TS + 5), &SessionPolicy::default())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(outcome.unwrap(), Appended::Stored);
    assert_eq!(count(&tables.session_item(session.session_id.as_str()).await), 2);
}

/// An event of `event_type` at `ts` whose playhead is `playhead`.
fn at_playhead(session: &SessionRecord, event_type: &str, ts: i64, playhead: f64) -> EventRecord {
    let mut body = event_body_at(event_type, ts);
    body["playerTime"]["playhead"] = serde_json::json!(playhead);
    event(session, &body, &format!("req-{event_type}-{ts}"))
}

#[tokio::test]
async fn an_ended_session_takes_late_arrivals_for_the_idle_timeout() {
    let tables = Tables::new().await;
    let store = tables.direct();
    let policy = SessionPolicy {
        idle_timeout: Duration::from_secs(2),
        ..SessionPolicy::default()
    };
    let session = tables.session().await;
    let id = session.session_id.as_str();
    assert_eq!(
        store
            .append(&of_type(&session, "sessionEnd", TS), &policy)
            .await
            .unwrap(),
        Appended::Stored
    );
    let ended = tables.session_item(id).await;
    assert_eq!(n(&ended, "endedTs"), TS.to_string());

    for (case, event_type, ts) in [
        ("a ping sent 5 ms before the end", "ping", TS - 5),
        ("an event of the end's own ts", "pauseStart", TS),
        ("a second end, sent earlier", "sessionEnd", TS - 10),
    ] {
        let outcome = store.append(&of_type(&session, event_type, ts), &policy).await;
        assert_eq!(outcome.unwrap(), Appended::Stored, "{case}");
    }
    let outcome = store.append(&of_type(&session, "ping", TS + 1), &policy).await;
    assert!(
        matches!(outcome, Err(StoreError::Gone(GoneReason::Ended))),
        "sent after the end: {outcome:?}"
    );
    let item = tables.session_item(id).await;
    assert_eq!(count(&item), 4);
    assert_eq!(n(&item, "endedTs"), TS.to_string(), "the first end stays the end");
    assert_eq!(s(&item, "endedAt"), s(&ended, "endedAt"));

    tokio::time::sleep(Duration::from_millis(2_300)).await;
    let outcome = store.append(&of_type(&session, "ping", TS - 3), &policy).await;
    assert!(
        matches!(outcome, Err(StoreError::Gone(GoneReason::Ended))),
        "past the idle timeout after the end: {outcome:?}"
    );
    let keys: Vec<String> = tables
        .event_items(id)
        .await
        .iter()
        .map(|item| s(item, "eventKey"))
        .collect();
    assert_eq!(
        keys,
        [
            format!("{:015}#sessionEnd", TS - 10),
            format!("{:015}#ping", TS - 5),
            format!("{TS:015}#pauseStart"),
            format!("{TS:015}#sessionEnd"),
        ]
    );
}

#[tokio::test]
async fn a_session_whose_playhead_does_not_move_stalls() {
    const STALL: Duration = Duration::from_secs(3);
    let tables = Tables::new().await;
    let store = tables.direct();
    let policy = SessionPolicy {
        stall_timeout: STALL,
        ..SessionPolicy::default()
    };
    let session = tables.session().await;
    let id = session.session_id.as_str();
    let play = at_playhead(&session, "play", TS, 30.0);
    let moved_at = Instant::now();
    store.append(&play, &policy).await.unwrap();
    let moved = n(&tables.session_item(id).await, "lastMovedAt");
    assert_eq!(moved, epoch_millis(play.received_at).to_string());

    // Paused: pings at the same playhead (spelt otherwise once) keep the
    // session alive but do not move it.
    for (i, playhead) in ["30.0", "30.00", "30"].into_iter().enumerate() {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut body = event_body_at("ping", TS + 1 + i as i64);
        body["playerTime"]["playhead"] = serde_json::from_str(playhead).unwrap();
        let ping = event(&session, &body, "paused");
        assert_eq!(store.append(&ping, &policy).await.unwrap(), Appended::Stored);
        let item = tables.session_item(id).await;
        assert_eq!(n(&item, "lastMovedAt"), moved, "ping {i} did not move the playhead");
        assert_eq!(n(&item, "lastPlayhead"), playhead);
    }
    assert!(moved_at.elapsed() < STALL, "the pings came within the stall timeout");
    tokio::time::sleep((STALL + Duration::from_millis(300)).saturating_sub(moved_at.elapsed())).await;
    for (case, playhead) in [("the same playhead", 30.0), ("a moved playhead, too late", 31.0)] {
        let outcome = store
            .append(&at_playhead(&session, "ping", TS + 10, playhead), &policy)
            .await;
        assert!(
            matches!(outcome, Err(StoreError::Gone(GoneReason::Stalled))),
            "{case}: {outcome:?}"
        );
    }
    assert_eq!(count(&tables.session_item(id).await), 4);

    // A playhead that moves keeps another session open past the stall timeout.
    let playing = tables.session().await;
    let started = Instant::now();
    let mut i = 0;
    while started.elapsed() < STALL + Duration::from_secs(1) {
        let ping = at_playhead(&playing, "ping", TS + i, 10.0 + i as f64);
        assert_eq!(
            store.append(&ping, &policy).await.unwrap(),
            Appended::Stored,
            "ping {i}"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
        i += 1;
    }
}

async fn timed_append(store: &DynamoDbEventStore, record: &EventRecord) -> (Result<Appended, StoreError>, Duration) {
    let started = Instant::now();
    let outcome = store.append(record, &SessionPolicy::default()).await;
    (outcome, started.elapsed())
}

#[tokio::test]
async fn an_unreachable_or_hanging_store_fails_within_the_budget() {
    let tables = Tables::new().await;
    let session = tables.session().await;
    let record = of_type(&session, "play", TS);
    let budget_client = dynamodb_client(BUDGET).await;
    let (hanging, _) = faulty_endpoint(Fault::Hang).await;
    for (case, url) in [("unreachable", closed_port().await), ("hanging", hanging)] {
        let store = tables.store(&redirected(&budget_client, &url), BUDGET);
        let (outcome, took) = timed_append(&store, &record).await;
        assert!(
            matches!(outcome, Err(StoreError::TimedOut | StoreError::Failed { .. })),
            "{case}: {outcome:?}"
        );
        assert!(took < BUDGET + SLACK, "{case}: took {took:?}, budget {BUDGET:?}");
    }
}

#[tokio::test]
async fn a_transaction_that_never_arrives_fails_within_the_budget_and_writes_nothing() {
    let tables = Tables::new().await;
    let session = tables.session().await;
    let before = tables.session_item(session.session_id.as_str()).await;
    let (url, tries) = intercepting_proxy(dynamodb_endpoint(), "TransactWriteItems", Intercept::Refuse).await;
    let store = tables.store(&redirected(&dynamodb_client(BUDGET).await, &url), BUDGET);
    let (outcome, took) = timed_append(&store, &of_type(&session, "play", TS)).await;
    assert!(
        matches!(outcome, Err(StoreError::TimedOut | StoreError::Failed { .. })),
        "{outcome:?}"
    );
    assert!(took < BUDGET + SLACK, "took {took:?}, budget {BUDGET:?}");
    assert!(
        tries.load(Ordering::SeqCst) >= 1,
        "the first read went through, the transaction did not"
    );
    assert_eq!(
        tables.session_item(session.session_id.as_str()).await,
        before,
        "the session is untouched"
    );
    assert!(tables.event_items(session.session_id.as_str()).await.is_empty());
}

#[tokio::test]
async fn a_transaction_whose_answer_is_lost_is_stored_and_counted_once() {
    let tables = Tables::new().await;
    let session = tables.session().await;
    let (url, tries) = intercepting_proxy(dynamodb_endpoint(), "TransactWriteItems", Intercept::LoseAnswer).await;
    let client = redirected(&dynamodb_client(Duration::from_secs(3)).await, &url);
    let store = tables.store(&client, Duration::from_secs(3));
    let record = of_type(&session, "play", TS);
    // The client tries again with the same request token: DynamoDB answers
    // the replay as the transaction it already ran.
    let outcome = store.append(&record, &SessionPolicy::default()).await;
    assert_eq!(outcome.expect("the retry finds the write"), Appended::Stored);
    assert_eq!(
        tries.load(Ordering::SeqCst),
        2,
        "the first answer was lost, the retry's came back"
    );
    assert_eq!(count(&tables.session_item(session.session_id.as_str()).await), 1);
    let items = tables.event_items(session.session_id.as_str()).await;
    assert_eq!(items.len(), 1);
    assert_eq!(s(&items[0], "requestId"), record.request_id);
    // And the player's own retry is a duplicate.
    let again = tables.direct().append(&record, &SessionPolicy::default()).await;
    assert_eq!(again.unwrap(), Appended::Duplicate);
    assert_eq!(count(&tables.session_item(session.session_id.as_str()).await), 1);
}

#[tokio::test]
async fn a_conflicting_transaction_is_tried_again() {
    let tables = Tables::new().await;
    let session = tables.session().await;
    let (url, tries) = intercepting_proxy(dynamodb_endpoint(), "TransactWriteItems", Intercept::Conflict(2)).await;
    let store = tables.store(&redirected(&tables.client, &url), Duration::from_secs(5));
    let outcome = store
        .append(&of_type(&session, "play", TS), &SessionPolicy::default())
        .await;
    assert_eq!(outcome.expect("stored on the third try"), Appended::Stored);
    assert_eq!(tries.load(Ordering::SeqCst), 3);
    assert_eq!(count(&tables.session_item(session.session_id.as_str()).await), 1);
    assert_eq!(tables.event_items(session.session_id.as_str()).await.len(), 1);
}

#[tokio::test]
async fn endless_conflicts_end_within_the_budget_and_write_nothing() {
    let tables = Tables::new().await;
    let session = tables.session().await;
    let before = tables.session_item(session.session_id.as_str()).await;
    let (url, tries) = intercepting_proxy(
        dynamodb_endpoint(),
        "TransactWriteItems",
        Intercept::Conflict(usize::MAX),
    )
    .await;
    let store = tables.store(&redirected(&dynamodb_client(BUDGET).await, &url), BUDGET);
    let (outcome, took) = timed_append(&store, &of_type(&session, "play", TS)).await;
    assert!(matches!(outcome, Err(StoreError::TimedOut)), "{outcome:?}");
    assert!(
        took >= BUDGET && took < BUDGET + SLACK,
        "took {took:?}, budget {BUDGET:?}"
    );
    assert!(tries.load(Ordering::SeqCst) >= 3, "tried again while the budget lasted");
    assert_eq!(tables.session_item(session.session_id.as_str()).await, before);
    assert!(tables.event_items(session.session_id.as_str()).await.is_empty());
}
