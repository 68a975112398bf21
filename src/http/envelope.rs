//! The Lambda event around an HTTP request, decoded by us rather than by
//! `lambda_http`: its conversion builds a full URI from the `Host` header and
//! the query string, and panics or fails (a Lambda error, so a 502 from API
//! Gateway or the ALB) on values that clients can send, such as `Host: a b`
//! or an unencoded `{` in the query. Our routes need neither the host nor the
//! query, so this module reads only what they need, leniently, from the raw
//! JSON: method, path, stage, headers, body and request id. Whatever is
//! unusable is ignored or reported as a 400 by the handler; only an event
//! that is not an HTTP request at all is refused.
//!
//! The answer goes back in the shape the event source expects, built with
//! the response types of `aws_lambda_events`.

use aws_lambda_events::alb::AlbTargetGroupResponse;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lambda_http::aws_lambda_events;
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue, Method};
use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// Which service sent the event; the answer must take its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API, or an HTTP API with payload format 1.0.
    RestApi,
    /// API Gateway HTTP API (payload format 2.0) or a Lambda Function URL.
    HttpApi,
    /// An Application Load Balancer target group.
    Alb,
}

/// The parts of an HTTP request that the routes use.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub source: Source,
    /// `None` when the event's method is missing or not an HTTP token.
    pub method: Option<Method>,
    /// The path as the event gives it (`rawPath` or `path`), stage included if there.
    pub path: String,
    pub stage: Option<String>,
    /// Every header whose name and value HTTP allows, names in lower case.
    pub headers: HeaderMap,
    /// Headers sent with a value HTTP does not allow: name (lower case), value.
    pub unreadable_headers: Vec<(String, String)>,
    pub body: RawBody,
    /// API Gateway's request id (REST and HTTP APIs; not ALB).
    pub api_request_id: Option<String>,
    /// Lambda's id of this invocation.
    pub lambda_request_id: String,
}

/// The body bytes, after base64 when the event says it is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawBody {
    Bytes(Vec<u8>),
    /// `isBase64Encoded` is true but the body is not valid base64.
    NotBase64,
}

/// An event that is not an HTTP request from any source we serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the event is not an HTTP request: expected an event from API Gateway (REST or HTTP API), \
     a Lambda Function URL or an Application Load Balancer"
)]
pub struct NotHttp;

impl ApiRequest {
    /// Reads an HTTP request out of a Lambda event.
    pub fn from_event(event: &Value, lambda_request_id: &str) -> Result<Self, NotHttp> {
        let Value::Object(event) = event else {
            return Err(NotHttp);
        };
        let source = Source::of(event).ok_or(NotHttp)?;
        let context = event.get("requestContext").and_then(Value::as_object);
        let in_context = |key: &str| context.and_then(|context| text(context.get(key)));

        let (method, path) = match source {
            Source::HttpApi => (
                context
                    .and_then(|context| context.get("http"))
                    .and_then(|http| text(http.get("method"))),
                text(event.get("rawPath")),
            ),
            Source::RestApi | Source::Alb => (text(event.get("httpMethod")), text(event.get("path"))),
        };
        let (headers, unreadable_headers) = headers(event);
        Ok(Self {
            source,
            method: method.and_then(|method| Method::from_bytes(method.as_bytes()).ok()),
            path: path.unwrap_or_default().to_owned(),
            stage: (source != Source::Alb)
                .then(|| in_context("stage"))
                .flatten()
                .map(str::to_owned),
            headers,
            unreadable_headers,
            body: body(event),
            api_request_id: in_context("requestId").filter(|id| !id.is_empty()).map(str::to_owned),
            lambda_request_id: lambda_request_id.to_owned(),
        })
    }
}

impl Source {
    /// Tells the sources apart by the members only each one has.
    fn of(event: &Map<String, Value>) -> Option<Self> {
        let context = event.get("requestContext").and_then(Value::as_object);
        let has = |key: &str| context.is_some_and(|context| context.contains_key(key));
        if has("elb") {
            Some(Self::Alb)
        } else if has("http") || event.contains_key("rawPath") {
            Some(Self::HttpApi)
        } else if event.contains_key("httpMethod") || (context.is_some() && event.contains_key("path")) {
            Some(Self::RestApi)
        } else {
            None
        }
    }
}

fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

/// `multiValueHeaders` then `headers` (which wins, as in `lambda_http`).
fn headers(event: &Map<String, Value>) -> (HeaderMap, Vec<(String, String)>) {
    let mut headers = HeaderMap::new();
    let mut unreadable = Vec::new();
    let mut add = |name: &str, value: &str, replace: bool| {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            // No route reads a header whose name HTTP does not allow.
            return;
        };
        // Past HeaderMap's capacity (32,768 entries) the rest is dropped: no
        // real client sends that many, and a panic must not answer for them.
        let _ = match HeaderValue::from_str(value) {
            Ok(value) if replace => headers.try_insert(name, value).map(drop),
            Ok(value) => headers.try_append(name, value).map(drop),
            Err(_) => {
                unreadable.push((name.as_str().to_owned(), value.to_owned()));
                Ok(())
            }
        };
    };
    if let Some(Value::Object(multi)) = event.get("multiValueHeaders") {
        for (name, values) in multi {
            for value in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
                add(name, value, false);
            }
        }
    }
    if let Some(Value::Object(single)) = event.get("headers") {
        for (name, value) in single {
            if let Some(value) = value.as_str() {
                add(name, value, true);
            }
        }
    }
    (headers, unreadable)
}

fn body(event: &Map<String, Value>) -> RawBody {
    let text = text(event.get("body")).unwrap_or_default();
    if event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        STANDARD.decode(text).map_or(RawBody::NotBase64, RawBody::Bytes)
    } else {
        RawBody::Bytes(text.as_bytes().to_vec())
    }
}

/// An answer in the shape of its event source.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum LambdaResponse {
    RestApi(ApiGatewayProxyResponse),
    HttpApi(ApiGatewayV2httpResponse),
    Alb(AlbTargetGroupResponse),
}

impl LambdaResponse {
    pub fn new(source: Source, response: Response<Body>) -> Self {
        let (parts, body) = response.into_parts();
        let (body, is_base64_encoded) = match body {
            Body::Empty => (None, false),
            Body::Binary(bytes) => (Some(Body::Binary(bytes)), true),
            text => (Some(text), false),
        };
        let status_code = i64::from(parts.status.as_u16());
        match source {
            Source::RestApi => {
                let mut answer = ApiGatewayProxyResponse::default();
                answer.status_code = status_code;
                // API Gateway merges `headers` into `multiValueHeaders`: one is enough.
                answer.multi_value_headers = parts.headers;
                answer.body = body;
                answer.is_base64_encoded = is_base64_encoded;
                Self::RestApi(answer)
            }
            Source::HttpApi => {
                let mut answer = ApiGatewayV2httpResponse::default();
                answer.status_code = status_code;
                answer.headers = parts.headers;
                answer.body = body;
                answer.is_base64_encoded = is_base64_encoded;
                Self::HttpApi(answer)
            }
            Source::Alb => {
                let mut answer = AlbTargetGroupResponse::default();
                answer.status_code = status_code;
                answer.status_description = Some(format!(
                    "{} {}",
                    parts.status.as_u16(),
                    parts.status.canonical_reason().unwrap_or_default()
                ));
                // The target group reads one or the other, depending on its
                // multi-value headers setting: send both.
                answer.headers = parts.headers.clone();
                answer.multi_value_headers = parts.headers;
                answer.body = body;
                answer.is_base64_encoded = is_base64_encoded;
                Self::Alb(answer)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn http_api(headers: Value) -> Value {
        json!({
            "version": "2.0",
            "rawPath": "/api/v1/sessions",
            "rawQueryString": "v={\"a\":1}|^`",
            "headers": headers,
            "requestContext": { "http": { "method": "POST" }, "requestId": "abc", "stage": "$default" },
            "body": "{}",
            "isBase64Encoded": false
        })
    }

    #[test]
    fn an_unusable_host_and_query_do_not_matter() {
        let request = ApiRequest::from_event(&http_api(json!({ "host": "a b{c}" })), "l-1").unwrap();
        assert_eq!(request.source, Source::HttpApi);
        assert_eq!(request.method, Some(Method::POST));
        assert_eq!(request.path, "/api/v1/sessions");
        assert_eq!(request.api_request_id.as_deref(), Some("abc"));
        assert_eq!(request.body, RawBody::Bytes(b"{}".to_vec()));
    }

    #[test]
    fn headers_http_forbids_are_set_aside() {
        let request = ApiRequest::from_event(
            &http_api(json!({ "Content-Type": "application/json\u{1}", "bad name": "x", "origin": "https://a" })),
            "l-1",
        )
        .unwrap();
        assert_eq!(
            request.unreadable_headers,
            vec![("content-type".to_owned(), "application/json\u{1}".to_owned())]
        );
        assert_eq!(request.headers.len(), 1);
        assert_eq!(request.headers["origin"], "https://a");
    }

    #[test]
    fn the_sources_are_told_apart() {
        let rest = json!({ "httpMethod": "POST", "path": "/x", "requestContext": { "stage": "prod" } });
        let alb = json!({ "httpMethod": "POST", "path": "/x", "requestContext": { "elb": {} } });
        let url = json!({ "rawPath": "/x", "requestContext": { "http": { "method": "POST" } } });
        assert_eq!(ApiRequest::from_event(&rest, "").unwrap().source, Source::RestApi);
        assert_eq!(
            ApiRequest::from_event(&rest, "").unwrap().stage.as_deref(),
            Some("prod")
        );
        assert_eq!(ApiRequest::from_event(&alb, "").unwrap().source, Source::Alb);
        assert_eq!(ApiRequest::from_event(&url, "").unwrap().source, Source::HttpApi);
        for not_http in [json!({ "key1": "value1" }), json!([1]), json!("text"), json!(null)] {
            assert_eq!(ApiRequest::from_event(&not_http, "").unwrap_err(), NotHttp);
        }
    }

    #[test]
    fn a_bad_base64_body_is_said_so_and_a_bad_method_is_none() {
        let mut event = http_api(json!({}));
        event["isBase64Encoded"] = json!(true);
        event["body"] = json!("not base64!");
        event["requestContext"]["http"]["method"] = json!("GE T");
        let request = ApiRequest::from_event(&event, "").unwrap();
        assert_eq!(request.body, RawBody::NotBase64);
        assert_eq!(request.method, None);
    }

    #[test]
    fn answers_take_their_source_shape() {
        let mut response = Response::new(Body::Text("{}".into()));
        *response.status_mut() = lambda_http::http::StatusCode::CREATED;
        response
            .headers_mut()
            .insert("location", HeaderValue::from_static("/x"));
        let rest = serde_json::to_value(LambdaResponse::new(Source::RestApi, response.clone())).unwrap();
        assert_eq!(rest["statusCode"], 201);
        assert_eq!(rest["multiValueHeaders"]["location"], json!(["/x"]));
        let http = serde_json::to_value(LambdaResponse::new(Source::HttpApi, response.clone())).unwrap();
        assert_eq!(http["headers"]["location"], "/x");
        assert_eq!(http["body"], "{}");
        let alb = serde_json::to_value(LambdaResponse::new(Source::Alb, response)).unwrap();
        assert_eq!(alb["statusDescription"], "201 Created");
        assert_eq!(alb["headers"]["location"], "/x");
    }
}
