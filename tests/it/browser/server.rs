//! The browser test's HTTP servers: an API in front of the real handler
//! (each request turned into the API Gateway HTTP API event, payload 2.0,
//! that Lambda would get, and its answer back into HTTP), and the plumbing
//! the page's own origin shares with it.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::HeaderMap;
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use media_collector::http::App;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::support::{self, config, fresh_tables};

/// How long a request body may take to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// One request as an API server received and answered it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub status: u16,
    /// The request's headers.
    pub headers: HeaderMap,
    /// The answer's headers.
    pub answer_headers: HeaderMap,
}

impl Seen {
    /// A request header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// An answer header's value, when it is text.
    pub fn answer_header(&self, name: &str) -> Option<&str> {
        self.answer_headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// An API server in front of the handler, with its own table and CORS setting.
pub struct Api {
    pub url: String,
    pub table: String,
    pub events_table: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: JoinHandle<()>,
}

impl Api {
    pub async fn start(client: &Client, allow_origin: &str) -> Self {
        // The events table is the one `config` names beside the sessions table.
        let (table, events_table) = fresh_tables(client).await;
        let app = Arc::new(support::dynamodb_app(
            client,
            config(&table, &[("CORS_ALLOW_ORIGIN", allow_origin)]),
        ));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port for an API");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let server = serve(listener, {
            let seen = Arc::clone(&seen);
            move |request, peer| api_answer(Arc::clone(&app), request, peer, Arc::clone(&seen))
        });
        Self {
            url,
            table,
            events_table,
            seen,
            server,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn api_answer(
    app: Arc<App<support::DynamoDbStores>>,
    request: Request<Incoming>,
    peer: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let Some(body) = read_body(body).await else {
        return plain(StatusCode::BAD_REQUEST, "the request body could not be read");
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let event = http_api_event(&parts, &body, peer, &request_id);
    let response = match app.invoke(&event, &request_id).await {
        Ok(answer) => http_response(&serde_json::to_value(answer).expect("a Lambda answer is JSON")),
        // API Gateway's answer to a Lambda error.
        Err(_) => plain(StatusCode::BAD_GATEWAY, "Internal Server Error"),
    };
    seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        status: response.status().as_u16(),
        headers: parts.headers.clone(),
        answer_headers: response.headers().clone(),
    });
    response
}

/// The event API Gateway sends for an HTTP API route (payload format 2.0,
/// `$default` stage): header names in lower case, repeated headers joined
/// with commas, cookies apart, a body that is not UTF-8 in base64.
fn http_api_event(parts: &Parts, body: &[u8], peer: SocketAddr, request_id: &str) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(value.split("; ").map(|cookie| json!(cookie)));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), json!(value));
            }
        }
    }
    let header = |name: &str| headers.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let now = time::OffsetDateTime::now_utc();
    let time_format =
        time::macros::format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.uri.path(),
        "rawQueryString": parts.uri.query().unwrap_or_default(),
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "browsertest",
            "domainName": header("host"),
            "domainPrefix": "browsertest",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": header("user-agent"),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.format(time_format).expect("a formattable time"),
            "timeEpoch": now.unix_timestamp() * 1000 + i64::from(now.millisecond()),
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => event["body"] = json!(text),
            Err(_) => {
                event["body"] = json!(STANDARD.encode(body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// What API Gateway makes of a payload 2.0 answer: `statusCode`, `headers`,
/// `cookies` and `body` (base64 when `isBase64Encoded`).
fn http_response(answer: &Value) -> Response<Full<Bytes>> {
    let status = answer["statusCode"]
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .and_then(|status| StatusCode::from_u16(status).ok());
    let Some(status) = status else {
        return plain(StatusCode::BAD_GATEWAY, "Internal Server Error");
    };
    let mut response = Response::builder().status(status);
    for (name, value) in answer["headers"].as_object().into_iter().flatten() {
        if let Some(value) = value.as_str() {
            response = response.header(name.as_str(), value);
        }
    }
    for cookie in answer["cookies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        response = response.header("set-cookie", cookie);
    }
    let text = answer["body"].as_str().unwrap_or_default();
    let body = if answer["isBase64Encoded"] == true {
        STANDARD.decode(text).expect("a base64 body is base64")
    } else {
        text.as_bytes().to_vec()
    };
    response
        .body(Full::new(Bytes::from(body)))
        .expect("the handler's headers are valid")
}

/// Serves HTTP/1.1 on `listener` until the returned task is aborted.
pub fn serve<F, Fut>(listener: TcpListener, answer: F) -> JoinHandle<()>
where
    F: Fn(Request<Incoming>, SocketAddr) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                // Out of file descriptors, say: try again shortly.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let answer = answer.clone();
            connections.spawn(async move {
                let service = service_fn(move |request| {
                    let answer = answer.clone();
                    async move { Ok::<_, Infallible>(answer(request, peer).await) }
                });
                // A browser may close a connection at any time: not an error here.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
            // Forget the finished connections (the set aborts the rest when dropped).
            while connections.try_join_next().is_some() {}
        }
    })
}

pub async fn read_body(body: Incoming) -> Option<Bytes> {
    match tokio::time::timeout(BODY_TIMEOUT, body.collect()).await {
        Ok(Ok(collected)) => Some(collected.to_bytes()),
        _ => None,
    }
}

pub fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from_static(text.as_bytes())))
        .unwrap()
}
