//! The Lambda event around an HTTP request, decoded by us rather than by
//! `lambda_http`: its conversion builds a full URI from the `Host` header and
//! the query string, and panics or fails (a Lambda error, so a 502 from API
//! Gateway or the ALB) on values that clients can send, such as `Host: a b`
//! or an unencoded `{` in the query. Our routes need neither the host nor the
//! query, so this module reads only what they need, leniently, from the raw
//! JSON: method, path, headers, body and request id.
//!
//! Every member AWS may send as `null`, leave out, send empty or in another
//! form (a header value as a string or as a list, a flag as a boolean or as
//! text) is read the same way, and whatever is unusable is set aside: a
//! header HTTP does not allow, or one whose bytes were not text (see
//! [`super::payload`]), is kept apart in [`ApiRequest::unreadable_headers`],
//! the rest of the request being served. Only an event that is not an HTTP
//! request at all is refused.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue, Method};
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
    /// A VPC Lattice target group (event structure version 2, or 1).
    Lattice,
}

/// The parts of an HTTP request that the routes use.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub source: Source,
    /// `None` when the event's method is missing or not an HTTP token.
    pub method: Option<Method>,
    /// The path as the event gives it, whatever prefix (stage, base path,
    /// rule prefix) it carries; routing finds the API's root in it.
    pub path: String,
    /// Every header whose name and value HTTP allows, names in lower case.
    pub headers: HeaderMap,
    /// Headers set aside: sent with a value HTTP does not allow, or whose
    /// bytes were not text (they hold U+FFFD). Name (lower case), value.
    pub unreadable_headers: Vec<(String, String)>,
    pub body: RawBody,
    /// API Gateway's request id (REST and HTTP APIs; not ALB or VPC Lattice).
    pub api_request_id: Option<String>,
    /// Lambda's id of this invocation.
    pub lambda_request_id: String,
}

/// The body bytes, after base64 when the event says it is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawBody {
    Bytes(Vec<u8>),
    /// The event says the body is base64-encoded, but it is not valid base64.
    NotBase64,
}

/// An event that is not an HTTP request from any source we serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the event is not an HTTP request: expected an event from API Gateway (REST or HTTP API), \
     a Lambda Function URL, an Application Load Balancer or VPC Lattice"
)]
pub struct NotHttp;

/// The character a decoder puts for bytes that are not text.
const REPLACEMENT: char = char::REPLACEMENT_CHARACTER;

/// Standard base64, padded or not (API Gateway pads; a hand-made event may not).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl ApiRequest {
    /// Reads an HTTP request out of a Lambda event.
    pub fn from_event(event: &Value, lambda_request_id: &str) -> Result<Self, NotHttp> {
        let Value::Object(event) = event else {
            return Err(NotHttp);
        };
        let source = Source::of(event).ok_or(NotHttp)?;
        let context = event.get("requestContext").and_then(Value::as_object);
        let in_context = |key: &str| context.and_then(|context| text(context.get(key)));
        let http = context.and_then(|context| context.get("http"));

        // Where a source gives a value twice, the second is read when the
        // first is missing, null or empty.
        let (method, path) = match source {
            Source::HttpApi => (
                http.and_then(|http| text(http.get("method"))),
                text(event.get("rawPath")).or_else(|| http.and_then(|http| text(http.get("path")))),
            ),
            Source::RestApi | Source::Alb => (
                text(event.get("httpMethod")).or_else(|| in_context("httpMethod")),
                text(event.get("path")).or_else(|| in_context("path")),
            ),
            Source::Lattice => (
                text(event.get("method")),
                text(event.get("path")).or_else(|| text(event.get("raw_path"))),
            ),
        };
        let (headers, unreadable_headers) = headers(event);
        Ok(Self {
            source,
            method: method.and_then(|method| Method::from_bytes(method.as_bytes()).ok()),
            path: without_query(path.unwrap_or_default()).to_owned(),
            headers,
            unreadable_headers,
            body: body(event),
            api_request_id: in_context("requestId").map(str::to_owned),
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
        } else if has("serviceNetworkArn")
            || has("targetGroupArn")
            || has("serviceArn")
            // Version 1 of VPC Lattice's event has no context, and snake-case names.
            || (event.contains_key("method") && (event.contains_key("raw_path") || event.contains_key("path")))
        {
            Some(Self::Lattice)
        } else if has("http") || event.contains_key("rawPath") {
            Some(Self::HttpApi)
        } else if event.contains_key("httpMethod") || (context.is_some() && event.contains_key("path")) {
            Some(Self::RestApi)
        } else {
            None
        }
    }
}

/// A string member that is there and not empty.
fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|text| !text.is_empty())
}

/// The path without a query string, should a source leave one in it.
fn without_query(path: &str) -> &str {
    path.split_once('?').map_or(path, |(path, _)| path)
}

/// `multiValueHeaders` then `headers`, whose values replace those of the
/// same name (as in `lambda_http`). A value may be a string or, as VPC
/// Lattice sends them, a list of strings; anything else is no value.
fn headers(event: &Map<String, Value>) -> (HeaderMap, Vec<(String, String)>) {
    let mut headers = HeaderMap::new();
    let mut unreadable = Vec::new();
    for (member, replace) in [("multiValueHeaders", false), ("headers", true)] {
        let Some(Value::Object(sent)) = event.get(member) else {
            continue;
        };
        for (name, values) in sent {
            let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                // No route reads a header whose name HTTP does not allow.
                continue;
            };
            let values: Vec<&str> = match values {
                Value::String(value) => vec![value],
                Value::Array(values) => values.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            if replace && !values.is_empty() {
                headers.remove(&name);
            }
            for value in values {
                match HeaderValue::from_str(value) {
                    // Past HeaderMap's capacity (32,768 entries) the rest is
                    // dropped: no real client sends that many, and a panic
                    // must not answer for them.
                    Ok(readable) if !value.contains(REPLACEMENT) => {
                        let _ = headers.try_append(&name, readable);
                    }
                    _ => unreadable.push((name.as_str().to_owned(), value.to_owned())),
                }
            }
        }
    }
    (headers, unreadable)
}

/// The body, decoded from base64 when the event says so (`true`, or the
/// text `"true"`, under the name of any source).
fn body(event: &Map<String, Value>) -> RawBody {
    let text = event.get("body").and_then(Value::as_str).unwrap_or_default();
    let encoded = ["isBase64Encoded", "is_base64_encoded"]
        .iter()
        .filter_map(|name| event.get(*name))
        .any(|flag| match flag {
            Value::Bool(flag) => *flag,
            Value::String(flag) => flag.eq_ignore_ascii_case("true"),
            _ => false,
        });
    if encoded {
        BASE64.decode(text).map_or(RawBody::NotBase64, RawBody::Bytes)
    } else {
        RawBody::Bytes(text.as_bytes().to_vec())
    }
}

/// Base64 as the answers use it (standard, padded).
pub(super) fn base64_encode(bytes: &[u8]) -> String {
    general_purpose::STANDARD.encode(bytes)
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
    fn headers_http_forbids_or_that_were_not_text_are_set_aside() {
        let request = ApiRequest::from_event(
            &http_api(json!({
                "Content-Type": "application/json\u{1}",
                "bad name": "x",
                "origin": "https://a",
                "user-agent": "Beno\u{FFFD}t"
            })),
            "l-1",
        )
        .unwrap();
        assert_eq!(
            request.unreadable_headers,
            vec![
                ("content-type".to_owned(), "application/json\u{1}".to_owned()),
                ("user-agent".to_owned(), "Beno\u{FFFD}t".to_owned()),
            ]
        );
        assert_eq!(request.headers.len(), 1);
        assert_eq!(request.headers["origin"], "https://a");
    }

    #[test]
    fn the_sources_are_told_apart() {
        let rest = json!({ "httpMethod": "POST", "path": "/x", "requestContext": { "stage": "prod" } });
        let alb = json!({ "httpMethod": "POST", "path": "/x", "requestContext": { "elb": {} } });
        let url = json!({ "rawPath": "/x", "requestContext": { "http": { "method": "POST" } } });
        let lattice = json!({ "version": "2.0", "path": "/x", "method": "POST", "requestContext": { "serviceNetworkArn": "arn" } });
        let lattice_v1 = json!({ "raw_path": "/x?a=1", "method": "POST", "headers": {} });
        for (event, source) in [
            (rest, Source::RestApi),
            (alb, Source::Alb),
            (url, Source::HttpApi),
            (lattice, Source::Lattice),
            (lattice_v1, Source::Lattice),
        ] {
            let request = ApiRequest::from_event(&event, "").unwrap();
            assert_eq!(request.source, source, "{event}");
            assert_eq!(request.path, "/x", "{event}");
            assert_eq!(request.method, Some(Method::POST), "{event}");
        }
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
    fn base64_may_come_without_padding() {
        let mut event = http_api(json!({}));
        event["isBase64Encoded"] = json!("TRUE");
        event["body"] = json!("e30");
        assert_eq!(
            ApiRequest::from_event(&event, "").unwrap().body,
            RawBody::Bytes(b"{}".to_vec())
        );
    }
}
