//! A stub DynamoDB endpoint for the throughput scenarios: every `PutItem`
//! succeeds (`{}`) after a fixed delay, like a real table a few milliseconds
//! away, so a function's answers per second show its own overhead and
//! concurrency rather than DynamoDB Local's. `DescribeTable` gets a plausible
//! table description; anything else is an `UnknownOperationException`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

pub struct Stub {
    pub port: u16,
    puts: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Stub {
    pub async fn start(put_delay: Duration) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let puts = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(serve(listener, put_delay, puts.clone()));
        Ok(Self { port, puts, task })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many `PutItem` calls it has answered.
    pub fn puts(&self) -> u64 {
        self.puts.load(Ordering::Relaxed)
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, put_delay: Duration, puts: Arc<AtomicU64>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let puts = puts.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| answer(request, put_delay, puts.clone()));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn answer(
    request: Request<Incoming>,
    put_delay: Duration,
    puts: Arc<AtomicU64>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(|target| target.strip_prefix("DynamoDB_20120810."))
        .unwrap_or_default()
        .to_owned();
    let body = match request.into_body().collect().await {
        Ok(collected) => serde_json::from_slice::<Value>(&collected.to_bytes()).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let (status, reply) = match operation.as_str() {
        "PutItem" => {
            tokio::time::sleep(put_delay).await;
            puts.fetch_add(1, Ordering::Relaxed);
            (StatusCode::OK, json!({}))
        }
        // The function's warm-up: no such item.
        "GetItem" => (StatusCode::OK, json!({})),
        "DescribeTable" => (
            StatusCode::OK,
            describe_table(body["TableName"].as_str().unwrap_or("table")),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            json!({
                "__type": "com.amazon.coral.service#UnknownOperationException",
                "message": format!("the bench's stub does not implement {operation:?}"),
            }),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(reply.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
    if let Ok(id) = HeaderValue::from_str(&uuid_like()) {
        headers.insert("x-amzn-requestid", id);
    }
    Ok(response)
}

fn describe_table(name: &str) -> Value {
    json!({
        "Table": {
            "TableName": name,
            "TableArn": format!("arn:aws:dynamodb:us-east-1:123456789012:table/{name}"),
            "TableStatus": "ACTIVE",
            "KeySchema": [{ "AttributeName": media_collector::store::dynamodb::schema::PARTITION_KEY, "KeyType": "HASH" }],
            "AttributeDefinitions": [{ "AttributeName": media_collector::store::dynamodb::schema::PARTITION_KEY, "AttributeType": "S" }],
            "BillingModeSummary": { "BillingMode": "PAY_PER_REQUEST" },
            "ItemCount": 0,
            "TableSizeBytes": 0,
            "CreationDateTime": 1_763_870_881.336,
        }
    })
}

/// A request id in DynamoDB's shape (52 upper-case characters); uniqueness does not matter here.
fn uuid_like() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("{:0>52}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
