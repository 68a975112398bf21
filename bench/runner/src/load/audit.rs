//! After the load: every write the function acknowledged (each 201, each
//! 204) is looked for in DynamoDB Local's tables, read back in full with
//! Scan. A 2xx means durably written; this is where the bench checks it
//! under load rather than taking it on trust.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use media_collector::store::dynamodb::schema::{EVENT_SORT_KEY, PARTITION_KEY};

/// What the tables hold against what was acknowledged.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    pub sessions_acknowledged: usize,
    pub sessions_missing: usize,
    pub events_acknowledged: usize,
    pub events_missing: usize,
    /// Sessions whose `eventCount` is below the events acknowledged for them.
    pub counts_short: usize,
}

impl Audit {
    pub fn lost(&self) -> usize {
        self.sessions_missing + self.events_missing + self.counts_short
    }
}

/// Every item of a table: its attributes, read page by page.
async fn scan(client: &Client, table: &str) -> anyhow::Result<Vec<HashMap<String, AttributeValue>>> {
    let mut items = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .with_context(|| format!("scan {table} in DynamoDB Local"))?;
        items.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

fn text<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|value| value.as_s().ok()).map(String::as_str)
}

pub async fn check(
    client: &Client,
    sessions_table: &str,
    events_table: &str,
    sessions: &[String],
    events: &[(String, String)],
) -> anyhow::Result<Audit> {
    let mut event_count: HashMap<String, u64> = HashMap::new();
    for item in scan(client, sessions_table).await? {
        if let Some(id) = text(&item, PARTITION_KEY) {
            let count = item
                .get("eventCount")
                .and_then(|value| value.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            event_count.insert(id.to_owned(), count);
        }
    }
    let stored_events: HashSet<(String, String)> = scan(client, events_table)
        .await?
        .iter()
        .filter_map(|item| {
            Some((
                text(item, PARTITION_KEY)?.to_owned(),
                text(item, EVENT_SORT_KEY)?.to_owned(),
            ))
        })
        .collect();

    let mut acknowledged_per_session: HashMap<&str, u64> = HashMap::new();
    for (session_id, _) in events {
        *acknowledged_per_session.entry(session_id).or_default() += 1;
    }
    Ok(Audit {
        sessions_acknowledged: sessions.len(),
        sessions_missing: sessions.iter().filter(|id| !event_count.contains_key(*id)).count(),
        events_acknowledged: events.len(),
        events_missing: events.iter().filter(|event| !stored_events.contains(*event)).count(),
        counts_short: acknowledged_per_session
            .iter()
            .filter(|(id, acknowledged)| event_count.get(**id).is_some_and(|count| count < *acknowledged))
            .count(),
    })
}
