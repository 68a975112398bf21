//! The sessions table's shape, in one place: the key and TTL attribute names
//! the adapter writes, the local set-up creates, and `template.yaml` declares
//! (a test checks the template against these).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{BoxError, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
};

/// The partition key (S); there is no sort key.
pub const PARTITION_KEY: &str = "sessionId";
/// The attribute DynamoDB's TTL reads (N, epoch seconds).
pub const TTL_ATTRIBUTE: &str = "expiresAt";

/// Creates the table as the template declares it (on-demand, TTL on
/// [`TTL_ATTRIBUTE`]); does nothing if it exists. For local set-ups and tests:
/// in AWS the template owns the table.
pub async fn create_if_missing(client: &Client, table_name: &str) -> Result<(), BoxError> {
    let created = client
        .create_table()
        .table_name(table_name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(PARTITION_KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(PARTITION_KEY)
                .key_type(KeyType::Hash)
                .build()?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(SdkError::ServiceError(error)) if error.err().is_resource_in_use_exception() => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    client
        .update_time_to_live()
        .table_name(table_name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()?,
        )
        .send()
        .await?;
    Ok(())
}
