//! End to end over real HTTP: `make test` runs the function under
//! `cargo lambda watch` against DynamoDB Local; this test posts to it like a
//! player would (a session and its events) and finds the records in the tables.

use std::time::Duration;

use crate::support::{dynamodb_client, event_items, sample_body, session_item};

fn function_url() -> String {
    std::env::var("MEDIA_COLLECTOR_URL").unwrap_or_else(|_| {
        panic!(
            "MEDIA_COLLECTOR_URL is not set: this test needs the function running under `cargo lambda watch`. \
             Run `make test`, which starts it, or `make run` and set MEDIA_COLLECTOR_URL=http://127.0.0.1:9000 \
             and TABLE_NAME and EVENTS_TABLE_NAME to its tables"
        )
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

#[tokio::test]
async fn a_posted_session_start_is_created_and_stored() {
    let url = format!("{}/api/v1/sessions", function_url());
    let table = std::env::var("TABLE_NAME").expect("TABLE_NAME: the table the running function writes to");
    let body = sample_body().to_string();

    let posted = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            agent()
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.as_str())
        }
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    assert_eq!(posted.status().as_u16(), 201);
    let headers = posted.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(headers["access-control-expose-headers"], "Location");
    let location = headers["location"].to_str().unwrap().to_owned();
    let id = location
        .strip_prefix("/api/v1/sessions/")
        .expect("Location under /api/v1/sessions/");

    let client = dynamodb_client(Duration::from_secs(3)).await;
    let item = session_item(&client, &table, id)
        .await
        .unwrap_or_else(|| panic!("no record {id} in {table}"));
    let params = item["params"].as_m().unwrap();
    assert_eq!(params["media.length"].as_n().unwrap(), "60.39333333333333");
    assert_eq!(item["eventType"].as_s().unwrap(), "sessionStart");
}

#[tokio::test]
async fn preflight_and_errors_come_from_the_function_itself() {
    let url = format!("{}/api/v1/sessions", function_url());
    let (preflight, invalid) = tokio::task::spawn_blocking(move || {
        let agent = agent();
        let preflight = agent
            .options(&url)
            .header("Origin", "https://player.example.com")
            .header("Access-Control-Request-Method", "POST")
            // What Firefox asks when the player sets its own User-Agent.
            .header("Access-Control-Request-Headers", "content-type,user-agent")
            .call()
            .expect("OPTIONS");
        let invalid = agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send("{\"eventType\":1}")
            .expect("POST");
        (preflight, invalid)
    })
    .await
    .unwrap();
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(preflight.headers()["access-control-allow-methods"], "OPTIONS,POST,PUT");
    assert!(preflight.headers().contains_key("access-control-max-age"));
    assert_eq!(
        preflight.headers()["access-control-allow-headers"],
        "Content-Type, Idempotency-Key, user-agent",
        "cargo lambda watch passes the preflight to the function, which allows what it asks for"
    );
    assert_eq!(invalid.status().as_u16(), 400);
    assert_eq!(invalid.headers()["content-type"], "application/problem+json");
    assert_eq!(invalid.headers()["access-control-allow-origin"], "*");
}

/// POSTs `body` as JSON; the status and the body of the answer.
async fn post_json(url: String, body: String) -> (u16, String) {
    tokio::task::spawn_blocking(move || {
        let mut answer = agent()
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body.as_str())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let text = answer.body_mut().read_to_string().unwrap_or_default();
        (answer.status().as_u16(), text)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_session_reports_its_events_until_it_ends() {
    let base = function_url();
    let events_table =
        std::env::var("EVENTS_TABLE_NAME").expect("EVENTS_TABLE_NAME: the events table the running function writes to");
    let posted = tokio::task::spawn_blocking({
        let url = format!("{base}/api/v1/sessions");
        move || {
            agent()
                .post(&url)
                .header("Content-Type", "application/json")
                .send(sample_body().to_string().as_str())
                .expect("POST sessionStart")
        }
    })
    .await
    .unwrap();
    assert_eq!(posted.status().as_u16(), 201);
    let location = posted.headers()["location"].to_str().unwrap().to_owned();
    let events_url = format!("{base}{location}/events");

    let ts = 1_763_870_881_336_i64;
    for (offset, event_type) in ["play", "ping", "sessionComplete", "sessionEnd"].iter().enumerate() {
        let body = crate::support::event_body_at(event_type, ts + 10_000 * offset as i64).to_string();
        let (status, text) = post_json(events_url.clone(), body).await;
        assert_eq!(status, 204, "{event_type}: {text}");
        assert!(text.is_empty(), "{event_type}: {text}");
    }
    let (status, text) = post_json(
        events_url.clone(),
        crate::support::event_body_at("ping", ts + 50_000).to_string(),
    )
    .await;
    assert_eq!(status, 410, "{text}");
    let problem: serde_json::Value = serde_json::from_str(&text).expect("a problem document");
    assert_eq!(problem["reason"], "ended");

    let id = location.rsplit('/').next().unwrap();
    let client = dynamodb_client(Duration::from_secs(3)).await;
    let stored = event_items(&client, &events_table, id).await;
    let types: Vec<&str> = stored
        .iter()
        .map(|item| item["eventType"].as_s().unwrap().as_str())
        .collect();
    assert_eq!(types, ["play", "ping", "sessionComplete", "sessionEnd"]);
}
