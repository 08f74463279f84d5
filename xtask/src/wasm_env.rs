//! Where the wasm32 standard library comes from, and the environment a wasm build needs.
//!
//! - `Rustup`: `rustup target add wasm32-unknown-unknown` worked (a normal developer
//!   machine); wasm builds need nothing extra.
//! - `Debian`: rustup cannot download here, so Debian's Rust (`rustc-web`, `cargo-web`,
//!   `rust-web-src`) builds std from source (`-Zbuild-std`, allowed on stable by
//!   `RUSTC_BOOTSTRAP=1`). Only wasm builds get this environment; host builds keep
//!   rustup's toolchain. See `/work/shared/TOOLCHAIN.md`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::paths::{self, Layout};
use crate::procs::Cmd;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
pub const DEBIAN_RUSTDOC: &str = "/usr/bin/rustdoc";
pub const DEBIAN_CARGO: &str = "/usr/bin/cargo";
pub const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library";
/// Oldest Debian rustc the app builds with (Leptos 0.8 and build-std of its std).
pub const DEBIAN_MIN_RUSTC: (u32, u32) = (1, 96);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmStd {
    Rustup,
    Debian,
}

/// What a wasm build is for: tests also need std's `test` crate built from source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmJob {
    Build,
    Test,
}

#[derive(Debug, Clone)]
pub struct WasmEnv {
    pub std: WasmStd,
    /// A folder holding only a `cargo` link to Debian's cargo, put first on PATH so that
    /// Trunk's `cargo build` is Debian's while everything else on PATH stays as it was.
    shim_dir: PathBuf,
}

impl WasmEnv {
    pub fn new(std: WasmStd, layout: &Layout) -> Self {
        WasmEnv {
            std,
            shim_dir: layout.cache.join("debian-cargo"),
        }
    }

    /// Creates the `cargo` link for Debian mode (idempotent).
    pub fn prepare(&self) -> Result<()> {
        if self.std != WasmStd::Debian {
            return Ok(());
        }
        let link = self.shim_dir.join("cargo");
        if std::fs::read_link(&link).is_ok_and(|target| target == Path::new(DEBIAN_CARGO)) {
            return Ok(());
        }
        std::fs::create_dir_all(&self.shim_dir)
            .with_context(|| format!("creating {}", self.shim_dir.display()))?;
        let _ = std::fs::remove_file(&link);
        symlink(Path::new(DEBIAN_CARGO), &link)
            .with_context(|| format!("linking {} -> {DEBIAN_CARGO}", link.display()))?;
        Ok(())
    }

    /// The cargo to call directly for wasm builds.
    pub fn cargo(&self) -> PathBuf {
        match self.std {
            WasmStd::Rustup => paths::host_cargo(),
            WasmStd::Debian => PathBuf::from(DEBIAN_CARGO),
        }
    }

    /// Adds the wasm environment to `cmd`. `path_front` are the tool folders that go on
    /// PATH for every wasm job (node_modules/.bin, cargo's bin); in Debian mode the
    /// cargo link goes in front of them.
    pub fn apply(&self, cmd: Cmd, job: WasmJob, path_front: &[PathBuf], target_dir: &Path) -> Cmd {
        let mut front = Vec::new();
        if self.std == WasmStd::Debian {
            front.push(self.shim_dir.clone());
        }
        front.extend(path_front.iter().cloned());
        let cmd = cmd.path_prepend(&front).env("CARGO_TARGET_DIR", target_dir);
        match self.std {
            // `cargo run` passes its own cargo in CARGO; a rustup cargo reads it fine.
            WasmStd::Rustup => cmd,
            WasmStd::Debian => {
                let build_std = match job {
                    WasmJob::Build => "std,panic_abort",
                    WasmJob::Test => "std,panic_abort,test",
                };
                cmd.env("RUSTC", DEBIAN_RUSTC)
                    // Cargo >= 1.89 also runs doctests for wasm32; rustup's rustdoc cannot
                    // read a std built by Debian's rustc.
                    .env("RUSTDOC", DEBIAN_RUSTDOC)
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("CARGO_UNSTABLE_BUILD_STD", build_std)
                    // Trunk's `cargo metadata` goes through CARGO when it is set.
                    .env("CARGO", DEBIAN_CARGO)
                    // Set by rustup's proxy and by `cargo run` for the toolchain that
                    // runs xtask; Debian's toolchain must not see rustup's libraries.
                    .env_remove("RUSTUP_TOOLCHAIN")
                    .env_remove("LD_LIBRARY_PATH")
            }
        }
    }
}

/// Is rustup's wasm32 std installed? (`rustup` missing counts as no.)
pub fn rustup_has_wasm_target() -> bool {
    Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .probe()
        .is_some_and(|out| out.lines().any(|l| l.trim() == WASM_TARGET))
}

/// Is Debian's fallback complete: std sources, and a rustc new enough?
pub fn debian_fallback_installed() -> bool {
    Path::new(DEBIAN_STD_SRC).is_dir()
        && Path::new(DEBIAN_CARGO).exists()
        && debian_rustc_version().is_some_and(|v| v >= DEBIAN_MIN_RUSTC)
}

pub fn debian_rustc_version() -> Option<(u32, u32)> {
    let out = Cmd::new(DEBIAN_RUSTC).arg("--version").probe()?;
    parse_rustc_version(&out)
}

/// `rustc 1.96.0 (ac68faa20 2026-05-25)` → `(1, 96)`.
pub fn parse_rustc_version(text: &str) -> Option<(u32, u32)> {
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "the Debian fallback only exists on Linux",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rustc_versions() {
        let cases = [
            (
                "rustc 1.96.0 (ac68faa20 2026-05-25) (built from a source tarball)",
                Some((1, 96)),
            ),
            ("rustc 1.95.0 (59807616e 2026-04-14)", Some((1, 95))),
            ("rustc 1.97.0-nightly (abc 2026-06-01)", Some((1, 97))),
            ("garbage", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rustc_version(text), want, "{text}");
        }
    }

    #[test]
    fn newer_debian_rustc_passes_the_minimum() {
        assert!((1, 96) >= DEBIAN_MIN_RUSTC);
        assert!((2, 0) >= DEBIAN_MIN_RUSTC);
        assert!((1, 95) < DEBIAN_MIN_RUSTC);
    }

    #[test]
    fn only_debian_mode_changes_the_environment() {
        let layout = Layout::discover();
        let target = Path::new("/tmp/t");
        let rustup = WasmEnv::new(WasmStd::Rustup, &layout)
            .apply(Cmd::new("trunk"), WasmJob::Build, &[], target)
            .display();
        assert!(!rustup.contains("RUSTC_BOOTSTRAP"), "{rustup}");

        let debian = WasmEnv::new(WasmStd::Debian, &layout);
        let build = debian
            .apply(Cmd::new("trunk"), WasmJob::Build, &[], target)
            .display();
        assert!(
            build.contains("CARGO_UNSTABLE_BUILD_STD=std,panic_abort "),
            "{build}"
        );
        assert!(build.contains("RUSTC=/usr/bin/rustc"), "{build}");
        assert!(build.contains("debian-cargo:$PATH"), "{build}");
        let test = debian
            .apply(Cmd::new("cargo"), WasmJob::Test, &[], target)
            .display();
        assert!(
            test.contains("CARGO_UNSTABLE_BUILD_STD=std,panic_abort,test"),
            "{test}"
        );
    }
}
