//! End to end over real HTTP: `make test` runs the function under
//! `cargo lambda watch` against DynamoDB Local; this test posts to it like a
//! player would and finds the record in the table.

mod support;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use support::{dynamodb_client, sample_body};

fn function_url() -> String {
    std::env::var("MEDIA_COLLECTOR_URL").unwrap_or_else(|_| {
        panic!(
            "MEDIA_COLLECTOR_URL is not set: this test needs the function running under `cargo lambda watch`. \
             Run `make test`, which starts it, or `make run` and set MEDIA_COLLECTOR_URL=http://127.0.0.1:9000 \
             and TABLE_NAME to its table"
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
    let item = client
        .get_item()
        .table_name(&table)
        .key("sessionId", AttributeValue::S(id.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem on DynamoDB Local")
        .item
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
    assert_eq!(invalid.status().as_u16(), 400);
    assert_eq!(invalid.headers()["content-type"], "application/problem+json");
    assert_eq!(invalid.headers()["access-control-allow-origin"], "*");
}
