//! Every front door through the whole function (the handler and both
//! DynamoDB adapters as `main` wires them) against AWS DynamoDB Local: for a
//! REST API and an HTTP API behind a custom domain's base path mapping, a
//! REST `{proxy+}` resource, an ALB rule's path prefix and VPC Lattice, the
//! samples in `events/` start a session (201, the same `Location` shape as
//! everywhere), send it an event (204) and a preflight (204), each answered
//! in its source's shape, and the records are in the tables.

use crate::support::{Tables, config, dynamodb_app, event_json, s};
use serde_json::Value;

/// The session the samples on the events route are sent to; each test
/// sends them to the session it started instead.
const SAMPLE_SESSION_ID: &str = "2f3ed621c4405311205073157efc0ebfe4173a8e3e56428b6f0bdf120207ec46";

/// The front doors: the prefix of their samples' names, and their shape.
const DOORS: &[(&str, Shape)] = &[
    ("apigw-rest-base-path", Shape::RestApi),
    ("apigw-http-base-path", Shape::HttpApi),
    ("apigw-rest-proxy", Shape::RestApi),
    ("alb-prefix", Shape::Alb),
    ("vpc-lattice", Shape::Lattice),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    RestApi,
    HttpApi,
    Alb,
    Lattice,
}

/// A header of an answer in any source's shape.
fn header(answer: &Value, name: &str) -> Option<String> {
    let single = answer["headers"][name].as_str();
    let multi = answer["multiValueHeaders"][name][0].as_str();
    single.or(multi).map(str::to_owned)
}

/// The answer's shape is its source's.
fn assert_shape(case: &str, answer: &Value, shape: Shape) {
    let status = answer["statusCode"].as_u64().expect("a statusCode");
    // Present, and neither null nor empty.
    let has = |member: &str| {
        answer
            .get(member)
            .is_some_and(|value| !value.is_null() && value.as_object().is_none_or(|members| !members.is_empty()))
    };
    match shape {
        Shape::RestApi => {
            assert!(has("multiValueHeaders"), "{case}: {answer}");
            assert!(!has("statusDescription"), "{case}: {answer}");
        }
        Shape::HttpApi => {
            assert!(answer["headers"].is_object(), "{case}: {answer}");
            assert!(
                !has("statusDescription") && !has("multiValueHeaders"),
                "{case}: {answer}"
            );
        }
        Shape::Alb => {
            assert!(
                has("multiValueHeaders") && answer["headers"].is_object(),
                "{case}: {answer}"
            );
            assert!(
                answer["statusDescription"]
                    .as_str()
                    .is_some_and(|description| description.starts_with(&status.to_string())),
                "{case}: {answer}"
            );
        }
        Shape::Lattice => {
            assert!(!has("multiValueHeaders"), "{case}: {answer}");
            let headers = answer["headers"].as_object().expect("headers");
            assert!(headers.values().all(Value::is_string), "{case}: {answer}");
            assert!(
                answer["statusDescription"]
                    .as_str()
                    .is_some_and(|description| description.starts_with(&status.to_string())),
                "{case}: {answer}"
            );
            assert_eq!(answer["isBase64Encoded"], false, "{case}: {answer}");
        }
    }
    assert_eq!(
        header(answer, "access-control-allow-origin").as_deref(),
        Some("*"),
        "{case}: {answer}"
    );
}

#[tokio::test]
async fn every_front_door_starts_a_session_sends_an_event_and_a_preflight() {
    let tables = Tables::new().await;
    let app = dynamodb_app(&tables.client, config(&tables.sessions, &[]));
    for (door, shape) in DOORS {
        let invoke = |event: Value| {
            let app = &app;
            async move {
                let answer = app.invoke(&event, "lambda-request-id").await.expect("an HTTP event");
                serde_json::to_value(answer).expect("an answer serializes")
            }
        };

        let case = format!("{door}: start");
        let started = invoke(event_json(&format!("{door}-session-start.json"))).await;
        assert_eq!(started["statusCode"], 201, "{case}: {started}");
        assert_shape(&case, &started, *shape);
        let location = header(&started, "location").expect("a Location");
        let id = location
            .strip_prefix("/api/v1/sessions/")
            .unwrap_or_else(|| panic!("{case}: Location {location} is not /api/v1/sessions/<id>"));
        assert!(
            id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{case}: {id}"
        );
        let session = tables.session_item(id).await;
        assert_eq!(s(&session, "eventType"), "sessionStart", "{case}");

        let case = format!("{door}: event");
        let sample = event_json(&format!("{door}-event.json")).to_string();
        let event: Value = serde_json::from_str(&sample.replace(SAMPLE_SESSION_ID, id)).unwrap();
        let sent: Value = serde_json::from_str(event["body"].as_str().expect("a body")).unwrap();
        let accepted = invoke(event).await;
        assert_eq!(accepted["statusCode"], 204, "{case}: {accepted}");
        assert_shape(&case, &accepted, *shape);
        let stored = tables.event_items(id).await;
        assert_eq!(stored.len(), 1, "{case}: {stored:?}");
        assert_eq!(
            s(&stored[0], "eventType"),
            sent["eventType"].as_str().unwrap(),
            "{case}"
        );

        let case = format!("{door}: preflight");
        let preflight = invoke(event_json(&format!("{door}-preflight.json"))).await;
        assert_eq!(preflight["statusCode"], 204, "{case}: {preflight}");
        assert_shape(&case, &preflight, *shape);
        assert!(
            header(&preflight, "access-control-max-age").is_some(),
            "{case}: {preflight}"
        );
        assert_eq!(tables.event_items(id).await.len(), 1, "{case}: stored nothing");
    }
}
