//! The HTTP face of the emulator: the routes of the Lambda Runtime API
//! (2018-06-01) that the `lambda_runtime` crate calls, served with hyper over
//! HTTP/1.1 on 127.0.0.1. Every connection is its own task, so any number of
//! long-polls of `/invocation/next` can be open at once.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::Outcome;
use super::state::State;

const PREFIX: &str = "/2018-06-01/runtime/";
/// How long each invocation may run, as Lambda's `Lambda-Runtime-Deadline-Ms` says.
const DEADLINE: Duration = Duration::from_secs(30);

/// What the `/next` answer says about the function.
#[derive(Debug, Clone)]
pub(crate) struct FunctionIdentity {
    pub arn: String,
}

/// Accepts connections until the task is aborted; aborting it also ends every
/// connection (they live in its `JoinSet`).
pub(crate) async fn serve(listener: TcpListener, state: Arc<State>, identity: Arc<FunctionIdentity>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    let identity = identity.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |request| handle(request, state.clone(), identity.clone()));
                        // A runtime that goes away mid-request is not our error.
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
                // Out of file descriptors or the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

type Answer = Response<Full<Bytes>>;

async fn handle(
    request: Request<Incoming>,
    state: Arc<State>,
    identity: Arc<FunctionIdentity>,
) -> Result<Answer, Infallible> {
    let Some(route) = request.uri().path().strip_prefix(PREFIX).map(str::to_owned) else {
        return Ok(not_found());
    };
    let segments: Vec<&str> = route.split('/').collect();
    let answer = match (request.method(), segments.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next(&state, &identity).await,
        (&Method::POST, ["invocation", id, kind @ ("response" | "error")]) => {
            let (id, is_error) = ((*id).to_owned(), *kind == "error");
            let body = read_json(request).await;
            let outcome = if is_error {
                Outcome::Error(body)
            } else {
                Outcome::Response(body)
            };
            if state.complete(&id, outcome) {
                accepted()
            } else {
                error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    &format!("unknown request id {id}"),
                )
            }
        }
        (&Method::POST, ["init", "error"]) => {
            let error_type = request
                .headers()
                .get("lambda-runtime-function-error-type")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let mut body = read_json(request).await;
            if let (Some(error_type), Value::Object(fields)) = (error_type, &mut body) {
                fields.entry("errorTypeHeader").or_insert(Value::String(error_type));
            }
            state.set_init_error(body);
            accepted()
        }
        _ => not_found(),
    };
    Ok(answer)
}

async fn next(state: &State, identity: &FunctionIdentity) -> Answer {
    let Some(event) = state.next_event().await else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "the emulator is stopping",
        );
    };
    let deadline = SystemTime::now()
        .checked_add(DEADLINE)
        .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_millis());
    let trace_id = trace_id();
    let mut response = Response::new(Full::new(event.body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", event.request_id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set("lambda-runtime-invoked-function-arn", identity.arn.clone());
    set("lambda-runtime-trace-id", trace_id);
    response
}

/// An X-Ray trace header as Lambda sends it: `Root=1-<epoch hex>-<96 bits>;Parent=<64 bits>;Sampled=0`.
fn trace_id() -> String {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled=0",
        &random[..24],
        &random[16..]
    )
}

/// The body as JSON; a body that is not JSON is kept as a string, an empty one as `null`.
async fn read_json(request: Request<Incoming>) -> Value {
    let bytes = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => return Value::String(format!("could not read the body: {error}")),
    };
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

fn json_answer(status: StatusCode, body: &Value) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn accepted() -> Answer {
    json_answer(StatusCode::ACCEPTED, &json!({ "status": "OK" }))
}

fn error(status: StatusCode, error_type: &str, message: &str) -> Answer {
    json_answer(status, &json!({ "errorType": error_type, "errorMessage": message }))
}

fn not_found() -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        "no such route in the Lambda Runtime API",
    )
}
