//! Builds of media-collector with one setting changed each, measured next to
//! the project's own build in the same run (`--levers`): how much each
//! choice of the release build is worth, from the same benchmark.
//!
//! Each variant is built in its own folder under `target/bench-levers/`, so
//! that switching between them never rebuilds the others.

use std::path::{Path, PathBuf};

/// One changed setting.
pub struct Lever {
    /// Its column in the table.
    pub label: &'static str,
    /// Environment for `cargo build` (build settings of this project's
    /// `.cargo/config.toml` and release profile, overridden).
    pub env: &'static [(&'static str, &'static str)],
    /// Cargo features to turn on.
    pub features: &'static [&'static str],
}

pub const LEVERS: &[Lever] = &[
    Lever {
        label: "aws-lc",
        env: &[("AWS_LC_SYS_NO_JITTER_ENTROPY", "0")],
        features: &["aws-lc"],
    },
    Lever {
        label: "aws-lc-no-jitter",
        env: &[("AWS_LC_SYS_NO_JITTER_ENTROPY", "1")],
        features: &["aws-lc"],
    },
    Lever {
        label: "opt-level-3",
        env: &[("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")],
        features: &[],
    },
    Lever {
        label: "mimalloc",
        env: &[],
        features: &["mimalloc"],
    },
];

impl Lever {
    /// Where this variant is built.
    pub fn target_dir(&self, target: &Path) -> PathBuf {
        target.join("bench-levers").join(self.label)
    }

    /// The variant's binary.
    pub fn binary(&self, target: &Path) -> PathBuf {
        self.target_dir(target).join("release").join("media-collector")
    }
}
