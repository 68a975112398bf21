//! The Lambda adapter, driven by every sample event in `events/` (as
//! the function decodes them) against an in-memory store: status, headers,
//! problem documents, and what was stored. Samples on the events route of a
//! session find [`SESSION_ID`] started in the store; the life of a session
//! (ended, idle, expired, retries) is played with them further down.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::answers::{assert_accepted, assert_cors, assert_gone, header, problem};
use crate::support::{EVENT_TYPES, body_bytes, body_text, config, event, event_files, event_json, request};
use lambda_http::http::{Method, StatusCode};
use media_collector::domain::{SessionId, SessionRecord, SessionStart};
use media_collector::http::{ApiRequest, App, Route};
use media_collector::store::SessionStore;
use media_collector::store::in_memory::InMemorySessionStore;
use serde_json::Value;
use time::OffsetDateTime;

/// The session every sample on the events route is sent to (`events/*-event-*.json`,
/// `invalid-e*.json`): the SHA-256 of "media-collector sample session", started
/// with the body of `apigw-http-event-sessionstart.json`. [`seed`] stores it.
const SESSION_ID: &str = "2f3ed621c4405311205073157efc0ebfe4173a8e3e56428b6f0bdf120207ec46";
/// Well-formed, but no session has it (`apigw-http-event-unknown-session.json`).
const UNKNOWN_SESSION_ID: &str = "6281fc7f7f91a41a519925f5498d50229f52da9eacd56bb62a73a87fb79e1915";
/// The sample whose body started [`SESSION_ID`]; sent to the events route, it is a 400.
const SESSION_START_SAMPLE: &str = "apigw-http-event-sessionstart.json";

/// What each sample event must get: its status and, for a 400, every pointer.
const EXPECTED: &[(&str, u16, &[&str])] = &[
    ("apigw-rest-session-start.json", 201, &[]),
    ("apigw-http-session-start.json", 201, &[]),
    ("function-url-session-start.json", 201, &[]),
    ("alb-session-start.json", 201, &[]),
    ("apigw-http-session-start-base64.json", 201, &[]),
    ("apigw-http-session-start-trailing-slash.json", 201, &[]),
    ("apigw-http-session-start-named-stage.json", 201, &[]),
    ("apigw-http-session-start-beacon.json", 201, &[]),
    ("apigw-http-session-start-vendor-json.json", 201, &[]),
    ("apigw-http-session-start-no-content-type.json", 201, &[]),
    ("apigw-http-session-start-curl-form.json", 201, &[]),
    ("apigw-http-session-start-live.json", 201, &[]),
    ("apigw-http-session-start-live-length-zero.json", 201, &[]),
    ("apigw-http-session-start-full.json", 201, &[]),
    ("apigw-http-session-start-idempotent.json", 201, &[]),
    (
        "apigw-http-invalid-idempotency-key.json",
        400,
        &["header Idempotency-Key"],
    ),
    (
        "apigw-http-non-ascii-idempotency-key.json",
        400,
        &["header Idempotency-Key"],
    ),
    ("apigw-http-preflight.json", 204, &[]),
    ("apigw-rest-preflight.json", 204, &[]),
    ("apigw-http-wrong-method.json", 405, &[]),
    ("apigw-http-unknown-path.json", 404, &[]),
    ("apigw-http-unsupported-content-type.json", 400, &[""]),
    ("apigw-http-not-json.json", 400, &[""]),
    ("apigw-http-too-large.json", 413, &[]),
    ("apigw-http-not-utf8.json", 400, &[""]),
    ("apigw-http-not-base64.json", 400, &[""]),
    ("apigw-http-unreadable-content-type.json", 400, &[""]),
    // Envelopes that lambda_http's own conversion turns into a panic or a
    // Lambda error (a 502 from API Gateway or the ALB).
    ("alb-hostile-host.json", 201, &[]),
    ("function-url-hostile-host.json", 201, &[]),
    ("apigw-rest-hostile-host.json", 201, &[]),
    ("apigw-http-hostile-query.json", 201, &[]),
    ("apigw-http-hostile-headers.json", 201, &[]),
    // Every front door, behind the prefixes it may put before the API's root.
    ("apigw-rest-base-path-session-start.json", 201, &[]),
    ("apigw-rest-base-path-event.json", 204, &[]),
    ("apigw-rest-base-path-preflight.json", 204, &[]),
    ("apigw-http-base-path-session-start.json", 201, &[]),
    ("apigw-http-base-path-event.json", 204, &[]),
    ("apigw-http-base-path-preflight.json", 204, &[]),
    ("apigw-rest-proxy-session-start.json", 201, &[]),
    ("apigw-rest-proxy-event.json", 204, &[]),
    ("apigw-rest-proxy-preflight.json", 204, &[]),
    ("alb-prefix-session-start.json", 201, &[]),
    ("alb-prefix-event.json", 204, &[]),
    ("alb-prefix-preflight.json", 204, &[]),
    ("vpc-lattice-session-start.json", 201, &[]),
    ("vpc-lattice-event.json", 204, &[]),
    ("vpc-lattice-preflight.json", 204, &[]),
    ("vpc-lattice-v1-session-start.json", 201, &[]),
    // Downloaded sessions (played offline, sent at once): through each
    // event source, on the older route, and each way a batch is refused.
    ("apigw-http-downloaded.json", 201, &[]),
    ("apigw-rest-downloaded.json", 201, &[]),
    ("function-url-downloaded.json", 201, &[]),
    ("alb-downloaded.json", 201, &[]),
    ("apigw-http-downloaded-sessions-route.json", 201, &[]),
    (
        "downloaded-invalid-d1-flag-missing.json",
        400,
        &["/0/params/media.downloaded"],
    ),
    (
        "downloaded-invalid-d1-flag-false.json",
        400,
        &["/0/params/media.downloaded"],
    ),
    (
        "downloaded-invalid-d1-flag-on-single-start.json",
        400,
        &["/params/media.downloaded"],
    ),
    ("downloaded-invalid-d2-start-inside.json", 400, &["/3/eventType"]),
    ("downloaded-invalid-d3-ts-goes-back.json", 400, &["/4/playerTime/ts"]),
    ("downloaded-invalid-d4-call-after-session-end.json", 400, &["/10"]),
    ("downloaded-invalid-empty-array.json", 400, &[""]),
    ("downloaded-invalid-not-objects.json", 400, &["/1", "/2"]),
    (
        "downloaded-invalid-several-errors.json",
        400,
        &["/1/eventType", "/2/playerTime/ts"],
    ),
    ("invalid-v1-not-an-object.json", 400, &[""]),
    ("invalid-v1-unknown-and-missing-keys.json", 400, &["/params", "/extra"]),
    ("invalid-v2-event-type.json", 400, &["/eventType"]),
    ("invalid-v3-playhead-past-length.json", 400, &["/playerTime/playhead"]),
    ("invalid-v3-playhead-negative.json", 400, &["/playerTime/playhead"]),
    (
        "invalid-v3-live-playhead-too-large.json",
        400,
        &["/playerTime/playhead"],
    ),
    ("invalid-v3-player-time-extra-key.json", 400, &["/playerTime/extra"]),
    ("invalid-v4-ts-in-seconds.json", 400, &["/playerTime/ts"]),
    ("invalid-v4-ts-fraction.json", 400, &["/playerTime/ts"]),
    (
        "invalid-v5-missing-media-id.json",
        400,
        &["/params/media.id", "/params/analytics.reportSuite"],
    ),
    ("invalid-v6-media-length-negative.json", 400, &["/params/media.length"]),
    (
        "invalid-v7-wrong-types.json",
        400,
        &[
            "/params/analytics.enableSSL",
            "/params/media.name",
            "/params/visitor.aamLocationHint",
            "/params/visitor.customerIDs/userId/id",
            "/params/visitor.customerIDs/userId/authState",
        ],
    ),
    (
        "invalid-v8-custom-param-array-and-null.json",
        400,
        &["/params/my.list", "/params/my.nothing"],
    ),
    (
        "invalid-v9-custom-metadata.json",
        400,
        &["/customMetadata/bad key", "/customMetadata/count"],
    ),
    (
        "invalid-v10-qoe-data.json",
        400,
        &[
            "/qoeData/media.qoe.bitrate",
            "/qoeData/media.qoe.errorID",
            "/qoeData/custom",
        ],
    ),
    (
        "invalid-several-errors.json",
        400,
        &["/playerTime/ts", "/params/media.id"],
    ),
    // Session events, each to the live session SESSION_ID unless said otherwise:
    // one valid event of every type, from each source.
    ("apigw-http-event-ad-break-start.json", 204, &[]),
    ("apigw-http-event-ad-start.json", 204, &[]),
    ("apigw-http-event-ad-complete.json", 204, &[]),
    ("apigw-http-event-ad-skip.json", 204, &[]),
    ("apigw-http-event-ad-break-complete.json", 204, &[]),
    ("apigw-http-event-play.json", 204, &[]),
    ("apigw-http-event-chapter-start.json", 204, &[]),
    ("apigw-http-event-chapter-start-length-zero.json", 204, &[]),
    ("apigw-rest-event-ping.json", 204, &[]),
    ("apigw-http-event-bitrate-change.json", 204, &[]),
    ("function-url-event-buffer-start.json", 204, &[]),
    ("alb-event-pause-start.json", 204, &[]),
    ("apigw-http-event-state-start.json", 204, &[]),
    ("apigw-http-event-state-end.json", 204, &[]),
    ("apigw-http-event-chapter-complete.json", 204, &[]),
    ("apigw-http-event-chapter-skip.json", 204, &[]),
    ("apigw-http-event-error.json", 204, &[]),
    ("apigw-http-event-error-no-data.json", 204, &[]),
    ("apigw-http-event-error-cdn.json", 204, &[]),
    ("apigw-http-event-bitrate-change-unknown-bitrate.json", 204, &[]),
    ("apigw-http-event-play-documented.json", 204, &[]),
    ("apigw-http-event-ad-break-start-post-roll.json", 204, &[]),
    ("apigw-http-event-chapter-start-unnumbered.json", 204, &[]),
    ("apigw-http-event-session-complete.json", 204, &[]),
    ("apigw-http-event-content-complete.json", 204, &[]),
    ("apigw-http-event-session-end.json", 204, &[]),
    ("apigw-http-event-session-end-beacon.json", 204, &[]),
    ("apigw-http-event-preflight.json", 204, &[]),
    ("apigw-http-event-wrong-method.json", 405, &[]),
    ("apigw-http-event-unknown-session.json", 404, &[]),
    ("apigw-http-event-malformed-id.json", 404, &[]),
    (SESSION_START_SAMPLE, 400, &["/eventType"]),
    ("invalid-e1-not-an-object.json", 400, &[""]),
    (
        "invalid-e1-unknown-and-missing-keys.json",
        400,
        &["/sessionId", "/playerTime"],
    ),
    ("invalid-e2-event-type.json", 400, &["/eventType"]),
    (
        "invalid-e3-player-time.json",
        400,
        &["/playerTime/playhead", "/playerTime/ts"],
    ),
    (
        "invalid-e4-ad-start-params.json",
        400,
        &[
            "/params/media.ad.length",
            "/params/media.ad.podPosition",
            "/params/media.ad.playerName",
        ],
    ),
    (
        "invalid-e4-chapter-start-params.json",
        400,
        &[
            "/params/media.chapter.index",
            "/params/media.chapter.offset",
            "/params/media.chapter.friendlyName",
        ],
    ),
    (
        "invalid-e4-ad-break-start-no-params.json",
        400,
        &["/params/media.ad.podIndex", "/params/media.ad.podSecond"],
    ),
    (
        "invalid-e5-qoe-data-types.json",
        400,
        &[
            "/qoeData/media.qoe.bitrate",
            "/qoeData/media.qoe.errorID",
            "/qoeData/media.qoe.errorSource",
        ],
    ),
    (
        "invalid-e6-custom-metadata.json",
        400,
        &["/customMetadata/content tier", "/customMetadata/episode"],
    ),
    (
        "invalid-event-several-errors.json",
        400,
        &[
            "/adId",
            "/playerTime/ts",
            "/params/media.ad.id",
            "/params/media.ad.tags",
            "/customMetadata/ad category",
            "/qoeData/media.qoe.bitrate",
        ],
    ),
];

/// Words that the problem document of a sample must contain.
const DETAILS: &[(&str, &str)] = &[
    (SESSION_START_SAMPLE, "send it with POST /api/v1/sessions"),
    (
        "apigw-http-event-unknown-session.json",
        "start a new session with POST /api/v1/sessions",
    ),
    (
        "apigw-http-event-malformed-id.json",
        "start a new session with POST /api/v1/sessions",
    ),
    (
        "apigw-http-event-wrong-method.json",
        "/api/v1/sessions/{sessionId}/events accepts OPTIONS, POST",
    ),
    ("invalid-e3-player-time.json", "looks like seconds"),
    ("invalid-e6-custom-metadata.json", "^[A-Za-z0-9_.]+$"),
    ("invalid-e5-qoe-data-types.json", "must be a string or a number"),
    (
        "downloaded-invalid-several-errors.json",
        "the downloaded session body has 3 errors in 2 of its 10 calls",
    ),
    (
        "downloaded-invalid-d4-call-after-session-end.json",
        "nothing comes after a sessionEnd",
    ),
];

/// Whether `request` is for the events route of a session.
fn on_events_route(request: &ApiRequest) -> bool {
    matches!(Route::of(request), Route::SessionEvents(_))
}

/// The JSON body a sample sends.
fn sent_body(file: &str) -> Value {
    serde_json::from_slice(body_bytes(&event(file))).unwrap_or_else(|e| panic!("{file}: body is not JSON: {e}"))
}

/// Starts [`SESSION_ID`] in `app`'s store, now, as the samples' player did.
async fn seed(app: &App<InMemorySessionStore>) {
    let start = SessionStart::parse(&sent_body(SESSION_START_SAMPLE).to_string()).expect("a valid sessionStart");
    let mut record = SessionRecord::new(start, "seed-request-id".into(), OffsetDateTime::now_utc(), 30);
    record.session_id = SessionId::parse(SESSION_ID).expect("a well-formed id");
    app.store.create(&record).await.expect("the session is seeded");
}

/// An app on an in-memory store where [`SESSION_ID`] was just started.
async fn live_session(extra: &[(&str, &str)]) -> App<InMemorySessionStore> {
    let app = crate::support::app(config("sessions", extra), InMemorySessionStore::default());
    seed(&app).await;
    app
}

/// The request id an event of `file` is stored with: API Gateway's (or the
/// Function URL's), else Lambda's.
fn expected_request_id(file: &str) -> String {
    event_json(file)["requestContext"]["requestId"]
        .as_str()
        .unwrap_or("lambda-request-id")
        .to_owned()
}

/// `file`'s event was stored in [`SESSION_ID`], once, as sent, and is its only one.
fn assert_only_event_stored(file: &str, app: &App<InMemorySessionStore>) {
    let sent = sent_body(file);
    let event_type = sent["eventType"].as_str().expect("an eventType");
    let ts = sent["playerTime"]["ts"].as_i64().expect("an integer ts");
    let events = app.store.events(SESSION_ID);
    assert_eq!(events.len(), 1, "{file}: {events:?}");
    let stored = &events[0];
    assert_eq!(stored.session_id.as_str(), SESSION_ID, "{file}");
    assert_eq!(
        stored.event.event_type.name(),
        event_type,
        "{file}: the type is kept as sent"
    );
    assert_eq!(stored.key(), format!("{ts:015}#{event_type}"), "{file}");
    assert_eq!(stored.request_id, expected_request_id(file), "{file}");
    let keys = |part: &str| -> Option<BTreeSet<String>> {
        sent.get(part)
            .and_then(Value::as_object)
            .map(|object| object.keys().cloned().collect())
    };
    assert_eq!(
        stored.event.params.as_ref().map(|p| p.keys().cloned().collect()),
        keys("params"),
        "{file}"
    );
    assert_eq!(
        stored
            .event
            .custom_metadata
            .as_ref()
            .map(|m| m.keys().cloned().collect()),
        keys("customMetadata"),
        "{file}"
    );
    assert_eq!(
        stored.event.qoe_data.as_ref().map(|q| q.keys().cloned().collect()),
        keys("qoeData"),
        "{file}"
    );
    assert_eq!(app.store.event_count(SESSION_ID), Some(1), "{file}");
    let activity = app.store.activity(SESSION_ID).expect("the session");
    assert_eq!(activity.last_event_at, Some(stored.received_at), "{file}");
    assert_eq!(
        activity.end.is_some(),
        event_type == "sessionEnd",
        "{file}: only sessionEnd ends it"
    );
    assert_eq!(app.store.len(), 1, "{file}: an event creates no session");
}

/// Nothing was stored: no session, or only the seeded one, without events.
fn assert_nothing_stored(file: &str, app: &App<InMemorySessionStore>, seeded: bool) {
    if seeded {
        assert_eq!(app.store.len(), 1, "{file}: a session was created");
        assert!(app.store.events(SESSION_ID).is_empty(), "{file}: an event was stored");
        assert!(app.store.events(UNKNOWN_SESSION_ID).is_empty(), "{file}");
        assert_eq!(app.store.event_count(SESSION_ID), Some(0), "{file}");
        assert_eq!(app.store.activity(SESSION_ID).unwrap().last_event_at, None, "{file}");
    } else {
        assert!(app.store.is_empty(), "{file}: a failed request stored something");
    }
}

#[tokio::test]
async fn every_sample_event_gets_its_documented_answer() {
    let on_disk: BTreeSet<String> = event_files().into_iter().collect();
    let listed: BTreeSet<String> = EXPECTED.iter().map(|(file, _, _)| file.to_string()).collect();
    assert_eq!(
        on_disk, listed,
        "every file in events/ needs an expected answer here, and every one listed a file"
    );

    for (file, status, pointers) in EXPECTED {
        let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
        let request = event(file);
        let seeded = on_events_route(&request);
        if seeded {
            seed(&app).await;
        }
        let preflight = request.method == Some(Method::OPTIONS);
        let response = app.handle(request).await;
        assert_eq!(response.status().as_u16(), *status, "{file}: {}", body_text(&response));
        let headers = response.headers();
        assert_cors(file, headers);
        match *status {
            201 => {
                assert_eq!(
                    header(headers, "content-type"),
                    Some("application/octet-stream"),
                    "{file}"
                );
                assert_eq!(header(headers, "content-length"), Some("0"), "{file}");
                assert!(body_text(&response).is_empty(), "{file}");
                let location = header(headers, "location").expect("a Location");
                let id = location
                    .strip_prefix("/api/v1/sessions/")
                    .expect("Location under /api/v1/sessions/");
                assert!(
                    id.len() == 64 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
                    "{file}: {id}"
                );
                assert!(
                    app.store.get(id).is_some(),
                    "{file}: the 201 names a session that was not stored"
                );
                assert_eq!(app.store.len(), 1, "{file}");
            }
            204 if preflight => {
                assert!(body_text(&response).is_empty(), "{file}");
                assert!(
                    header(headers, "access-control-max-age").is_some_and(|age| age.parse::<u32>().is_ok()),
                    "{file}"
                );
                assert_nothing_stored(file, &app, seeded);
            }
            204 => {
                assert!(seeded, "{file}: a 204 off the events route");
                assert_accepted(file, &response);
                assert_only_event_stored(file, &app);
            }
            _ => {
                let found: BTreeSet<String> = problem(file, &response).into_iter().collect();
                let expected: BTreeSet<String> = pointers.iter().map(|p| p.to_string()).collect();
                assert_eq!(found, expected, "{file}: {}", body_text(&response));
                assert_nothing_stored(file, &app, seeded);
                if *status == 405 {
                    assert_eq!(header(headers, "allow"), Some("OPTIONS, POST"), "{file}");
                }
            }
        }
        if let Some((_, words)) = DETAILS.iter().find(|(name, _)| name == file) {
            let text = body_text(&response);
            assert!(text.contains(words), "{file}: no {words:?} in {text}");
        }
    }
}

#[test]
fn the_event_samples_cover_every_type_and_every_source() {
    let accepted: Vec<&str> = EXPECTED
        .iter()
        .filter(|(file, status, _)| *status == 204 && !file.contains("preflight"))
        .map(|(file, _, _)| *file)
        .collect();
    let types: BTreeSet<String> = accepted
        .iter()
        .map(|file| sent_body(file)["eventType"].as_str().unwrap().to_owned())
        .collect();
    let every_type: BTreeSet<String> = EVENT_TYPES.iter().map(|name| name.to_string()).collect();
    assert_eq!(types, every_type, "one stored sample of each event type");
    for source in ["apigw-http-", "apigw-rest-", "function-url-", "alb-", "vpc-lattice-"] {
        assert!(
            accepted.iter().any(|file| file.starts_with(source)),
            "no stored event sample from {source}"
        );
    }
    for file in &accepted {
        let path = event(file).path;
        assert!(
            path.contains(SESSION_ID),
            "{file} is not sent to the sample session: {path}"
        );
    }
    let rest = event_json("apigw-rest-event-ping.json");
    assert_eq!(
        rest["requestContext"]["stage"], "prod",
        "the REST sample has a named stage"
    );
}

/// `file` sent to the events route of `session_id` instead of its own.
fn to_session(file: &str, session_id: &str) -> ApiRequest {
    let mut event = event_json(file);
    let path = format!("/api/v1/sessions/{session_id}/events");
    event["rawPath"] = path.clone().into();
    event["requestContext"]["http"]["path"] = path.into();
    event["pathParameters"]["sessionId"] = session_id.into();
    request(&event)
}

/// `file`'s event with its body changed: `playerTime.ts` and `playhead` set
/// where given.
fn with_player_time(file: &str, ts: Option<i64>, playhead: Option<f64>) -> ApiRequest {
    let mut event = event_json(file);
    let mut body = sent_body(file);
    if let Some(ts) = ts {
        body["playerTime"]["ts"] = ts.into();
    }
    if let Some(playhead) = playhead {
        body["playerTime"]["playhead"] = playhead.into();
    }
    event["body"] = body.to_string().into();
    event["isBase64Encoded"] = false.into();
    request(&event)
}

/// The `playerTime.ts` of `apigw-http-event-session-end.json`.
const END_TS: i64 = 1_795_436_350_738;

#[tokio::test]
async fn an_ended_session_takes_late_arrivals_and_refuses_what_was_sent_after_it() {
    let app = live_session(&[]).await;
    for file in ["apigw-http-event-play.json", "apigw-http-event-session-end.json"] {
        assert_accepted(file, &app.handle(event(file)).await);
    }
    assert!(app.store.activity(SESSION_ID).unwrap().end.is_some());

    // Sent before the end, arriving after it (browsers send several at once):
    // stored, a second end included.
    for file in [
        "apigw-rest-event-ping.json",
        "apigw-http-event-session-end-beacon.json",
        "apigw-http-event-chapter-complete.json",
    ] {
        assert_accepted(&format!("late {file}"), &app.handle(event(file)).await);
    }
    let just_before = with_player_time("apigw-rest-event-ping.json", Some(END_TS - 5), None);
    assert_accepted("a ping 5 ms before the end", &app.handle(just_before).await);
    // Sent after the end: refused and not stored.
    for (case, ts) in [("1 ms after", END_TS + 1), ("a minute after", END_TS + 60_000)] {
        let after = with_player_time("apigw-rest-event-ping.json", Some(ts), None);
        assert_gone(case, &app.handle(after).await, "ended");
    }
    // The answer to a retry is the first one's: 204, and nothing stored twice.
    for file in ["apigw-http-event-session-end.json", "apigw-http-event-play.json"] {
        assert_accepted(&format!("retried {file}"), &app.handle(event(file)).await);
    }
    let keys: Vec<String> = app.store.events(SESSION_ID).iter().map(|e| e.key()).collect();
    assert_eq!(
        keys,
        [
            "001795435222724#play",
            "001795435232727#ping",
            "001795435567378#chapterComplete",
            "001795435938286#sessionEnd",
            "001795436350733#ping",
            "001795436350738#sessionEnd"
        ]
    );
    assert_eq!(app.store.event_count(SESSION_ID), Some(6));
    let end = app.store.activity(SESSION_ID).unwrap().end.expect("ended");
    assert_eq!(end.ts_millis, Some(END_TS), "the first end stays the end");

    // Late arrivals are taken for the idle timeout after the end, no longer.
    app.store.advance_clock(Duration::from_secs(601));
    let too_late = with_player_time("apigw-rest-event-ping.json", Some(END_TS - 1), None);
    assert_gone("601 s after the end", &app.handle(too_late).await, "ended");
}

#[tokio::test]
async fn a_session_whose_playhead_stops_moving_stalls() {
    let app = live_session(&[("SESSION_STALL_TIMEOUT_S", "1800")]).await;
    let ping = |ts: i64, playhead: f64| with_player_time("apigw-rest-event-ping.json", Some(ts), Some(playhead));
    let ts = 1_795_435_232_727;
    assert_accepted("playing", &app.handle(ping(ts, 20.0)).await);
    // Paused: the player pings the same playhead; the viewer walked away.
    for minute in 1..=3 {
        app.store.advance_clock(Duration::from_secs(590));
        let answer = app.handle(ping(ts + minute * 590_000, 20.0)).await;
        assert_accepted(&format!("paused ping {minute}"), &answer);
    }
    app.store.advance_clock(Duration::from_secs(100));
    let answer = app.handle(ping(ts + 1_900_000, 20.0)).await;
    assert_gone("1870 s without a move", &answer, "stalled");
    assert!(body_text(&answer).contains("playhead has not moved"));
    assert_gone(
        "moving again is too late",
        &app.handle(ping(ts + 1_900_001, 21.0)).await,
        "stalled",
    );
    assert_eq!(app.store.event_count(SESSION_ID), Some(4));
}

#[tokio::test]
async fn session_complete_and_content_complete_leave_the_session_open() {
    let app = live_session(&[]).await;
    for file in [
        "apigw-http-event-session-complete.json",
        "apigw-http-event-content-complete.json",
        "apigw-http-event-state-end.json",
        "apigw-http-event-session-end.json",
    ] {
        assert_accepted(file, &app.handle(event(file)).await);
    }
    assert_eq!(app.store.event_count(SESSION_ID), Some(4));
    let types: Vec<String> = app
        .store
        .events(SESSION_ID)
        .iter()
        .map(|e| e.event.event_type.name().to_owned())
        .collect();
    assert_eq!(types, ["stateEnd", "contentComplete", "sessionComplete", "sessionEnd"]);
    assert_gone(
        "after the end",
        &app.handle(with_player_time("apigw-rest-event-ping.json", Some(END_TS + 1), None))
            .await,
        "ended",
    );
}

#[tokio::test]
async fn an_idle_session_is_gone_with_reason_idle() {
    let app = live_session(&[("SESSION_IDLE_TIMEOUT_S", "30")]).await;
    assert_accepted("play", &app.handle(event("apigw-http-event-play.json")).await);
    app.store.advance_clock(Duration::from_secs(20));
    assert_accepted(
        "ping 20 s later",
        &app.handle(event("apigw-rest-event-ping.json")).await,
    );
    app.store.advance_clock(Duration::from_secs(31));
    let late = app.handle(event("apigw-http-event-bitrate-change.json")).await;
    assert_gone("31 s without an event", &late, "idle");
    assert_accepted("a retried ping", &app.handle(event("apigw-rest-event-ping.json")).await);
    assert_eq!(app.store.event_count(SESSION_ID), Some(2));
    assert_eq!(app.store.events(SESSION_ID).len(), 2);
}

#[tokio::test]
async fn an_expired_session_is_gone_with_reason_expired() {
    let app = live_session(&[("SESSION_IDLE_TIMEOUT_S", "30"), ("SESSION_MAX_AGE_S", "60")]).await;
    assert_accepted("play", &app.handle(event("apigw-http-event-play.json")).await);
    app.store.advance_clock(Duration::from_secs(25));
    assert_accepted("ping at 25 s", &app.handle(event("apigw-rest-event-ping.json")).await);
    app.store.advance_clock(Duration::from_secs(25));
    assert_accepted(
        "bitrate change at 50 s",
        &app.handle(event("apigw-http-event-bitrate-change.json")).await,
    );
    app.store.advance_clock(Duration::from_secs(25));
    // 75 s after the start, 25 s after the last event: too old, not idle.
    let late = app.handle(event("function-url-event-buffer-start.json")).await;
    assert_gone("75 s after the start", &late, "expired");
    assert_accepted("a retried play", &app.handle(event("apigw-http-event-play.json")).await);
    assert_eq!(app.store.event_count(SESSION_ID), Some(3));
}

#[tokio::test]
async fn the_body_is_checked_before_the_session() {
    let app = live_session(&[]).await;
    for (case, session_id, status) in [
        ("an unknown session", UNKNOWN_SESSION_ID, 404),
        ("a malformed id", "not-a-session-id", 404),
        ("the live session", SESSION_ID, 204),
    ] {
        let invalid = app.handle(to_session("invalid-e2-event-type.json", session_id)).await;
        assert_eq!(
            invalid.status(),
            StatusCode::BAD_REQUEST,
            "{case}: {}",
            body_text(&invalid)
        );
        let valid = app.handle(to_session("apigw-http-event-play.json", session_id)).await;
        assert_eq!(valid.status().as_u16(), status, "{case}: {}", body_text(&valid));
    }
    assert_accepted("the end", &app.handle(event("apigw-http-event-session-end.json")).await);
    let invalid = app.handle(event("invalid-e5-qoe-data-types.json")).await;
    assert_eq!(
        invalid.status(),
        StatusCode::BAD_REQUEST,
        "an ended session still gets a 400 first"
    );
    assert_eq!(app.store.event_count(SESSION_ID), Some(2));
    assert!(app.store.events(UNKNOWN_SESSION_ID).is_empty());
    assert_eq!(app.store.len(), 1);
}

#[tokio::test]
async fn an_event_store_failure_is_a_500_that_shows_no_internals() {
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::failing());
    let file = "apigw-http-event-play.json";
    let response = app.handle(event(file)).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_cors(file, response.headers());
    assert!(problem(file, &response).is_empty());
    let text = body_text(&response);
    assert!(!text.contains("in-memory"), "internals leaked: {text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    let request_id = expected_request_id(file);
    assert_eq!(document["requestId"], request_id.as_str(), "{text}");
    assert_eq!(
        document["detail"],
        format!("the event could not be stored; request id {request_id}"),
        "{text}"
    );
    assert!(app.store.events(SESSION_ID).is_empty());
}

#[tokio::test]
async fn the_stored_request_id_is_api_gateways() {
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
    let response = app.handle(event("apigw-http-session-start.json")).await;
    let id = header(response.headers(), "location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.store.get(&id).unwrap().request_id, "9pGd4t9wFH6VN5d=");
}

#[tokio::test]
async fn a_store_failure_is_a_500_that_shows_no_internals() {
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::failing());
    let response = app.handle(event("apigw-rest-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_cors("500", response.headers());
    problem("500", &response);
    let text = body_text(&response);
    assert!(text.contains("could not be stored"), "{text}");
    assert!(!text.contains("in-memory"), "internals leaked: {text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    let request_id = document["requestId"].as_str().expect("the request id");
    assert!(
        !request_id.is_empty() && document["detail"].as_str().unwrap().contains(request_id),
        "{text}"
    );
}

#[tokio::test]
async fn a_listed_origin_is_echoed_with_vary() {
    let app = crate::support::app(
        config(
            "sessions",
            &[("CORS_ALLOW_ORIGIN", "https://other.example,https://player.example.com")],
        ),
        InMemorySessionStore::default(),
    );
    seed(&app).await;
    for file in [
        "apigw-http-session-start.json",
        "apigw-http-preflight.json",
        "invalid-v2-event-type.json",
        "apigw-http-event-play.json",
        "apigw-http-event-preflight.json",
        "apigw-http-event-unknown-session.json",
        "invalid-e4-ad-start-params.json",
    ] {
        let response = app.handle(event(file)).await;
        let headers = response.headers();
        assert_eq!(
            header(headers, "access-control-allow-origin"),
            Some("https://player.example.com"),
            "{file}"
        );
        // A preflight's answer also depends on the headers it asks for.
        let vary = if file.contains("preflight") {
            "Origin, Access-Control-Request-Headers"
        } else {
            "Origin"
        };
        assert_eq!(header(headers, "vary"), Some(vary), "{file}");
    }
    let mut request = event("apigw-http-preflight.json");
    request
        .headers
        .insert("origin", "https://evil.example".parse().unwrap());
    let response = app.handle(request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers().get("access-control-allow-origin").is_none());
    assert_eq!(
        header(response.headers(), "vary"),
        Some("Origin, Access-Control-Request-Headers")
    );
}

/// The preflight samples of each source, with `Access-Control-Request-Headers` set to `asked`.
fn preflights_asking(asked: &str) -> Vec<(&'static str, ApiRequest)> {
    [
        "apigw-http-preflight.json",
        "apigw-rest-preflight.json",
        "apigw-http-event-preflight.json",
    ]
    .into_iter()
    .map(|file| {
        let mut lambda_event = event_json(file);
        let headers = lambda_event["headers"].as_object_mut().expect("headers");
        let name = headers
            .keys()
            .find(|name| name.eq_ignore_ascii_case("access-control-request-headers"))
            .expect("the sample asks for headers")
            .clone();
        headers.insert(name.clone(), Value::from(asked));
        if let Some(multi) = lambda_event.get_mut("multiValueHeaders").and_then(Value::as_object_mut) {
            multi.insert(name, Value::from(vec![asked]));
        }
        (file, request(&lambda_event))
    })
    .collect()
}

/// The names an `Access-Control-Allow-Headers` answer allows, in lower case.
fn allowed_names(response: &lambda_http::Response<lambda_http::Body>) -> BTreeSet<String> {
    header(response.headers(), "access-control-allow-headers")
        .expect("Access-Control-Allow-Headers")
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn a_preflight_allows_a_script_set_user_agent() {
    // What Firefox and Safari ask for when a player sets its own User-Agent.
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
    for (file, request) in preflights_asking("content-type,user-agent") {
        let response = app.handle(request).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{file}");
        let allowed = allowed_names(&response);
        for name in ["content-type", "user-agent", "idempotency-key"] {
            assert!(allowed.contains(name), "{file}: {name} not in {allowed:?}");
        }
        let headers = response.headers();
        assert_eq!(header(headers, "access-control-allow-origin"), Some("*"), "{file}");
        assert_eq!(
            header(headers, "vary"),
            Some("Access-Control-Request-Headers"),
            "{file}: a cache must not give this answer to a preflight asking for other headers"
        );
        assert!(header(headers, "access-control-max-age").is_some(), "{file}");
        assert!(body_text(&response).is_empty(), "{file}");
    }
}

#[tokio::test]
async fn a_preflight_echoes_only_a_well_formed_list_of_names() {
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
    let base = ["content-type", "idempotency-key"];
    let long_list = vec!["x-header"; 200].join(",");
    for (asked, extra) in [
        (
            " Content-Type , X-Player-Version,,x-player-version ",
            &["x-player-version"][..],
        ),
        ("content-type,user agent", &[]),
        ("content-type;user-agent", &[]),
        ("", &[]),
        (long_list.as_str(), &[]),
    ] {
        let expected: BTreeSet<String> = base.iter().chain(extra).map(|name| name.to_string()).collect();
        for (file, request) in preflights_asking(asked) {
            let response = app.handle(request).await;
            assert_eq!(response.status(), StatusCode::NO_CONTENT, "{file} {asked:?}");
            assert_eq!(allowed_names(&response), expected, "{file} {asked:?}");
        }
    }
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = crate::support::app(
        config("sessions", &[("MAX_BODY_BYTES", "100")]),
        InMemorySessionStore::default(),
    );
    let response = app.handle(event("apigw-http-session-start.json")).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_text(&response).contains("100 bytes"));
}

/// The events route of the sample session.
const EVENTS_PATH: &str = "/api/v1/sessions/2f3ed621c4405311205073157efc0ebfe4173a8e3e56428b6f0bdf120207ec46/events";

#[tokio::test]
async fn other_methods_get_405_and_other_paths_404() {
    let app = crate::support::app(config("sessions", &[]), InMemorySessionStore::default());
    for (method, path, status) in [
        ("PUT", "/api/v1/sessions", 405),
        ("DELETE", "/api/v1/sessions/", 405),
        ("HEAD", "/api/v1/sessions", 405),
        ("POST", "/api/v1/sessions//", 404),
        ("POST", "/api/v1/sessions/abc", 404),
        ("PUT", "/prod/api/v1/sessions", 405),
        ("POST", "/prodapi/v1/sessions", 404),
        ("OPTIONS", "/", 404),
        ("GET", EVENTS_PATH, 405),
        ("PUT", EVENTS_PATH, 405),
        ("PATCH", "/api/v1/sessions/abc/events/", 405),
        ("POST", "/api/v1/sessions//events", 404),
        ("POST", "/api/v1/sessions/abc/events/extra", 404),
        ("POST", "/api/v1/sessions/abc/event", 404),
        ("POST", "/media/api/v1/sessions/abc/event", 404),
        ("DELETE", "/media/api/v1/schemas/play", 405),
        ("PUT", "/api/v1/schemas/play/", 405),
    ] {
        let mut event = event_json("apigw-http-session-start.json");
        event["requestContext"]["http"]["method"] = method.into();
        event["rawPath"] = path.into();
        let request = request(&event);
        let response = app.handle(request).await;
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        assert_cors(path, response.headers());
        if status == 405 {
            let allow = if path.contains("/schemas/") {
                "GET, OPTIONS, POST"
            } else {
                "OPTIONS, POST"
            };
            assert_eq!(header(response.headers(), "allow"), Some(allow), "{method} {path}");
        }
    }
}
