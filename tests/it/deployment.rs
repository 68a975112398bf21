//! The deployment documents agree with the code: `template.yaml` declares
//! the two tables the adapters write (keys, TTL, stream) as `src/store/dynamodb/schema.rs`
//! defines them, passes the settings with the code's defaults and bounds,
//! routes the code's paths to the function, and grants exactly the DynamoDB
//! actions the adapters call; `openapi.yaml`'s request schema accepts the
//! sample events' valid bodies and rejects the invalid ones.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::support::{body_bytes, event, event_files};
use aws_sdk_dynamodb::types::{BillingMode, KeyType, ScalarAttributeType};
use media_collector::config::{
    CORS_ALLOW_ORIGIN, Config, ConfigError, EVENTS_TABLE_NAME, MAX_BODY_BYTES, SESSION_IDLE_TIMEOUT_S,
    SESSION_MAX_AGE_S, SESSION_STALL_TIMEOUT_S, SESSION_TTL_DAYS, STORE_TIMEOUT_MS, TABLE_NAME,
};
use media_collector::domain::SessionPolicy;
use media_collector::http::{ApiRequest, Route};
use media_collector::store::dynamodb::schema::{
    EVENT_SORT_KEY, EVENTS_STREAM_VIEW, PARTITION_KEY, SESSIONS_STREAM_VIEW, TTL_ATTRIBUTE,
};
use serde_json::{Value, json};
use serde_yaml_ng::Value as Yaml;

fn read(file: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn template() -> Yaml {
    serde_yaml_ng::from_str(&read("template.yaml")).expect("template.yaml is YAML")
}

fn text(value: &Yaml) -> &str {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value:?}"))
}

/// The target of an intrinsic function written in its short form
/// (`!Ref Name`, `!GetAtt Name.Attribute`), or None.
fn intrinsic(value: &Yaml, function: &str) -> Option<String> {
    let Yaml::Tagged(tagged) = value else {
        return None;
    };
    if tagged.tag != function {
        return None;
    }
    match &tagged.value {
        Yaml::String(target) => Some(target.clone()),
        // `!GetAtt [Name, Attribute]`
        Yaml::Sequence(parts) => Some(parts.iter().map(text).collect::<Vec<_>>().join(".")),
        _ => None,
    }
}

/// The name that `!Ref` points at; panics on anything else.
fn reference(value: &Yaml) -> String {
    intrinsic(value, "Ref").unwrap_or_else(|| panic!("not a !Ref: {value:?}"))
}

fn function_properties(template: &Yaml) -> &Yaml {
    let function = &template["Resources"]["SessionsFunction"];
    assert_eq!(text(&function["Type"]), "AWS::Serverless::Function");
    &function["Properties"]
}

/// What `src/store/dynamodb/schema.rs` creates: the key (name, type) in order, the stream
/// view if any. Everything else (on-demand, TTL attribute) is shared.
struct TableShape<'a> {
    key: Vec<(&'a str, KeyType)>,
    stream: Option<&'a str>,
}

/// Checks a table resource against the code's definition, and the
/// properties every table of the stack has: SSE, PITR, retained on
/// deletion and on replacement.
fn assert_table_is(template: &Yaml, resource: &str, expected: &TableShape) {
    let table = &template["Resources"][resource];
    assert_eq!(text(&table["Type"]), "AWS::DynamoDB::Table", "{resource}");
    assert_eq!(text(&table["DeletionPolicy"]), "Retain", "{resource}");
    assert_eq!(text(&table["UpdateReplacePolicy"]), "Retain", "{resource}");
    let properties = &table["Properties"];

    let key: Vec<(String, String)> = properties["KeySchema"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{resource}: KeySchema"))
        .iter()
        .map(|element| {
            (
                text(&element["AttributeName"]).to_owned(),
                text(&element["KeyType"]).to_owned(),
            )
        })
        .collect();
    let expected_key: Vec<(String, String)> = expected
        .key
        .iter()
        .map(|(name, key_type)| ((*name).to_owned(), key_type.as_str().to_owned()))
        .collect();
    assert_eq!(key, expected_key, "{resource}: KeySchema");

    // Only key attributes may be defined, each a string as the code says.
    let definitions: BTreeSet<(String, String)> = properties["AttributeDefinitions"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{resource}: AttributeDefinitions"))
        .iter()
        .map(|definition| {
            (
                text(&definition["AttributeName"]).to_owned(),
                text(&definition["AttributeType"]).to_owned(),
            )
        })
        .collect();
    let expected_definitions: BTreeSet<(String, String)> = expected
        .key
        .iter()
        .map(|(name, _)| ((*name).to_owned(), ScalarAttributeType::S.as_str().to_owned()))
        .collect();
    assert_eq!(definitions, expected_definitions, "{resource}: AttributeDefinitions");

    assert_eq!(
        text(&properties["BillingMode"]),
        BillingMode::PayPerRequest.as_str(),
        "{resource}: on-demand"
    );
    let ttl = &properties["TimeToLiveSpecification"];
    assert_eq!(text(&ttl["AttributeName"]), TTL_ATTRIBUTE, "{resource}: TTL attribute");
    assert_eq!(ttl["Enabled"].as_bool(), Some(true), "{resource}: TTL enabled");
    assert_eq!(
        properties["SSESpecification"]["SSEEnabled"].as_bool(),
        Some(true),
        "{resource}: SSE"
    );
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true),
        "{resource}: point-in-time recovery"
    );
    let stream = &properties["StreamSpecification"];
    match expected.stream {
        None => assert!(stream.is_null(), "{resource}: no stream expected, found {stream:?}"),
        Some(view) => assert_eq!(text(&stream["StreamViewType"]), view, "{resource}: stream view"),
    }
}

#[test]
fn the_template_declares_the_sessions_table_the_code_writes() {
    assert_table_is(
        &template(),
        "SessionsTable",
        &TableShape {
            key: vec![(PARTITION_KEY, KeyType::Hash)],
            stream: Some(SESSIONS_STREAM_VIEW.as_str()),
        },
    );
}

#[test]
fn the_template_declares_the_events_table_the_code_writes() {
    assert_table_is(
        &template(),
        "EventsTable",
        &TableShape {
            key: vec![(PARTITION_KEY, KeyType::Hash), (EVENT_SORT_KEY, KeyType::Range)],
            stream: Some(EVENTS_STREAM_VIEW.as_str()),
        },
    );
    assert_eq!(EVENTS_STREAM_VIEW.as_str(), "NEW_IMAGE");
}

#[test]
fn the_function_has_exactly_the_dynamodb_actions_its_adapters_call() {
    let template = template();
    let function = function_properties(&template);
    let rendered = serde_yaml_ng::to_string(function).unwrap();
    assert!(
        !rendered.contains("DynamoDBCrudPolicy") && !rendered.contains("DynamoDBWritePolicy"),
        "no SAM policy templates: {rendered}"
    );
    assert!(function["Role"].is_null(), "the role is SAM's, with these policies");

    // Table resource -> actions, over every statement of every inline policy.
    let mut granted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let policies = function["Policies"].as_sequence().expect("inline policies");
    for policy in policies {
        assert_eq!(
            text(&policy["Version"]),
            "2012-10-17",
            "an inline policy document: {policy:?}"
        );
        for statement in policy["Statement"].as_sequence().expect("Statement") {
            assert_eq!(text(&statement["Effect"]), "Allow", "{statement:?}");
            for absent in ["NotAction", "NotResource", "Condition", "Principal"] {
                assert!(statement[absent].is_null(), "{absent} in {statement:?}");
            }
            let resource = intrinsic(&statement["Resource"], "GetAtt")
                .unwrap_or_else(|| panic!("one !GetAtt table ARN per statement: {statement:?}"));
            let actions: Vec<&str> = match &statement["Action"] {
                Yaml::String(action) => vec![action.as_str()],
                Yaml::Sequence(listed) => listed.iter().map(text).collect(),
                other => panic!("unexpected Action {other:?}"),
            };
            for action in actions {
                assert!(!action.contains('*'), "wildcard action {action}");
                granted.entry(resource.clone()).or_default().insert(action.to_owned());
            }
        }
    }

    let expected: BTreeMap<String, BTreeSet<String>> = [
        (
            // Sessions: PutItem (start), GetItem (the warm-up, and the
            // session before an event), UpdateItem (inside the transaction).
            "SessionsTable.Arn",
            &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"][..],
        ),
        // Events: GetItem (is a refused event a retry?), PutItem (inside the
        // transaction), BatchWriteItem (a downloaded session's events). No
        // Query, Scan, DeleteItem or stream reads.
        (
            "EventsTable.Arn",
            &["dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:PutItem"][..],
        ),
        // Refused calls: PutItem only. Reading and removing them is the
        // replay command's, run by an operator with their own credentials.
        ("RejectedTable.Arn", &["dynamodb:PutItem"][..]),
    ]
    .into_iter()
    .map(|(resource, actions)| {
        (
            resource.to_owned(),
            actions.iter().map(|action| (*action).to_owned()).collect(),
        )
    })
    .collect();
    assert_eq!(granted, expected);
}

#[test]
fn the_function_gets_both_table_names_from_the_stack() {
    let template = template();
    let variables = &function_properties(&template)["Environment"]["Variables"];
    assert_eq!(reference(&variables[TABLE_NAME]), "SessionsTable");
    assert_eq!(reference(&variables[EVENTS_TABLE_NAME]), "EventsTable");
    assert_eq!(reference(&variables["REJECTED_TABLE_NAME"]), "RejectedTable");
}

#[test]
fn the_template_declares_the_rejected_table_the_code_writes() {
    use media_collector::store::dynamodb::schema::{REJECTED_PARTITION_KEY, REJECTED_SORT_KEY};
    assert_table_is(
        &template(),
        "RejectedTable",
        &TableShape {
            key: vec![
                (REJECTED_PARTITION_KEY, KeyType::Hash),
                (REJECTED_SORT_KEY, KeyType::Range),
            ],
            stream: None,
        },
    );
    let template = template();
    let table = &template["Resources"]["RejectedTable"];
    assert_eq!(text(&table["DeletionPolicy"]), "Retain");
    let properties = &table["Properties"];
    assert_eq!(properties["SSESpecification"]["SSEEnabled"].as_bool(), Some(true));
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
}

/// The parameter an environment variable of the function comes from.
fn parameter_of<'a>(template: &'a Yaml, variable: &str) -> (String, &'a Yaml) {
    let variables = &function_properties(template)["Environment"]["Variables"];
    let name = reference(&variables[variable]);
    let parameter = &template["Parameters"][name.as_str()];
    assert!(parameter.is_mapping(), "{variable}: no parameter {name:?}");
    (name, parameter)
}

fn number(value: &Yaml) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a whole number: {value:?}"))
}

#[test]
fn the_template_defaults_are_the_specs() {
    let template = template();
    for (variable, default) in [
        (SESSION_TTL_DAYS, "30"),
        (CORS_ALLOW_ORIGIN, "*"),
        (MAX_BODY_BYTES, "65536"),
        (STORE_TIMEOUT_MS, "3000"),
        (SESSION_IDLE_TIMEOUT_S, "600"),
        (SESSION_MAX_AGE_S, "86400"),
        (SESSION_STALL_TIMEOUT_S, "1800"),
        ("REJECTED_TTL_DAYS", "14"),
    ] {
        let (name, parameter) = parameter_of(&template, variable);
        let declared = match &parameter["Default"] {
            Yaml::Number(number) => number.to_string(),
            other => text(other).to_owned(),
        };
        assert_eq!(declared, default, "{variable} comes from parameter {name:?}");
    }
}

/// The code's settings for these variables, the others left unset.
fn config_with(settings: &[(&str, String)]) -> Result<Config, ConfigError> {
    Config::from_lookup(|name| match name {
        TABLE_NAME => Some("sessions".to_owned()),
        EVENTS_TABLE_NAME => Some("events".to_owned()),
        _ => settings
            .iter()
            .find(|(variable, _)| *variable == name)
            .map(|(_, value)| value.clone()),
    })
}

#[test]
fn the_session_limits_have_the_codes_defaults_and_bounds() {
    let template = template();
    let unset = config_with(&[]).expect("the code's defaults");
    type Limit = fn(&SessionPolicy) -> Duration;
    let limits: [(&str, Limit); 3] = [
        (SESSION_IDLE_TIMEOUT_S, |policy| policy.idle_timeout),
        (SESSION_MAX_AGE_S, |policy| policy.max_age),
        (SESSION_STALL_TIMEOUT_S, |policy| policy.stall_timeout),
    ];
    for (variable, limit) in limits {
        let code_default = limit(&unset.session_policy);
        let (name, parameter) = parameter_of(&template, variable);
        assert_eq!(text(&parameter["Type"]), "Number", "{name}");
        let default = number(&parameter["Default"]);
        assert_eq!(Duration::from_secs(default), code_default, "{name}: default");

        // Every value the template lets through starts the function, and
        // the values just outside are the ones the code refuses too.
        let (min, max) = (number(&parameter["MinValue"]), number(&parameter["MaxValue"]));
        assert_eq!((min, max), (1, 3_155_760_000), "{name}: bounds");
        for accepted in [min, default, max] {
            let config = config_with(&[(variable, accepted.to_string())])
                .unwrap_or_else(|e| panic!("{variable}={accepted}: {e}"));
            assert_eq!(
                limit(&config.session_policy),
                Duration::from_secs(accepted),
                "{variable}={accepted}"
            );
        }
        for refused in [min - 1, max + 1] {
            let error = config_with(&[(variable, refused.to_string())])
                .err()
                .unwrap_or_else(|| panic!("{variable}={refused} is accepted by the code"));
            assert!(error.to_string().contains(variable), "{error}");
        }
    }
}

/// The function's HTTP API routes: path -> methods.
fn routes(template: &Yaml) -> BTreeMap<String, BTreeSet<String>> {
    let mut routes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let events = function_properties(template)["Events"].as_mapping().expect("Events");
    for (name, event) in events {
        assert_eq!(text(&event["Type"]), "HttpApi", "{name:?}");
        let properties = &event["Properties"];
        assert_eq!(reference(&properties["ApiId"]), "SessionsApi", "{name:?}");
        assert_eq!(text(&properties["PayloadFormatVersion"]), "2.0", "{name:?}");
        let added = routes
            .entry(text(&properties["Path"]).to_owned())
            .or_default()
            .insert(text(&properties["Method"]).to_owned());
        assert!(added, "{name:?} repeats a route");
    }
    routes
}

fn methods(listed: &[&str]) -> BTreeSet<String> {
    listed.iter().map(|method| (*method).to_owned()).collect()
}

#[test]
fn the_api_routes_session_events_to_the_function() {
    let routes = routes(&template());
    let post_preflight_and_the_rest = methods(&["POST", "OPTIONS", "ANY"]);
    assert_eq!(
        routes.get("/api/v1/sessions/{sessionId}/events"),
        Some(&post_preflight_and_the_rest),
        "{routes:?}"
    );
    assert_eq!(
        routes.get("/api/v1/sessions"),
        Some(&post_preflight_and_the_rest),
        "{routes:?}"
    );
    assert_eq!(
        routes.get("/api/v1/downloaded"),
        Some(&post_preflight_and_the_rest),
        "{routes:?}"
    );
    assert_eq!(
        routes.get("/api/v1/schemas/{eventType}"),
        Some(&methods(&["GET", "ANY"])),
        "{routes:?}"
    );
    assert_eq!(routes.len(), 4, "{routes:?}");
}

#[test]
fn every_route_of_the_template_is_a_resource_of_the_code() {
    for (path, routed) in routes(&template()) {
        // The path as a client sends it: each {parameter} filled in.
        let concrete: Vec<&str> = path
            .split('/')
            .map(|segment| if segment.starts_with('{') { "abc" } else { segment })
            .collect();
        let event = json!({
            "rawPath": concrete.join("/"),
            "requestContext": { "http": { "method": "POST" }, "stage": "$default" },
        });
        let request = ApiRequest::from_event(&event, "").expect("an HTTP API event");
        let route = Route::of(&request);
        assert_ne!(route, Route::NotFound, "{path}");
        assert_eq!(route.pattern(), path, "the code's pattern, parameter names included");
        // Every other method reaches the function, which answers 405.
        assert!(routed.contains("ANY"), "{path}: no ANY route");
        for allowed in route.allow().split(", ") {
            assert!(
                routed.contains(allowed) || routed.contains("ANY"),
                "{path}: {allowed} does not reach the function"
            );
        }
    }
}

#[test]
fn the_template_outputs_both_tables_and_their_streams() {
    let template = template();
    let outputs = &template["Outputs"];
    assert_eq!(reference(&outputs["EventsTableName"]["Value"]), "EventsTable");
    assert_eq!(
        intrinsic(&outputs["EventsTableStreamArn"]["Value"], "GetAtt").as_deref(),
        Some("EventsTable.StreamArn")
    );
    assert_eq!(reference(&outputs["SessionsTableName"]["Value"]), "SessionsTable");
    assert_eq!(
        intrinsic(&outputs["SessionsTableStreamArn"]["Value"], "GetAtt").as_deref(),
        Some("SessionsTable.StreamArn")
    );
}

fn openapi_validator() -> jsonschema::Validator {
    let document: Value = serde_yaml_ng::from_str(&read("openapi.yaml")).expect("openapi.yaml is YAML");
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/components/schemas/SessionStart",
        "components": document["components"],
    });
    jsonschema::draft202012::new(&schema).expect("the SessionStart schema compiles")
}

fn event_body(file: &str) -> Value {
    let request = event(file);
    serde_json::from_slice(body_bytes(&request)).unwrap_or_else(|e| panic!("{file}: body is not JSON: {e}"))
}

#[test]
fn the_openapi_schema_accepts_the_valid_sample_bodies() {
    let validator = openapi_validator();
    let files: Vec<String> = event_files()
        .into_iter()
        .filter(|name| name.contains("session-start") && !name.starts_with("invalid-"))
        .collect();
    assert!(files.len() >= 12, "found only {files:?}");
    for file in files {
        let body = event_body(&file);
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
}

#[test]
fn the_openapi_schema_rejects_the_invalid_sample_bodies() {
    // playhead < media.length compares two values: JSON Schema cannot say it
    // (the schema's description does); the function checks it.
    const NOT_EXPRESSIBLE: &str = "invalid-v3-playhead-past-length.json";
    let validator = openapi_validator();
    let mut checked = 0;
    for file in event_files() {
        if !file.starts_with("invalid-") || file == NOT_EXPRESSIBLE {
            continue;
        }
        assert!(
            !validator.is_valid(&event_body(&file)),
            "{file} validates against openapi.yaml"
        );
        checked += 1;
    }
    assert!(checked >= 15, "checked only {checked} invalid bodies");
}

#[test]
fn the_template_alarms_on_store_errors_lambda_errors_and_throttles() {
    let template = template();
    let alarms: Vec<(String, String)> = template["Resources"]
        .as_mapping()
        .expect("resources")
        .values()
        .filter(|resource| text(&resource["Type"]) == "AWS::CloudWatch::Alarm")
        .map(|alarm| {
            let properties = &alarm["Properties"];
            (
                text(&properties["Namespace"]).to_owned(),
                text(&properties["MetricName"]).to_owned(),
            )
        })
        .collect();
    for expected in [
        (media_collector::metrics::NAMESPACE, "StoreErrors"),
        (media_collector::metrics::NAMESPACE, "RejectedNotKept"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
    ] {
        assert!(
            alarms
                .iter()
                .any(|(namespace, name)| (namespace.as_str(), name.as_str()) == expected),
            "no alarm on {expected:?} in {alarms:?}"
        );
    }
    assert_eq!(text(&template["Parameters"]["LogFormat"]["Default"]), "JSON");
    assert_eq!(text(&template["Parameters"]["AlarmTopicArn"]["Default"]), "");
}

/// A tagged YAML value (`!If [...]`, `!Not [...]`): the tag's name and its list.
fn tagged<'a>(value: &'a Yaml, function: &str) -> &'a [Yaml] {
    match value {
        Yaml::Tagged(tagged) if tagged.tag == function => tagged
            .value
            .as_sequence()
            .map(Vec::as_slice)
            .unwrap_or_else(|| panic!("!{function} without a list: {value:?}")),
        other => panic!("not a !{function}: {other:?}"),
    }
}

/// The account-level defaults of API Gateway (per Region) that a stage's
/// limits cannot go beyond.
const ACCOUNT_RATE_PER_S: u64 = 10_000;
const ACCOUNT_BURST: u64 = 5_000;

#[test]
fn the_stage_throttles_every_route_with_the_template_parameters() {
    let template = template();
    let api = &template["Resources"]["SessionsApi"];
    assert_eq!(text(&api["Type"]), "AWS::Serverless::HttpApi");
    let settings = &api["Properties"]["DefaultRouteSettings"];
    assert_eq!(reference(&settings["ThrottlingRateLimit"]), "ThrottlingRateLimit");
    assert_eq!(reference(&settings["ThrottlingBurstLimit"]), "ThrottlingBurstLimit");
    // No route of its own overrides them, so every route has the same limits.
    assert!(api["Properties"]["RouteSettings"].is_null());

    let parameter = |name: &str| {
        let parameter = &template["Parameters"][name];
        assert_eq!(text(&parameter["Type"]), "Number", "{name}");
        (
            number(&parameter["Default"]),
            number(&parameter["MinValue"]),
            number(&parameter["MaxValue"]),
        )
    };
    let (rate, rate_min, rate_max) = parameter("ThrottlingRateLimit");
    let (burst, burst_min, burst_max) = parameter("ThrottlingBurstLimit");
    assert!(rate_min >= 1 && burst_min >= 1, "0 would refuse every request");
    assert!(
        burst >= rate,
        "the bucket holds at least a second of the rate: {burst} < {rate}"
    );
    assert!(burst_max >= rate_max);
    // The defaults take effect: the account's own defaults are higher.
    assert!(
        rate <= ACCOUNT_RATE_PER_S && burst <= ACCOUNT_BURST,
        "{rate}/s, {burst}"
    );

    // The sizing the template and the README give: 10,000 concurrent
    // viewers, a ping every 10 s of content and every second in an ad, a
    // tenth of them in an ad at any moment.
    let viewers = 10_000.0;
    let per_viewer = 0.9 * (1.0 / 10.0) + 0.1 * 1.0;
    assert!(viewers * per_viewer <= rate as f64, "{} > {rate}", viewers * per_viewer);
    assert!(
        rate as f64 <= 1.25 * viewers * per_viewer,
        "{rate} is far above the reasoning"
    );
}

#[test]
fn the_reserved_concurrency_is_optional_and_off_by_default() {
    let template = template();
    let parameter = &template["Parameters"]["ReservedConcurrency"];
    assert_eq!(text(&parameter["Type"]), "String", "a Number parameter cannot be empty");
    assert_eq!(text(&parameter["Default"]), "");
    assert_eq!(
        text(&parameter["AllowedPattern"]),
        "^(|[1-9][0-9]{0,5})$",
        "empty, or 1 and up: 0 would stop the function"
    );

    // HasReservedConcurrency: !Not [!Equals [!Ref ReservedConcurrency, ""]]
    let condition = tagged(&template["Conditions"]["HasReservedConcurrency"], "Not");
    let equals = tagged(&condition[0], "Equals");
    assert_eq!(reference(&equals[0]), "ReservedConcurrency");
    assert_eq!(text(&equals[1]), "");

    // Set on the function only under that condition, else no property at all.
    let reserved = tagged(&function_properties(&template)["ReservedConcurrentExecutions"], "If");
    assert_eq!(text(&reserved[0]), "HasReservedConcurrency");
    assert_eq!(reference(&reserved[1]), "ReservedConcurrency");
    assert_eq!(reference(&reserved[2]), "AWS::NoValue");
}

#[test]
fn the_throttles_alarm_names_what_to_raise() {
    let template = template();
    let alarm = &template["Resources"]["FunctionThrottlesAlarm"]["Properties"];
    assert_eq!(text(&alarm["MetricName"]), "Throttles");
    let description = text(&alarm["AlarmDescription"]);
    for parameter in ["ReservedConcurrency", "ThrottlingRateLimit", "ThrottlingBurstLimit"] {
        assert!(description.contains(parameter), "{parameter} not named: {description}");
        assert!(
            template["Parameters"][parameter].is_mapping(),
            "the alarm names {parameter}, which is no parameter"
        );
    }
    assert!(
        description.contains("Concurrent executions"),
        "the account quota: {description}"
    );
    // CloudWatch's limit on an alarm description.
    assert!(description.len() <= 1024, "{} characters", description.len());
}

/// Every way the function can fail a request, one of each: the match has no
/// wildcard, so a new kind of error does not compile until it is listed.
fn every_api_error() -> Vec<media_collector::http::ApiError> {
    use media_collector::domain::{GoneReason, InvalidBody};
    use media_collector::http::ApiError;
    use media_collector::store::StoreError;
    let errors = vec![
        ApiError::NotFound,
        ApiError::MethodNotAllowed {
            allow: "OPTIONS, POST",
            resource: "/api/v1/sessions",
        },
        ApiError::NoSuchSchema,
        ApiError::UnsupportedMediaType("image/png".to_owned()),
        ApiError::TooLarge { limit: 65_536 },
        ApiError::TooManyCalls {
            limit: 20_000,
            calls: 20_001,
        },
        ApiError::NotUtf8 { valid_up_to: 3 },
        ApiError::NotBase64,
        ApiError::InvalidBody(InvalidBody::whole("sessionStart", "must be an object")),
        ApiError::InvalidIdempotencyKey("too long".to_owned()),
        ApiError::IdempotencyKeyReused,
        ApiError::UnknownSession,
        ApiError::SessionGone(GoneReason::Ended),
        ApiError::NotStored {
            source: StoreError::TimedOut,
            request_id: "r".to_owned(),
        },
        ApiError::NotStored {
            source: StoreError::failed("ProvisionedThroughputExceededException"),
            request_id: "r".to_owned(),
        },
        ApiError::EventNotStored {
            source: StoreError::failed("ThrottlingException"),
            request_id: "r".to_owned(),
        },
        ApiError::Panicked {
            request_id: "r".to_owned(),
        },
    ];
    for error in &errors {
        match error {
            ApiError::NotFound
            | ApiError::MethodNotAllowed { .. }
            | ApiError::NoSuchSchema
            | ApiError::UnsupportedMediaType(_)
            | ApiError::TooLarge { .. }
            | ApiError::TooManyCalls { .. }
            | ApiError::NotUtf8 { .. }
            | ApiError::NotBase64
            | ApiError::InvalidBody(_)
            | ApiError::InvalidIdempotencyKey(_)
            | ApiError::IdempotencyKeyReused
            | ApiError::UnknownSession
            | ApiError::SessionGone(_)
            | ApiError::NotStored { .. }
            | ApiError::EventNotStored { .. }
            | ApiError::Panicked { .. } => {}
        }
    }
    errors
}

/// A 429 a player sees comes from API Gateway's throttling (the stage's
/// limits above), never from the function: DynamoDB throttling inside the
/// function is retried within STORE_TIMEOUT_MS and then answered 500.
#[test]
fn the_function_never_answers_429_itself() {
    for error in every_api_error() {
        let kind = error.kind();
        let status = error.status();
        assert_ne!(status.as_u16(), 429, "{kind}");
        assert!(status.is_client_error() || status.as_u16() == 500, "{kind}: {status}");
        assert_eq!(error.into_response().status(), status, "{kind}");
    }
}

/// A validator for the request body schema `component` of openapi.yaml.
fn openapi_component_validator(component: &str) -> jsonschema::Validator {
    let document: Value = serde_yaml_ng::from_str(&read("openapi.yaml")).expect("openapi.yaml is YAML");
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{component}"),
        "components": document["components"],
    });
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

#[test]
fn the_openapi_schemas_judge_the_downloaded_samples_as_the_function_does() {
    // D3 (ts order) and D4 (nothing after sessionEnd) compare elements:
    // JSON Schema cannot say them (the schema's description does).
    const NOT_EXPRESSIBLE: [&str; 2] = [
        "downloaded-invalid-d3-ts-goes-back.json",
        "downloaded-invalid-d4-call-after-session-end.json",
    ];
    let downloaded = openapi_component_validator("DownloadedSession");
    let sessions = openapi_component_validator("SessionStartOrDownloadedSession");
    let mut checked = 0;
    for file in event_files().into_iter().filter(|file| file.contains("downloaded")) {
        let request = event(&file);
        let validator = match Route::of(&request) {
            Route::Downloaded => &downloaded,
            Route::Sessions => &sessions,
            other => panic!("{file}: {other:?}"),
        };
        let valid = !file.contains("invalid") || NOT_EXPRESSIBLE.contains(&file.as_str());
        assert_eq!(validator.is_valid(&event_body(&file)), valid, "{file}");
        checked += 1;
    }
    assert!(checked >= 14, "checked only {checked} samples");
}
