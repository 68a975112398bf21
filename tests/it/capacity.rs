//! Every DynamoDB call the function makes asks for its consumed capacity
//! (`ReturnConsumedCapacity: TOTAL`), and each request's metrics record
//! carries what it consumed (`WriteUnits`, `ReadUnits`), through the whole
//! function against DynamoDB Local behind a proxy that records every call.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::refused_calls::{keeping_app, rejected_table};
use crate::support::{
    Tables, body_text, dynamodb_client, dynamodb_endpoint, event_json, redirected, request, sample_body,
};

/// A proxy to DynamoDB Local that keeps every byte clients send.
async fn recording_proxy() -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = dynamodb_endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&sent);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            let recorded = Arc::clone(&recorded);
            tokio::spawn(async move {
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let requests = async move {
                    let mut buffer = vec![0; 64 * 1024];
                    while let Ok(read) = client_read.read(&mut buffer).await {
                        if read == 0 || server_write.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                        recorded.lock().unwrap().extend_from_slice(&buffer[..read]);
                    }
                };
                let answers = async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                };
                tokio::join!(requests, answers);
            });
        }
    });
    (url, sent)
}

fn post(path: &str, body: &str) -> media_collector::http::ApiRequest {
    let mut event = event_json("apigw-http-session-start.json");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["body"] = json!(body);
    request(&event)
}

#[tokio::test]
async fn every_call_asks_for_its_capacity_and_the_record_carries_it() {
    let tables = Tables::new().await;
    let rejected = rejected_table(&tables).await;
    let (proxy, sent) = recording_proxy().await;
    let client = redirected(&dynamodb_client(Duration::from_secs(10)).await, &proxy);
    let tables = crate::support::Tables {
        client,
        sessions: tables.sessions.clone(),
        events: tables.events.clone(),
    };
    let (app, metrics) = keeping_app(&tables, &tables.client, &rejected, &[]);

    let start = app.handle(post("/api/v1/sessions", &sample_body().to_string())).await;
    assert_eq!(start.status(), 201, "{}", body_text(&start));
    let id = start.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let events = format!("/api/v1/sessions/{id}/events");
    let ts = sample_body()["playerTime"]["ts"].as_i64().unwrap();
    let calls = [
        (
            "ping",
            json!({"eventType": "ping", "playerTime": {"playhead": 0, "ts": ts + 10_000}}),
        ),
        (
            "a state",
            json!({"eventType": "stateStart", "playerTime": {"playhead": 0, "ts": ts + 11_000}, "params": {"media.state.name": "mute"}}),
        ),
        (
            "sessionEnd",
            json!({"eventType": "sessionEnd", "playerTime": {"playhead": 0, "ts": ts + 12_000}}),
        ),
    ];
    for (what, body) in &calls {
        assert_eq!(
            app.handle(post(&events, &body.to_string())).await.status(),
            204,
            "{what}"
        );
    }
    let batch = Value::Array(vec![sample_body(), calls[0].1.clone(), calls[1].1.clone()]);
    let downloaded = app
        .handle_until(
            post("/api/v1/downloaded", &batch.to_string()),
            Some(Instant::now() + Duration::from_secs(60)),
        )
        .await;
    assert_eq!(downloaded.status(), 201, "{}", body_text(&downloaded));
    let refused = app
        .handle(post("/api/v1/sessions", r#"{"eventType":"sessionStart"}"#))
        .await;
    assert_eq!(refused.status(), 400);

    // Every call sent to DynamoDB asked for its consumed capacity.
    let sent = String::from_utf8_lossy(&sent.lock().unwrap()).into_owned();
    let calls_made = sent
        .to_ascii_lowercase()
        .matches("x-amz-target: dynamodb_20120810.")
        .count();
    let asking = sent.matches(r#""ReturnConsumedCapacity":"TOTAL""#).count();
    assert!(calls_made >= 9, "{calls_made} calls recorded");
    assert_eq!(asking, calls_made, "every call asks for its capacity:\n{sent}");

    // And every request's record carries what it consumed.
    let records: Vec<Value> = metrics
        .text()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), 6);
    let units = |record: &Value| (record["WriteUnits"].as_f64(), record["ReadUnits"].as_f64());
    let declared = |record: &Value| {
        record["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|metric| metric["Name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    for (what, record) in ["start", "ping", "a state", "sessionEnd", "downloaded", "refused"]
        .iter()
        .zip(&records)
    {
        eprintln!("{what}: write {:?} read {:?}", units(record).0, units(record).1);
        assert!(declared(record).contains(&"WriteUnits".to_owned()), "{what}: {record}");
    }
    let (start_write, start_read) = units(&records[0]);
    assert!(
        start_write.unwrap() >= 1.0 && start_read == Some(0.0),
        "start: {:?}",
        units(&records[0])
    );
    for (what, record) in [
        ("ping", &records[1]),
        ("a state", &records[2]),
        ("sessionEnd", &records[3]),
    ] {
        let (write, read) = units(record);
        assert!(
            write.unwrap() >= 4.0,
            "{what}: a transaction of two items is at least 4 write units"
        );
        assert!(read.unwrap() >= 1.0, "{what}: the consistent read of the session");
    }
    assert!(
        units(&records[4]).0.unwrap() >= 3.0,
        "downloaded: the record and two events"
    );
    assert!(units(&records[5]).0.unwrap() >= 1.0, "refused: the kept call");
}
