//! The deployment documents agree with the code: `template.yaml` declares
//! the table the adapter writes (key, TTL) with the spec's defaults and
//! least privilege, and `openapi.yaml`'s request schema accepts the sample
//! events' valid bodies and rejects the invalid ones.

mod support;

use media_collector::table::{PARTITION_KEY, TTL_ATTRIBUTE};
use serde_json::{Value, json};
use serde_yaml_ng::Value as Yaml;
use support::{body_bytes, event, event_files};

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

#[test]
fn the_template_declares_the_table_the_code_writes() {
    let template = template();
    let table = &template["Resources"]["SessionsTable"];
    assert_eq!(text(&table["Type"]), "AWS::DynamoDB::Table");
    let properties = &table["Properties"];

    let keys = properties["KeySchema"].as_sequence().expect("KeySchema");
    assert_eq!(keys.len(), 1, "a partition key and no sort key");
    assert_eq!(text(&keys[0]["AttributeName"]), PARTITION_KEY);
    assert_eq!(text(&keys[0]["KeyType"]), "HASH");
    let definitions = properties["AttributeDefinitions"]
        .as_sequence()
        .expect("AttributeDefinitions");
    assert_eq!(definitions.len(), 1);
    assert_eq!(text(&definitions[0]["AttributeName"]), PARTITION_KEY);
    assert_eq!(text(&definitions[0]["AttributeType"]), "S");

    let ttl = &properties["TimeToLiveSpecification"];
    assert_eq!(text(&ttl["AttributeName"]), TTL_ATTRIBUTE);
    assert_eq!(ttl["Enabled"].as_bool(), Some(true));
    assert_eq!(text(&properties["BillingMode"]), "PAY_PER_REQUEST");
    assert_eq!(properties["SSESpecification"]["SSEEnabled"].as_bool(), Some(true));
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
}

#[test]
fn the_function_may_only_put_items_in_and_describe_its_table() {
    let template = template();
    let function = &template["Resources"]["SessionsFunction"]["Properties"];
    let rendered = serde_yaml_ng::to_string(function).unwrap();
    assert!(
        !rendered.contains("DynamoDBCrudPolicy") && !rendered.contains("dynamodb:*"),
        "{rendered}"
    );
    let statements: Vec<Yaml> = function["Policies"]
        .as_sequence()
        .expect("inline policies")
        .iter()
        .flat_map(|policy| policy["Statement"].as_sequence().cloned().unwrap_or_default())
        .collect();
    let mut actions = Vec::new();
    for statement in &statements {
        assert_eq!(
            statement["Resource"],
            serde_yaml_ng::from_str::<Yaml>("!GetAtt SessionsTable.Arn").unwrap(),
            "every statement is on the sessions table alone: {statement:?}"
        );
        match &statement["Action"] {
            Yaml::String(action) => actions.push(action.clone()),
            Yaml::Sequence(listed) => actions.extend(listed.iter().map(|a| text(a).to_owned())),
            other => panic!("unexpected Action {other:?}"),
        }
    }
    actions.sort();
    assert_eq!(actions, ["dynamodb:DescribeTable", "dynamodb:PutItem"]);
}

#[test]
fn the_template_defaults_are_the_specs() {
    let template = template();
    let variables = &template["Resources"]["SessionsFunction"]["Properties"]["Environment"]["Variables"];
    let parameters = &template["Parameters"];
    for (variable, default) in [
        ("SESSION_TTL_DAYS", "30"),
        ("CORS_ALLOW_ORIGIN", "*"),
        ("MAX_BODY_BYTES", "65536"),
        ("STORE_TIMEOUT_MS", "3000"),
    ] {
        let reference = serde_yaml_ng::to_string(&variables[variable]).unwrap();
        let parameter = reference
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .trim_matches(['\'', '"']);
        let declared = &parameters[parameter]["Default"];
        let declared = match declared {
            Yaml::Number(number) => number.to_string(),
            other => text(other).to_owned(),
        };
        assert_eq!(declared, default, "{variable} comes from parameter {parameter:?}");
    }
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
