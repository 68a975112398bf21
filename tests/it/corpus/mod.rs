//! The validation corpus: every body case of the two request bodies, each
//! with its verdict (accepted, or refused with the pointer and the words of
//! every error), written once and judged twice: by the parser the function
//! runs (`SessionStart::parse`, `SessionEvent::parse`) and by the JSON
//! Schemas clients get (the served schema of the body's type, and
//! `openapi.yaml`'s request schemas). A rule JSON Schema cannot express is
//! marked so in its case ([`Verdict::BeyondSchema`]), with the reason, and
//! the schemas must then accept the body; a body that is no JSON value at
//! all ([`Body::Text`]) is the parser's alone.
//!
//! `starts.rs` holds the sessionStart cases (rules V1–V10);
//! `events_accepted.rs`, `events_refused.rs` and `events_one_rule.rs` the
//! event cases (E1–E6).

mod events_accepted;
mod events_one_rule;
mod events_refused;
mod starts;

use std::collections::BTreeSet;

use media_collector::domain::{InvalidBody, SessionEvent, SessionStart};
use media_collector::http::schema;
use serde_json::{Value, json};

use crate::support::{EVENT_TYPES, event_body, sample_body};

/// A change to a valid body: set the value at a pointer, or remove it.
pub enum Change {
    Set(&'static str, Value),
    Remove(&'static str),
}

pub use Change::{Remove, Set};

/// An error the parser must report: its pointer, and words its message holds.
pub type Expected = (&'static str, &'static str);

/// What a body must get.
pub enum Verdict {
    Accepted,
    /// Refused with exactly these errors, by the parser and by the schemas.
    Refused(Vec<Expected>),
    /// Refused by the parser with exactly these errors, for a rule JSON
    /// Schema cannot express (the first member says which): the schemas
    /// accept the body.
    BeyondSchema(&'static str, Vec<Expected>),
}

/// A case's body.
pub enum Body {
    /// JSON: a valid body with changes, or any value.
    Json(Value),
    /// Text that is no JSON value (the parser alone can judge it).
    Text(&'static str),
}

pub struct Case {
    pub name: String,
    pub body: Body,
    pub verdict: Verdict,
}

impl Case {
    fn text(&self) -> String {
        match &self.body {
            Body::Json(value) => value.to_string(),
            Body::Text(text) => (*text).to_owned(),
        }
    }
}

/// Accepted.
pub fn accepted() -> Verdict {
    Verdict::Accepted
}

/// Refused with exactly these errors.
pub fn refused(errors: &[Expected]) -> Verdict {
    Verdict::Refused(errors.to_vec())
}

/// `body` with `changes` applied, in order.
pub fn changed(mut body: Value, changes: &[Change]) -> Value {
    for change in changes {
        let (pointer, value) = match change {
            Set(pointer, value) => (*pointer, Some(value.clone())),
            Remove(pointer) => (*pointer, None),
        };
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer below the root");
        let parent = body
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("the parent is an object");
        match value {
            Some(value) => parent.insert(key.to_owned(), value),
            None => parent.remove(key),
        };
    }
    body
}

/// The sample sessionStart (docs/api.md's example) with `changes`.
pub fn start(name: &str, changes: Vec<Change>, verdict: Verdict) -> Case {
    value(name, changed(sample_body(), &changes), verdict)
}

/// A valid event of `event_type` with `changes`.
pub fn event(name: &str, event_type: &str, changes: Vec<Change>, verdict: Verdict) -> Case {
    value(name, changed(event_body(event_type), &changes), verdict)
}

/// Any JSON value.
pub fn value(name: &str, body: Value, verdict: Verdict) -> Case {
    Case {
        name: name.to_owned(),
        body: Body::Json(body),
        verdict,
    }
}

/// Text that is no JSON value.
pub fn text(name: &str, body: &'static str, verdict: Verdict) -> Case {
    Case {
        name: name.to_owned(),
        body: Body::Text(body),
        verdict,
    }
}

/// A JSON number written exactly as `text`.
pub fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

/// The sessionStart cases.
pub fn starts() -> Vec<Case> {
    starts::cases()
}

/// The event cases: a valid body of every type, then the rest.
pub fn events() -> Vec<Case> {
    let mut cases: Vec<Case> = EVENT_TYPES
        .iter()
        .map(|name| value(&format!("valid {name}"), event_body(name), accepted()))
        .collect();
    cases.extend(events_accepted::cases());
    cases.extend(events_refused::cases());
    cases.extend(events_one_rule::cases());
    cases
}

/// Checks that `parsed` failed with exactly the `expected` errors.
pub fn assert_errors<T: std::fmt::Debug>(case: &str, parsed: Result<T, InvalidBody>, expected: &[Expected]) {
    let errors = match parsed {
        Ok(value) => panic!("{case}: accepted as {value:?}, expected errors {expected:?}"),
        Err(invalid) => invalid.errors().to_vec(),
    };
    let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer.as_str(), e.detail.as_str())).collect();
    assert_eq!(
        errors.len(),
        expected.len(),
        "{case}: expected {expected:?}, found {found:?}"
    );
    for (pointer, words) in expected {
        assert!(
            found.iter().any(|(p, detail)| p == pointer && detail.contains(words)),
            "{case}: no error at {pointer:?} saying {words:?}; found {found:?}"
        );
    }
}

/// Each case's name appears once, so that a failure names one case.
fn assert_named_once(cases: &[Case]) {
    let mut names = BTreeSet::new();
    for case in cases {
        assert!(
            names.insert(case.name.as_str()),
            "{}: a case name appears once",
            case.name
        );
    }
}

fn judge_by_parser<T: std::fmt::Debug>(cases: &[Case], parse: impl Fn(&str) -> Result<T, InvalidBody>) {
    assert_named_once(cases);
    for case in cases {
        let parsed = parse(&case.text());
        match &case.verdict {
            Verdict::Accepted => {
                if let Err(invalid) = parsed {
                    panic!("{}: rejected: {:?}", case.name, invalid.errors());
                }
            }
            Verdict::Refused(expected) | Verdict::BeyondSchema(_, expected) => {
                assert_errors(&case.name, parsed, expected)
            }
        }
    }
}

#[test]
fn the_parser_gives_every_session_start_case_its_verdict() {
    let cases = starts();
    judge_by_parser(&cases, SessionStart::parse);
    assert!(cases.len() > 50, "only {} cases", cases.len());
}

#[test]
fn the_parser_gives_every_event_case_its_verdict() {
    let cases = events();
    judge_by_parser(&cases, SessionEvent::parse);
    assert!(cases.len() > 140, "only {} cases", cases.len());
}

/// The parsed `openapi.yaml`.
pub fn openapi_document() -> Value {
    let text = std::fs::read_to_string(crate::support::events_dir().join("../openapi.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// A validator for `reference`, a `#/components/schemas/...` reference into openapi.yaml.
pub fn openapi_reference_validator(document: &Value, reference: &str) -> jsonschema::Validator {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": reference,
        "components": document["components"],
    });
    jsonschema::draft202012::new(&schema).expect("the openapi.yaml schema compiles")
}

/// The served schema of `event_type` (`sessionStart` included), compiled.
pub fn served_validator(event_type: &str) -> jsonschema::Validator {
    let served: Value = serde_json::from_str(schema(event_type).unwrap()).unwrap();
    jsonschema::draft202012::new(&served).unwrap_or_else(|e| panic!("the served {event_type} schema compiles: {e}"))
}

/// The request schemas of a route's POST in openapi.yaml, one per media type.
fn request_validators(document: &Value, path: &str) -> Vec<(String, jsonschema::Validator)> {
    let content = document["paths"][path]["post"]["requestBody"]["content"]
        .as_object()
        .unwrap_or_else(|| panic!("POST {path} has a request body"));
    content
        .iter()
        .map(|(media_type, body)| {
            let reference = body["schema"]["$ref"].as_str().unwrap();
            (media_type.clone(), openapi_reference_validator(document, reference))
        })
        .collect()
}

/// Every schema must accept a case the parser accepts or refuses beyond
/// what a schema can say, and refuse the rest.
fn judge_by_schemas<'v>(cases: &[Case], schemas_of: impl Fn(&Value) -> Vec<(String, &'v jsonschema::Validator)>) {
    let mut not_json = 0;
    for case in cases {
        let Body::Json(body) = &case.body else {
            assert!(
                serde_json::from_str::<Value>(&case.text()).is_err(),
                "{}: a Text case must be no JSON value",
                case.name
            );
            not_json += 1;
            continue;
        };
        let (valid, why) = match &case.verdict {
            Verdict::Accepted => (true, "the parser accepts it"),
            Verdict::Refused(_) => (false, "the parser refuses it"),
            Verdict::BeyondSchema(rule, _) => (true, *rule),
        };
        let schemas = schemas_of(body);
        assert!(!schemas.is_empty(), "{}: no schema judged it", case.name);
        for (schema, validator) in schemas {
            let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
            assert_eq!(
                errors.is_empty(),
                valid,
                "{}: {schema} disagrees with the parser ({why}): {errors:?}\n{body}",
                case.name
            );
        }
    }
    assert!(not_json < cases.len() / 10, "{not_json} cases are not JSON");
}

#[test]
fn the_session_start_schemas_give_every_case_the_parsers_verdict() {
    let document = openapi_document();
    let served = served_validator("sessionStart");
    let component = openapi_reference_validator(&document, "#/components/schemas/SessionStart");
    judge_by_schemas(&starts(), |_| {
        vec![
            ("the served sessionStart schema".to_owned(), &served),
            ("openapi.yaml's SessionStart".to_owned(), &component),
        ]
    });
}

#[test]
fn the_event_schemas_give_every_case_the_parsers_verdict() {
    let document = openapi_document();
    let requests = request_validators(&document, "/api/v1/sessions/{sessionId}/events");
    assert!(requests.len() >= 2, "application/json and text/plain");
    let served: Vec<(&str, jsonschema::Validator)> =
        EVENT_TYPES.iter().map(|name| (*name, served_validator(name))).collect();
    judge_by_schemas(&events(), |body| {
        let mut schemas: Vec<(String, &jsonschema::Validator)> = requests
            .iter()
            .map(|(media_type, validator)| (format!("the {media_type} request schema"), validator))
            .collect();
        // The schema a client would fetch for this body's type, if it has one.
        if let Some((name, validator)) = served.iter().find(|(name, _)| body["eventType"] == *name) {
            schemas.push((format!("the served {name} schema"), validator));
        }
        schemas
    });
}
