//! Where things live: the workspace, its build outputs and the machine-wide cache.

use std::env;
use std::path::{Path, PathBuf};

/// Folders every subcommand works with. All paths are absolute.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The workspace root (the folder holding the root `Cargo.toml`).
    pub root: PathBuf,
    /// Trunk's output: always `<root>/dist`.
    pub dist: PathBuf,
    /// `~/.cache/baoming` (or `$XDG_CACHE_HOME/baoming`): tools and target folders that
    /// outlive a fresh clone of the repository.
    pub cache: PathBuf,
}

impl Layout {
    pub fn discover() -> Self {
        // xtask always runs through `cargo xtask`, so its manifest folder is
        // `<root>/xtask`. The compile-time value is the fallback for a bare binary.
        let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(manifest_dir);
        Layout {
            dist: root.join("dist"),
            cache: cache_home().join("baoming"),
            root,
        }
    }

    /// Target folder for host builds (server, conformance runner, host tests).
    ///
    /// `CARGO_TARGET_DIR` wins when set; otherwise a folder under the cache, so that a
    /// fresh CI clone on a machine that built before starts incremental.
    pub fn host_target_dir(&self) -> PathBuf {
        self.target_dir_from_env()
            .unwrap_or_else(|| self.cache.join("target"))
    }

    /// Target folder for wasm32 builds (Trunk and the wasm tests). Kept apart from the
    /// host one because the Debian fallback compiles with another rustc and its own std.
    pub fn wasm_target_dir(&self) -> PathBuf {
        self.target_dir_from_env()
            .unwrap_or_else(|| self.cache.join("target-wasm"))
    }

    /// Reports and other files produced by tests, inside the repository (`target/` is
    /// ignored by git) so CI can keep them as artifacts.
    pub fn report_dir(&self) -> PathBuf {
        self.root.join("target").join("xtask")
    }

    pub fn node_bin(&self) -> PathBuf {
        self.root.join("node_modules").join(".bin")
    }

    fn target_dir_from_env(&self) -> Option<PathBuf> {
        let dir = env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty())?;
        let dir = PathBuf::from(dir);
        // Every command runs from the root, so a relative value means the same to all.
        Some(if dir.is_absolute() {
            dir
        } else {
            self.root.join(dir)
        })
    }
}

/// `$HOME`, required: the cache and tool folders hang off it.
pub fn home() -> PathBuf {
    env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

fn cache_home() -> PathBuf {
    env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache"))
}

/// `$CARGO_HOME/bin` (default `~/.cargo/bin`), where `cargo install` puts Trunk and
/// wasm-bindgen.
pub fn cargo_bin() -> PathBuf {
    env::var_os("CARGO_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cargo"))
        .join("bin")
}

/// The cargo that runs xtask (set by cargo for the programs it runs), for host builds.
pub fn host_cargo() -> PathBuf {
    env::var_os("CARGO")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// Finds `program` on `PATH`, like the shell would.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

/// Finds `program` in `extra` folders first, then on `PATH`.
pub fn which_in(program: &str, extra: &[PathBuf]) -> Option<PathBuf> {
    extra
        .iter()
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
        .or_else(|| which(program))
}

pub fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Shows `path` relative to the workspace root when it is inside it.
pub fn rel<'a>(layout: &Layout, path: &'a Path) -> std::borrow::Cow<'a, str> {
    match path.strip_prefix(&layout.root) {
        Ok(inner) if !inner.as_os_str().is_empty() => inner.to_string_lossy(),
        _ => path.to_string_lossy(),
    }
}
