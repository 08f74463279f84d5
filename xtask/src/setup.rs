//! `cargo xtask setup`: makes sure every tool the builds and tests use is here.
//!
//! Idempotent and quick when everything is present; on a fresh machine it installs what
//! is missing, the way `/work/shared/TOOLCHAIN.md` describes. Each check prints one
//! line; each install prints the command it runs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};

use crate::paths::{self, Layout};
use crate::procs::Cmd;
use crate::wasm_env::{self, WASM_TARGET, WasmEnv, WasmJob, WasmStd};

pub const TRUNK_VERSION: &str = "0.21.14";
const DEBIAN_RUST_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "lld-22"];
const CHROMIUM_PACKAGES: &[&str] = &["chromium", "chromium-driver"];
const DEFAULT_CHROME: &str = "/usr/bin/chromium";
const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// `rustup target add` hangs on machines without internet access; give up after this.
const RUSTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Install what is missing, or only report it (`setup --check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Install,
    CheckOnly,
}

/// Everything the later steps need to find the tools that setup verified.
#[derive(Debug, Clone)]
pub struct Tools {
    pub wasm: WasmEnv,
    pub trunk: PathBuf,
    pub wasm_bindgen_test_runner: PathBuf,
    pub chrome: PathBuf,
    pub chromedriver: PathBuf,
    /// node_modules/.bin (wasm-opt from `binaryen`, playwright) and cargo's bin folder:
    /// put in front of PATH for Trunk and the tests.
    pub path_front: Vec<PathBuf>,
    pub node_bin: PathBuf,
}

impl Tools {
    /// `trunk build --release` into `<root>/dist`, never downloading anything.
    pub fn trunk_build(&self, layout: &Layout) -> Cmd {
        let cmd = Cmd::new(&self.trunk)
            .args(["build", "--release", "--dist"])
            .arg(&layout.dist)
            // Last: `--offline` takes an optional value.
            .arg("--offline")
            .current_dir(&layout.root);
        self.wasm.apply(
            cmd,
            WasmJob::Build,
            &self.path_front,
            &layout.wasm_target_dir(),
        )
    }

    /// `cargo` for a wasm32 test run, with the wasm environment applied.
    pub fn wasm_cargo_test(&self, layout: &Layout) -> Cmd {
        let cmd = Cmd::new(self.wasm.cargo()).current_dir(&layout.root);
        self.wasm.apply(
            cmd,
            WasmJob::Test,
            &self.path_front,
            &layout.wasm_target_dir(),
        )
    }
}

/// Runs every check in order; in `Install` mode installs what is missing.
pub fn setup(layout: &Layout, mode: Mode) -> Result<Tools> {
    println!(
        "== setup ({}) ==",
        match mode {
            Mode::Install => "installing what is missing",
            Mode::CheckOnly => "checking only",
        }
    );
    let cargo_bin = paths::cargo_bin();
    let node_bin = layout.node_bin();
    let path_front = vec![node_bin.clone(), cargo_bin.clone()];
    let mut missing = Vec::new();

    let wasm_std = ensure_wasm_std(mode, &mut missing)?;
    let trunk = ensure_trunk(mode, &path_front, &mut missing)?;
    let wasm_bindgen_test_runner = ensure_wasm_bindgen(layout, mode, &path_front, &mut missing)?;
    ensure_node_packages(layout, mode, &mut missing)?;
    let (chrome, chromedriver) = ensure_chromium(mode, &mut missing)?;
    ensure_webkit(mode, &mut missing)?;

    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|m| format!("  - {m}")).collect();
        bail!(
            "missing:\n{}\nrun `cargo xtask setup` to install them",
            list.join("\n")
        );
    }

    // Nothing is missing, so every check returned its tool.
    let (
        Some(wasm_std),
        Some(trunk),
        Some(wasm_bindgen_test_runner),
        Some(chrome),
        Some(chromedriver),
    ) = (
        wasm_std,
        trunk,
        wasm_bindgen_test_runner,
        chrome,
        chromedriver,
    )
    else {
        bail!("setup found no tool path although nothing was reported missing");
    };
    let wasm = WasmEnv::new(wasm_std, layout);
    if mode == Mode::Install {
        wasm.prepare()?;
    }
    Ok(Tools {
        wasm,
        trunk,
        wasm_bindgen_test_runner,
        chrome,
        chromedriver,
        path_front,
        node_bin,
    })
}

fn report(what: &str, detail: impl std::fmt::Display) {
    println!("  {what:<14} {detail}");
}

// ---------------------------------------------------------------------------------------
// 1. A wasm32 standard library

fn ensure_wasm_std(mode: Mode, missing: &mut Vec<String>) -> Result<Option<WasmStd>> {
    if let Some(std) = detect_wasm_std() {
        report_wasm_std(std);
        return Ok(Some(std));
    }
    if mode == Mode::CheckOnly {
        report("wasm32 std", "MISSING");
        missing.push(format!(
            "a wasm32 standard library: `rustup target add {WASM_TARGET}`, or Debian's `{}`",
            DEBIAN_RUST_PACKAGES.join(" ")
        ));
        return Ok(None);
    }

    if paths::which("rustup").is_some() {
        println!(
            "  wasm32 std     not installed; trying rustup (gives up after {} s)",
            RUSTUP_TIMEOUT.as_secs()
        );
        let finished = Cmd::new("rustup")
            .args(["target", "add", WASM_TARGET])
            .run_with_timeout(RUSTUP_TIMEOUT)?;
        if finished.is_some_and(|s| s.success()) && wasm_env::rustup_has_wasm_target() {
            report_wasm_std(WasmStd::Rustup);
            return Ok(Some(WasmStd::Rustup));
        }
        println!("  rustup could not add the target; falling back to Debian's Rust");
    }
    apt_install(DEBIAN_RUST_PACKAGES, "a wasm32 standard library")?;
    if !wasm_env::debian_fallback_installed() {
        bail!(
            "installed {} but {} is missing or {} is older than {}.{}; \
             install rustup's `{WASM_TARGET}` target instead",
            DEBIAN_RUST_PACKAGES.join(" "),
            wasm_env::DEBIAN_STD_SRC,
            wasm_env::DEBIAN_RUSTC,
            wasm_env::DEBIAN_MIN_RUSTC.0,
            wasm_env::DEBIAN_MIN_RUSTC.1,
        );
    }
    report_wasm_std(WasmStd::Debian);
    Ok(Some(WasmStd::Debian))
}

/// What is already installed, preferring rustup's target.
fn detect_wasm_std() -> Option<WasmStd> {
    if wasm_env::rustup_has_wasm_target() {
        Some(WasmStd::Rustup)
    } else if wasm_env::debian_fallback_installed() {
        Some(WasmStd::Debian)
    } else {
        None
    }
}

fn report_wasm_std(std: WasmStd) {
    match std {
        WasmStd::Rustup => report("wasm32 std", format!("rustup's {WASM_TARGET} target")),
        WasmStd::Debian => {
            let (major, minor) = wasm_env::debian_rustc_version().unwrap_or_default();
            report(
                "wasm32 std",
                format!(
                    "Debian's rustc {major}.{minor}, std built from source \
                     (rustup has no {WASM_TARGET} target here)"
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 2. Trunk

fn ensure_trunk(
    mode: Mode,
    path_front: &[PathBuf],
    missing: &mut Vec<String>,
) -> Result<Option<PathBuf>> {
    let found = || {
        let path = paths::which_in("trunk", path_front)?;
        let version = tool_version(&path)?;
        Some((path, version))
    };
    match found() {
        Some((path, version)) if version == TRUNK_VERSION => {
            report("trunk", format!("{version} ({})", path.display()));
            return Ok(Some(path));
        }
        Some((_, version)) => println!("  trunk          {version} found, {TRUNK_VERSION} wanted"),
        None => println!("  trunk          not found"),
    }
    if mode == Mode::CheckOnly {
        missing.push(format!(
            "trunk {TRUNK_VERSION}: `cargo install --locked trunk@{TRUNK_VERSION}`"
        ));
        return Ok(None);
    }
    println!("  installing trunk {TRUNK_VERSION} (about 12 minutes on 2 cores)");
    cargo_install(&format!("trunk@{TRUNK_VERSION}"))?;
    match found() {
        Some((path, version)) if version == TRUNK_VERSION => {
            report("trunk", format!("{version} ({})", path.display()));
            Ok(Some(path))
        }
        _ => bail!(
            "`cargo install trunk@{TRUNK_VERSION}` finished but trunk {TRUNK_VERSION} is not in {} or on PATH",
            paths::cargo_bin().display()
        ),
    }
}

// ---------------------------------------------------------------------------------------
// 3. wasm-bindgen-cli, at the version the app links

/// Returns wasm-bindgen-test-runner's path (installed with wasm-bindgen).
fn ensure_wasm_bindgen(
    layout: &Layout,
    mode: Mode,
    path_front: &[PathBuf],
    missing: &mut Vec<String>,
) -> Result<Option<PathBuf>> {
    let lock_path = layout.root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .with_context(|| format!("reading {}", lock_path.display()))?;
    let wanted = locked_version(&lock, "wasm-bindgen")?.with_context(|| {
        format!(
            "{} has no wasm-bindgen package; is the app's Cargo.lock complete?",
            lock_path.display()
        )
    })?;

    let found = || {
        let bindgen = paths::which_in("wasm-bindgen", path_front)?;
        let version = tool_version(&bindgen)?;
        // cargo install puts both binaries in the same folder.
        let runner = bindgen.with_file_name("wasm-bindgen-test-runner");
        paths::is_executable(&runner).then_some((bindgen, runner, version))
    };
    match found() {
        Some((bindgen, runner, version)) if version == wanted => {
            report(
                "wasm-bindgen",
                format!("{version}, as in Cargo.lock ({})", bindgen.display()),
            );
            return Ok(Some(runner));
        }
        Some((_, _, version)) => {
            println!("  wasm-bindgen   {version} found, {wanted} wanted (Cargo.lock)")
        }
        None => println!("  wasm-bindgen   not found (with its test runner)"),
    }
    let spec = format!("wasm-bindgen-cli@{wanted}");
    if mode == Mode::CheckOnly {
        missing.push(format!(
            "wasm-bindgen {wanted}: `cargo install --locked {spec}`"
        ));
        return Ok(None);
    }
    cargo_install(&spec)?;
    match found() {
        Some((bindgen, runner, version)) if version == wanted => {
            report(
                "wasm-bindgen",
                format!("{version}, as in Cargo.lock ({})", bindgen.display()),
            );
            Ok(Some(runner))
        }
        _ => bail!(
            "`cargo install {spec}` finished but wasm-bindgen {wanted} is not in {} or on PATH",
            paths::cargo_bin().display()
        ),
    }
}

/// The version of package `name` in a Cargo.lock; an error when several are locked,
/// because the CLI must match the one the app links.
pub fn locked_version(lock: &str, name: &str) -> Result<Option<String>> {
    let mut versions: Vec<String> = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                let value = line.trim().strip_prefix(key)?.trim_start();
                let value = value.strip_prefix('=')?.trim();
                Some(value.trim_matches('"').to_string())
            })
        };
        if field("name").as_deref() == Some(name)
            && let Some(version) = field("version")
            && !versions.contains(&version)
        {
            versions.push(version);
        }
    }
    match versions.len() {
        0 => Ok(None),
        1 => Ok(versions.pop()),
        _ => bail!(
            "Cargo.lock holds several versions of {name} ({}); pin one so the CLI can match it",
            versions.join(", ")
        ),
    }
}

/// `trunk 0.21.14` / `wasm-bindgen 0.2.130` → the version word.
fn tool_version(program: &Path) -> Option<String> {
    let out = Cmd::new(program).arg("--version").probe()?;
    out.split_whitespace().nth(1).map(str::to_string)
}

fn cargo_install(spec: &str) -> Result<()> {
    // Host toolchain, nothing of the wasm environment.
    let install = |locked: bool| {
        let cmd = Cmd::new(paths::host_cargo()).arg("install");
        let cmd = if locked { cmd.arg("--locked") } else { cmd };
        cmd.arg(spec)
            .env_remove("RUSTC")
            .env_remove("RUSTC_BOOTSTRAP")
            .env_remove("CARGO_UNSTABLE_BUILD_STD")
            .run()
    };
    if install(true).is_ok() {
        return Ok(());
    }
    // Seen with wasm-bindgen-cli 0.2.130: its published lock file names a dependency
    // version (webpki-roots 1.0.11) that the registry no longer offers.
    println!("  `cargo install --locked {spec}` failed; retrying with fresh dependency versions");
    install(false).with_context(|| format!("installing {spec} failed; see cargo's output above"))
}

// ---------------------------------------------------------------------------------------
// 4. Node packages (wasm-opt from `binaryen`, esbuild, Playwright, axe)

fn ensure_node_packages(layout: &Layout, mode: Mode, missing: &mut Vec<String>) -> Result<()> {
    let package_json = layout.root.join("package.json");
    let package_lock = layout.root.join("package-lock.json");
    if !package_json.is_file() {
        bail!(
            "{} is missing: it declares the Node tools the build and tests use \
             (devDependencies binaryen, @playwright/test, @axe-core/playwright)",
            package_json.display()
        );
    }
    if !package_lock.is_file() {
        bail!(
            "{} is missing: run `npm install` once and commit the lock file so that \
             `npm ci` installs the same versions everywhere",
            package_lock.display()
        );
    }
    for tool in ["node", "npm"] {
        if paths::which(tool).is_none() {
            bail!(
                "`{tool}` is not on PATH: install Node.js 20.19 or later and npm (Debian: apt-get install nodejs npm)"
            );
        }
    }

    let installed_marker = layout.root.join("node_modules").join(".package-lock.json");
    let stale = match modified(&installed_marker) {
        None => true,
        Some(installed) => [&package_lock, &package_json]
            .iter()
            .any(|p| modified(p).is_some_and(|m| m > installed)),
    };
    if stale {
        if mode == Mode::CheckOnly {
            report("node packages", "out of date");
            missing.push("node packages: `npm ci`".to_string());
            return Ok(());
        }
        Cmd::new("npm")
            .arg("ci")
            // Playwright drives the system Chromium; its own browser download would fail.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(&layout.root)
            .run()
            .context("`npm ci` failed; see npm's output above")?;
    }

    let bin = layout.node_bin();
    for (tool, package) in [
        ("wasm-opt", "binaryen"),
        ("esbuild", "esbuild"),
        ("playwright", "@playwright/test"),
        ("redocly", "@redocly/cli"),
    ] {
        if !paths::is_executable(&bin.join(tool)) {
            bail!(
                "{} is missing after `npm ci`: add `{package}` to package.json's devDependencies",
                bin.join(tool).display()
            );
        }
    }
    report(
        "node packages",
        format!(
            "{} (node_modules, wasm-opt, esbuild, playwright and redocly on PATH)",
            if stale { "installed" } else { "up to date" }
        ),
    );
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

// ---------------------------------------------------------------------------------------
// 5. Chromium and ChromeDriver

fn ensure_chromium(
    mode: Mode,
    missing: &mut Vec<String>,
) -> Result<(Option<PathBuf>, Option<PathBuf>)> {
    let chrome_env = std::env::var_os("CHROME_PATH").filter(|v| !v.is_empty());
    let driver_env = std::env::var_os("CHROMEDRIVER").filter(|v| !v.is_empty());
    let chrome = chrome_env
        .clone()
        .map_or_else(|| PathBuf::from(DEFAULT_CHROME), PathBuf::from);
    let driver = driver_env
        .clone()
        .map_or_else(|| PathBuf::from(DEFAULT_CHROMEDRIVER), PathBuf::from);

    let present = |p: &Path| paths::is_executable(p);
    if !present(&chrome) || !present(&driver) {
        // A path the user chose is theirs to fix; the defaults are Debian's packages.
        for (path, var) in [(&chrome, &chrome_env), (&driver, &driver_env)] {
            if var.is_some() && !present(path) {
                bail!(
                    "{} (from the environment) is not an executable file",
                    path.display()
                );
            }
        }
        if mode == Mode::CheckOnly {
            report("chromium", "MISSING");
            missing.push(format!(
                "Chromium and ChromeDriver: `apt-get install -y {}`",
                CHROMIUM_PACKAGES.join(" ")
            ));
            return Ok((None, None));
        }
        apt_install(CHROMIUM_PACKAGES, "Chromium and ChromeDriver")?;
        if !present(&chrome) || !present(&driver) {
            bail!(
                "installed {} but {} or {} is still missing",
                CHROMIUM_PACKAGES.join(" "),
                chrome.display(),
                driver.display()
            );
        }
    }
    report(
        "chromium",
        format!(
            "{}, driver {} (Playwright launches it by path; it never downloads a browser)",
            chrome.display(),
            driver.display()
        ),
    );
    Ok((Some(chrome), Some(driver)))
}

// ---------------------------------------------------------------------------------------
// 6. WebKit: WebKitGTK's MiniBrowser, its WebDriver server and a virtual display

fn ensure_webkit(mode: Mode, missing: &mut Vec<String>) -> Result<()> {
    use crate::webkit::{DRIVER, PACKAGES, XVFB, minibrowser};
    let present = || {
        paths::is_executable(Path::new(DRIVER))
            && paths::is_executable(Path::new(XVFB))
            && minibrowser().is_some()
    };
    if !present() {
        if mode == Mode::CheckOnly {
            report("webkit", "MISSING");
            missing.push(format!(
                "WebKitGTK's WebDriver and a virtual display: `apt-get install -y {}`",
                PACKAGES.join(" ")
            ));
            return Ok(());
        }
        apt_install(PACKAGES, "WebKitGTK's WebDriver and Xvfb")?;
        if !present() {
            bail!(
                "installed {} but {DRIVER}, {XVFB} or MiniBrowser is still missing",
                PACKAGES.join(" ")
            );
        }
    }
    report(
        "webkit",
        format!(
            "{} through {DRIVER}, under {XVFB}",
            minibrowser().unwrap_or_default().display()
        ),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Debian packages

pub(crate) fn apt_install(packages: &[&str], what: &str) -> Result<()> {
    static UPDATED: AtomicBool = AtomicBool::new(false);
    let manual = format!("apt-get install -y {}", packages.join(" "));
    if paths::which("apt-get").is_none() {
        bail!(
            "{what} is missing and this machine has no apt-get: install the equivalent of `{manual}`"
        );
    }
    let sudo = if is_root() {
        false
    } else if paths::which("sudo").is_some() {
        true
    } else {
        bail!(
            "{what} is missing: run `apt-get update && {manual}` as root (not root here, and no sudo)"
        );
    };
    let apt = |args: &[&str]| {
        let cmd = if sudo {
            // sudo drops the environment; pass the one variable apt needs on its line.
            Cmd::new("sudo").args(["DEBIAN_FRONTEND=noninteractive", "apt-get"])
        } else {
            Cmd::new("apt-get").env("DEBIAN_FRONTEND", "noninteractive")
        };
        cmd.args(args)
    };
    println!("  installing {what} from Debian's packages");
    if !UPDATED.swap(true, Ordering::SeqCst) {
        apt(&["update"]).run().context("`apt-get update` failed")?;
    }
    let mut args = vec!["install", "-y"];
    args.extend_from_slice(packages);
    apt(&args)
        .run()
        .with_context(|| format!("`{manual}` failed; see apt's output above"))
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.55"

[[package]]
name = "wasm-bindgen-test"
version = "0.3.55"
"#;

    #[test]
    fn reads_the_locked_version_of_exactly_that_package() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen").unwrap().as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-test")
                .unwrap()
                .as_deref(),
            Some("0.3.55")
        );
        assert_eq!(locked_version(LOCK, "leptos").unwrap(), None);
    }

    #[test]
    fn two_locked_versions_are_an_error() {
        let lock = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.100\"\n");
        assert!(locked_version(&lock, "wasm-bindgen").is_err());
    }

    #[test]
    fn reads_the_real_lock_file() {
        let layout = Layout::discover();
        let lock = std::fs::read_to_string(layout.root.join("Cargo.lock")).unwrap();
        let version = locked_version(&lock, "wasm-bindgen").unwrap().unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
