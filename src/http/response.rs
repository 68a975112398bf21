//! The answer goes back in the shape its event source expects: API
//! Gateway's and the ALB's with the response types of `aws_lambda_events`,
//! VPC Lattice's (which that crate does not offer with a status
//! description) with our own.

use std::collections::BTreeMap;

use aws_lambda_events::alb::AlbTargetGroupResponse;
use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::aws_lambda_events;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

use super::envelope::{Source, base64_encode};

/// An answer in the shape of its event source.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum LambdaResponse {
    RestApi(ApiGatewayProxyResponse),
    HttpApi(ApiGatewayV2httpResponse),
    Alb(AlbTargetGroupResponse),
    Lattice(LatticeResponse),
}

/// What a VPC Lattice target group takes from a Lambda function: the status
/// code and its description, the headers as a map of strings, the body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatticeResponse {
    pub status_code: u16,
    pub status_description: String,
    /// Several values of one header are joined with `, `.
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub is_base64_encoded: bool,
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
                answer.status_description = Some(status_description(parts.status));
                // The target group reads one or the other, depending on its
                // multi-value headers setting: send both.
                answer.headers = parts.headers.clone();
                answer.multi_value_headers = parts.headers;
                answer.body = body;
                answer.is_base64_encoded = is_base64_encoded;
                Self::Alb(answer)
            }
            Source::Lattice => {
                let mut headers = BTreeMap::<String, String>::new();
                for (name, value) in &parts.headers {
                    let value = String::from_utf8_lossy(value.as_bytes());
                    headers
                        .entry(name.as_str().to_owned())
                        .and_modify(|joined| {
                            joined.push_str(", ");
                            joined.push_str(&value);
                        })
                        .or_insert_with(|| value.into_owned());
                }
                Self::Lattice(LatticeResponse {
                    status_code: parts.status.as_u16(),
                    status_description: status_description(parts.status),
                    headers,
                    body: body.map(|body| match body {
                        Body::Binary(bytes) => base64_encode(&bytes),
                        Body::Text(text) => text,
                        _ => String::new(),
                    }),
                    is_base64_encoded,
                })
            }
        }
    }
}

/// `201 Created`, as the ALB and VPC Lattice show it.
fn status_description(status: StatusCode) -> String {
    format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use lambda_http::http::HeaderValue;
    use serde_json::{Value, json};

    use super::*;

    fn answer(source: Source) -> Value {
        let mut response = Response::new(Body::Text("{}".into()));
        *response.status_mut() = StatusCode::CREATED;
        let headers = response.headers_mut();
        headers.insert("location", HeaderValue::from_static("/x"));
        headers.append("vary", HeaderValue::from_static("Origin"));
        headers.append("vary", HeaderValue::from_static("Accept"));
        serde_json::to_value(LambdaResponse::new(source, response)).unwrap()
    }

    #[test]
    fn answers_take_their_source_shape() {
        let rest = answer(Source::RestApi);
        assert_eq!(rest["statusCode"], 201);
        assert_eq!(rest["multiValueHeaders"]["location"], json!(["/x"]));
        let http = answer(Source::HttpApi);
        assert_eq!(http["headers"]["location"], "/x");
        assert_eq!(http["body"], "{}");
        let alb = answer(Source::Alb);
        assert_eq!(alb["statusDescription"], "201 Created");
        assert_eq!(alb["headers"]["location"], "/x");
        assert_eq!(
            answer(Source::Lattice),
            json!({
                "statusCode": 201,
                "statusDescription": "201 Created",
                "headers": { "location": "/x", "vary": "Origin, Accept" },
                "body": "{}",
                "isBase64Encoded": false
            })
        );
    }

    #[test]
    fn a_lattice_answer_without_body_has_none() {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        let lattice = serde_json::to_value(LambdaResponse::new(Source::Lattice, response)).unwrap();
        assert_eq!(lattice["statusDescription"], "204 No Content");
        assert!(lattice.get("body").is_none(), "{lattice}");
        assert_eq!(lattice["headers"], json!({}));
    }
}
