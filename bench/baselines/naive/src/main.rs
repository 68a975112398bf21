//! Benchmark baseline "naive": the sessions function the way a typical user
//! writes it from the SDK's getting-started guide: default SDK features and
//! settings, `serde_json` on the body, no validation and no tuning: the
//! figure media-collector is compared with. Two routes:
//!
//! - `POST /api/v1/sessions`: one `PutItem` of the body's fields, `201 Created`
//!   with a `Location`;
//! - `POST /api/v1/sessions/{id}/events`: one `TransactWriteItems`, as the
//!   DynamoDB developer guide's transaction example has it, of the session's
//!   update (`SET lastEventAt`, `ADD eventCount 1`, on the condition that the
//!   session exists) and the event's `Put` (key `sessionId` + `eventKey`,
//!   the body's fields), with no read first; `204 No Content`.
#![forbid(unsafe_code)]

use std::collections::HashMap;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use lambda_http::{Body, Error, Request, Response, service_fn};
use serde_json::Value;

/// Strings become S, numbers N; anything else is stored as its JSON text.
fn attribute(value: &Value) -> AttributeValue {
    match value {
        Value::String(text) => AttributeValue::S(text.clone()),
        Value::Number(number) => AttributeValue::N(number.to_string()),
        other => AttributeValue::S(other.to_string()),
    }
}

/// The body's fields as attributes, one level of nesting flattened (`params.x`).
fn fields(body: &Value, item: &mut HashMap<String, AttributeValue>) {
    if let Value::Object(fields) = body {
        for (name, value) in fields {
            if let Value::Object(inner) = value {
                for (key, value) in inner {
                    item.insert(format!("{name}.{key}"), attribute(value));
                }
            } else {
                item.insert(name.clone(), attribute(value));
            }
        }
    }
}

async fn handler(client: &Client, tables: &Tables, request: Request) -> Result<Response<Body>, Error> {
    let body: Value = match serde_json::from_slice(request.body().as_ref()) {
        Ok(body) => body,
        Err(error) => return Ok(Response::builder().status(400).body(error.to_string().into())?),
    };
    let segments: Vec<&str> = request.uri().path().split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [.., "sessions", session_id, "events"] => add_event(client, tables, session_id, &body).await,
        _ => start_session(client, &tables.sessions, &body).await,
    }
}

async fn start_session(client: &Client, table: &str, body: &Value) -> Result<Response<Body>, Error> {
    let session_id = uuid::Uuid::new_v4().to_string();
    let mut item = HashMap::from([("sessionId".to_string(), AttributeValue::S(session_id.clone()))]);
    fields(body, &mut item);
    client.put_item().table_name(table).set_item(Some(item)).send().await?;
    Ok(Response::builder()
        .status(201)
        .header("Location", format!("/api/v1/sessions/{session_id}"))
        .body(Body::Empty)?)
}

async fn add_event(client: &Client, tables: &Tables, session_id: &str, body: &Value) -> Result<Response<Body>, Error> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let event_key = format!(
        "{}#{}",
        body["playerTime"]["ts"],
        body["eventType"].as_str().unwrap_or("unknown")
    );
    let mut item = HashMap::from([
        ("sessionId".to_string(), AttributeValue::S(session_id.to_string())),
        ("eventKey".to_string(), AttributeValue::S(event_key)),
    ]);
    fields(body, &mut item);
    let update = Update::builder()
        .table_name(&tables.sessions)
        .key("sessionId", AttributeValue::S(session_id.to_string()))
        .update_expression("SET lastEventAt = :now ADD eventCount :one")
        .condition_expression("attribute_exists(sessionId)")
        .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
        .expression_attribute_values(":one", AttributeValue::N("1".to_string()))
        .build()?;
    let put = Put::builder().table_name(&tables.events).set_item(Some(item)).build()?;
    client
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().update(update).build())
        .transact_items(TransactWriteItem::builder().put(put).build())
        .send()
        .await?;
    Ok(Response::builder().status(204).body(Body::Empty)?)
}

struct Tables {
    sessions: String,
    events: String,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let client = Client::new(&config);
    let tables = Tables {
        sessions: std::env::var("TABLE_NAME")?,
        events: std::env::var("EVENTS_TABLE_NAME")?,
    };
    lambda_http::run(service_fn(|request| handler(&client, &tables, request))).await
}
