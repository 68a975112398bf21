//! DynamoDB Local, started by `media-collector-test-support` as
//! `make run` and `make test` start it (the jar that `make tools` installs,
//! in memory, shared database) on a free port of 127.0.0.1, with the
//! sessions table created by the function's own
//! `schema::create_if_missing`, then warmed up so that the JVM's JIT does
//! not penalise whichever function is measured first.

use std::path::Path;

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;

pub struct DynamoDbLocal {
    local: media_collector_test_support::DynamoDbLocal,
    pub port: u16,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local and waits until it accepts connections.
    pub async fn start(tools_dir: &Path, log_dir: &Path) -> anyhow::Result<Self> {
        let port = super::free_port()?;
        let log = log_dir.join("dynamodb-local.log");
        let local = media_collector_test_support::DynamoDbLocal::start(tools_dir, port, &log).await?;
        Ok(Self { local, port })
    }

    pub fn url(&self) -> String {
        self.local.url()
    }

    /// A client with the local region and credentials, for the set-up only.
    pub fn client(&self) -> Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "bench"))
            .endpoint_url(self.url())
            .build();
        Client::from_conf(config)
    }

    /// Creates the table (as `template.yaml` declares it) and writes `warmup`
    /// throw-away items, four at a time.
    pub async fn prepare(&self, table: &str, warmup: usize) -> anyhow::Result<()> {
        let client = self.client();
        media_collector::store::dynamodb::schema::create_if_missing(&client, table)
            .await
            .map_err(|error| anyhow::anyhow!("create table {table} in DynamoDB Local: {error}"))?;
        let put = |n: usize| {
            client
                .put_item()
                .table_name(table)
                .item("sessionId", AttributeValue::S(format!("warmup-{n}")))
                .item("n", AttributeValue::N(n.to_string()))
                .send()
        };
        for chunk in (0..warmup).collect::<Vec<_>>().chunks(4) {
            for result in futures_util::future::join_all(chunk.iter().map(|n| put(*n))).await {
                result.context("warm-up PutItem to DynamoDB Local")?;
            }
        }
        Ok(())
    }

    /// Warms DynamoDB Local's JIT for the events route: `count` consistent
    /// `GetItem`s of a session record, each followed by a `TransactWriteItems`
    /// of its update and an event's put, four sessions at a time, on throw-away
    /// items of `table` and `events_table`. Without it the first few hundred
    /// transactions of a run take several times longer than later ones (17 to
    /// 48 ms against 4), which would be charged to whichever function comes first.
    pub async fn prime_transactions(&self, table: &str, events_table: &str, count: usize) -> anyhow::Result<()> {
        use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
        let client = self.client();
        let session = |n: usize| AttributeValue::S(format!("warmup-session-{}", n % 4));
        let one = |n: usize| {
            let client = client.clone();
            async move {
                client
                    .get_item()
                    .table_name(table)
                    .key("sessionId", session(n))
                    .consistent_read(true)
                    .send()
                    .await?;
                let update = Update::builder()
                    .table_name(table)
                    .key("sessionId", session(n))
                    .update_expression("SET lastEventAt = :n ADD eventCount :one")
                    .expression_attribute_values(":n", AttributeValue::N(n.to_string()))
                    .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
                    .build()?;
                let put = Put::builder()
                    .table_name(events_table)
                    .item("sessionId", session(n))
                    .item("eventKey", AttributeValue::S(format!("{n:015}#ping")))
                    .condition_expression("attribute_not_exists(eventKey)")
                    .build()?;
                client
                    .transact_write_items()
                    .transact_items(TransactWriteItem::builder().update(update).build())
                    .transact_items(TransactWriteItem::builder().put(put).build())
                    .send()
                    .await?;
                anyhow::Ok(())
            }
        };
        for chunk in (0..count).collect::<Vec<_>>().chunks(4) {
            for result in futures_util::future::join_all(chunk.iter().map(|n| one(*n))).await {
                result.context("warm-up transaction on DynamoDB Local")?;
            }
        }
        Ok(())
    }

    pub async fn stop(self) {
        self.local.stop().await;
    }
}
