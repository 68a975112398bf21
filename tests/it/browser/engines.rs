//! The browsers of the browser test: headless Chromium and headless
//! Firefox, each started on the player page with a throw-away profile and
//! home directory, and stopped with every process it started, whatever the
//! outcome. The page reports to the test's own server, so no WebDriver is
//! needed: a browser here only opens a URL and is killed afterwards.

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

/// How long the page may take, from the browser's start to its report.
const REPORT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a browser gets to exit on SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Firefox's preferences for a test run (the profile's `user.js`): no
/// first-run or default-browser pages, no session restore, and no calls
/// home (the machine may only reach 127.0.0.1).
const FIREFOX_PREFS: &[(&str, &str)] = &[
    ("browser.shell.checkDefaultBrowser", "false"),
    ("browser.startup.homepage_override.mstone", "\"ignore\""),
    ("browser.startup.page", "0"),
    ("browser.aboutwelcome.enabled", "false"),
    ("browser.sessionstore.resume_from_crash", "false"),
    ("toolkit.startup.max_resumed_crashes", "-1"),
    ("datareporting.policy.dataSubmissionEnabled", "false"),
    ("datareporting.policy.firstRunURL", "\"\""),
    ("datareporting.healthreport.uploadEnabled", "false"),
    ("toolkit.telemetry.reportingpolicy.firstRun", "false"),
    ("toolkit.telemetry.enabled", "false"),
    ("app.update.disabledForTesting", "true"),
    ("app.normandy.enabled", "false"),
    ("extensions.update.enabled", "false"),
    ("extensions.getAddons.cache.enabled", "false"),
    ("browser.safebrowsing.malware.enabled", "false"),
    ("browser.safebrowsing.phishing.enabled", "false"),
    ("browser.safebrowsing.downloads.enabled", "false"),
    ("browser.region.update.enabled", "false"),
    ("network.captive-portal-service.enabled", "false"),
    ("network.connectivity-service.enabled", "false"),
    ("network.dns.disablePrefetch", "true"),
    ("network.prefetch-next", "false"),
    ("network.proxy.type", "0"),
    ("dom.push.connection.enabled", "false"),
    ("services.settings.server", "\"http://127.0.0.1:9/\""),
    // The page's console messages go to the log.
    ("devtools.console.stdout.content", "true"),
];

/// A browser engine the test runs the page in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Self::Chromium => "Chromium",
            Self::Firefox => "Firefox",
        }
    }

    /// `$CHROMIUM` or `$FIREFOX`: a clear failure, never a skip, when it is
    /// missing.
    pub fn binary(self) -> PathBuf {
        let (variable, how) = match self {
            Self::Chromium => (
                "CHROMIUM",
                "Run `make test`, which installs Chromium (`make tools`) and sets CHROMIUM, \
                 or install it (Debian: `apt-get install -y chromium`) and set CHROMIUM=/usr/bin/chromium",
            ),
            Self::Firefox => (
                "FIREFOX",
                "Run `make test`, which installs Firefox (`make tools`) and sets FIREFOX, \
                 or install it (Debian: `apt-get install -y firefox-esr`) and set FIREFOX=/usr/bin/firefox-esr",
            ),
        };
        let name = self.name();
        let path = std::env::var_os(variable)
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("{variable} is not set: this test needs a {name} binary. {how}"));
        let executable = std::fs::metadata(&path)
            .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0);
        assert!(
            executable,
            "{variable}={} is not an executable file. {how}",
            path.display()
        );
        path
    }

    /// The command line that opens `url` headless, with everything under `work_dir`.
    fn command(self, binary: &Path, url: &str, work_dir: &Path) -> Command {
        let profile = work_dir.join("profile");
        let mut command = Command::new(binary);
        match self {
            Self::Chromium => {
                command
                    .args([
                        "--headless",
                        // Root in a container: Chromium's sandbox needs user namespaces.
                        "--no-sandbox",
                        "--disable-gpu",
                        "--no-first-run",
                        "--no-default-browser-check",
                        // No calls home: the machine may only reach 127.0.0.1.
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--password-store=basic",
                        // The page's console messages go to the log.
                        "--enable-logging=stderr",
                    ])
                    .arg(format!("--user-data-dir={}", profile.display()));
            }
            Self::Firefox => {
                std::fs::create_dir_all(&profile)
                    .unwrap_or_else(|error| panic!("cannot create {}: {error}", profile.display()));
                let prefs: String = FIREFOX_PREFS
                    .iter()
                    .map(|(name, value)| format!("user_pref(\"{name}\", {value});\n"))
                    .collect();
                std::fs::write(profile.join("user.js"), prefs).expect("Firefox's user.js");
                command
                    // -no-remote: a browser of its own, never a window of another Firefox.
                    .args(["--headless", "-no-remote", "-profile"])
                    .arg(&profile)
                    .env("MOZ_CRASHREPORTER_DISABLE", "1")
                    // Root in a container: Firefox's content sandbox needs user namespaces.
                    .env("MOZ_DISABLE_CONTENT_SANDBOX", "1");
            }
        }
        command
            .arg(url)
            // Whatever the browser writes under the home directory stays in the work
            // dir (Firefox as root also refuses a HOME that belongs to another user).
            .env("HOME", work_dir)
            .env("XDG_CONFIG_HOME", work_dir.join(".config"))
            .env("XDG_CACHE_HOME", work_dir.join(".cache"))
            .env("XDG_DATA_HOME", work_dir.join(".local/share"))
            .env("TMPDIR", work_dir.join("tmp"));
        command
    }
}

/// A headless browser in its own process group, stopped with the whole group
/// (its child processes) when dropped, and any process outside the group
/// that names the work dir.
pub struct Browser {
    engine: Engine,
    child: Child,
    work_dir: PathBuf,
    log: PathBuf,
    stopped: bool,
}

impl Browser {
    /// Starts `engine` on `url`, with its profile, home and log in `work_dir`.
    pub fn launch(engine: Engine, url: &str, work_dir: &Path) -> Self {
        let binary = engine.binary();
        std::fs::create_dir_all(work_dir.join("tmp")).expect("the browser's temporary directory");
        let log = work_dir.join("browser.log");
        let output = File::create(&log).expect("the browser's log file");
        let child = engine
            .command(&binary, url, work_dir)
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("the browser's log file"))
            .stderr(output)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        Self {
            engine,
            child,
            work_dir: work_dir.to_owned(),
            log,
            stopped: false,
        }
    }

    /// The page's report, within [`REPORT_TIMEOUT`]; fails at once if the
    /// browser exits first.
    pub async fn wait_for_report(&mut self, reports: &mut mpsc::Receiver<Value>) -> Value {
        let name = self.engine.name();
        let deadline = Instant::now() + REPORT_TIMEOUT;
        loop {
            if let Ok(report) = tokio::time::timeout(Duration::from_millis(250), reports.recv()).await {
                return report.expect("the page server is running");
            }
            if let Some(status) = self.exited() {
                panic!(
                    "{name} exited ({status}) before the page reported:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the page did not report within {REPORT_TIMEOUT:?} in {name}:\n{}",
                self.log_tail()
            );
        }
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("the browser's status")
    }

    /// The end of the browser's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    /// SIGTERM to the process group, SIGKILL after [`STOP_GRACE`], then
    /// SIGKILL to any process left that names the work dir.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let group = format!("-{}", self.child.id());
        signal(&group, "TERM");
        let deadline = Instant::now() + STOP_GRACE;
        while self.exited().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever of the group is left, the browser process included.
        signal(&group, "KILL");
        let _ = self.child.wait();
        // Chromium's crash handler runs in a process group of its own (and
        // exits with the browser); it names the work dir, through HOME.
        let deadline = Instant::now() + STOP_GRACE;
        loop {
            let strays = processes_naming(&self.work_dir);
            if strays.is_empty() {
                break;
            }
            for pid in &strays {
                signal(pid, "KILL");
            }
            if Instant::now() >= deadline {
                eprintln!(
                    "{} processes {strays:?} are still there after SIGKILL",
                    self.engine.name()
                );
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The ids of the live processes whose command line contains `dir`.
fn processes_naming(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            // A zombie's command line is empty: it is gone already.
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(&needle))
        })
        .collect()
}

/// Sends `name` (TERM, KILL) to `target` (`-PGID` for a process group) with kill(1).
fn signal(target: &str, name: &str) {
    // A group that is already gone makes kill fail: nothing left to stop.
    let _ = Command::new("kill")
        .args(["-s", name, "--", target])
        .stderr(Stdio::null())
        .status();
}

/// A directory for a browser's profile, home, temporary files and log,
/// removed when dropped. It lies in the system's temporary directory under
/// a short name: Chromium puts a Unix socket in its `TMPDIR`, and a socket's
/// path may not be longer than 107 bytes.
pub struct WorkDir(pub PathBuf);

impl WorkDir {
    pub fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("mc-browser-{}", &id[..12]));
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
        Self(dir)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
