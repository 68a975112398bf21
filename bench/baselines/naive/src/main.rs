//! Benchmark baseline "naive": the sessions function the way a typical user
//! writes it from the SDK's getting-started guide: default SDK features and
//! settings, `serde_json` on the body, one `PutItem`, `201 Created`. No
//! validation and no tuning: the figure media-collector is compared with.
#![forbid(unsafe_code)]

use std::collections::HashMap;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
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

async fn handler(client: &Client, table: &str, request: Request) -> Result<Response<Body>, Error> {
    let body: Value = match serde_json::from_slice(request.body().as_ref()) {
        Ok(body) => body,
        Err(error) => return Ok(Response::builder().status(400).body(error.to_string().into())?),
    };
    let session_id = uuid::Uuid::new_v4().to_string();
    let mut item = HashMap::from([("sessionId".to_string(), AttributeValue::S(session_id.clone()))]);
    if let Value::Object(fields) = &body {
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
    client.put_item().table_name(table).set_item(Some(item)).send().await?;
    Ok(Response::builder()
        .status(201)
        .header("Location", format!("/api/v1/sessions/{session_id}"))
        .body(Body::Empty)?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let client = Client::new(&config);
    let table = std::env::var("TABLE_NAME")?;
    lambda_http::run(service_fn(|request| handler(&client, &table, request))).await
}
