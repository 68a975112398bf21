//! The JSON Schemas of the request bodies, served so that a client can
//! validate what it sends before it sends it. They are cut out of
//! `openapi.yaml` at build time (see `build.rs`): the API document is their
//! one source, and they cannot drift from it.

include!(concat!(env!("OUT_DIR"), "/schemas.rs"));

/// The JSON Schema (2020-12) of `event_type`'s body, if it has one.
pub fn schema(event_type: &str) -> Option<&'static str> {
    SCHEMAS
        .iter()
        .find(|(name, _)| *name == event_type)
        .map(|(_, schema)| *schema)
}

/// Every event type with a schema.
pub fn event_types() -> impl Iterator<Item = &'static str> {
    SCHEMAS.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_start_schema_is_a_self_contained_json_schema() {
        let served: serde_json::Value = serde_json::from_str(schema("sessionStart").unwrap()).unwrap();
        assert_eq!(served["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(served["$ref"], "#/$defs/SessionStart");
        assert!(served["$defs"]["PlayerTime"].is_object());
        assert!(!served.to_string().contains("#/components/"));
        assert!(schema("nope").is_none());
    }

    #[test]
    fn every_served_schema_is_self_contained() {
        assert_eq!(
            event_types().count(),
            20,
            "sessionStart, the 18 event types and contentComplete"
        );
        for event_type in event_types() {
            let served: serde_json::Value = serde_json::from_str(schema(event_type).unwrap()).unwrap();
            let root = served["$ref"].as_str().unwrap().strip_prefix("#/$defs/").unwrap();
            assert!(served["$defs"][root].is_object(), "{event_type}: {root} is defined");
            assert!(!served.to_string().contains("#/components/"), "{event_type}");
        }
        assert!(schema("sessionStart").is_some() && schema("contentComplete").is_some());
        assert!(schema("Play").is_none(), "case matters");
    }
}
