//! `cargo xtask build` and `cargo xtask run`.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::paths::{self, Layout};
use crate::procs::{Cmd, describe};
use crate::setup::{self, Tools};

pub const DEFAULT_PORT: u16 = 8080;
/// How long a server may take to start (a cold SQLite migration included).
pub const SERVER_START_LIMIT: Duration = Duration::from_secs(60);

/// `cargo xtask build`: setup, then the release web app in `dist/`.
pub fn build(layout: &Layout) -> Result<()> {
    let tools = setup::setup(layout, setup::Mode::Install)?;
    build_app(layout, &tools)
}

/// `trunk build --release` into `dist/`, checked to have produced an `index.html`.
/// Trunk's post-build hook splits the wasm with `baoming-wasm-split`, built here first on
/// the host toolchain (the hook runs inside Trunk's wasm environment, which may be Debian's
/// build-std one) and handed over in `BAOMING_WASM_SPLIT`.
pub fn build_app(layout: &Layout, tools: &Tools) -> Result<()> {
    Cmd::new(paths::host_cargo())
        .args(["build", "--locked", "-p", "baoming-wasm-split"])
        .env("CARGO_TARGET_DIR", layout.host_target_dir())
        .current_dir(&layout.root)
        .run()
        .context("building the wasm splitter (wasm-split/) failed; see cargo's output above")?;
    tools
        .trunk_build(layout)
        .env(
            "BAOMING_WASM_SPLIT",
            host_binary(layout, false, "baoming-wasm-split"),
        )
        .run()
        .context("building the web app with Trunk failed; see its output above")?;
    let index = layout.dist.join("index.html");
    if !index.is_file() {
        bail!("Trunk finished but {} does not exist", index.display());
    }
    println!("web app built into {}", paths::rel(layout, &layout.dist));
    Ok(())
}

/// `cargo build -p baoming-server [--release]` on the host; returns the binary's path.
pub fn build_server(layout: &Layout, release: bool, also: &[&str]) -> Result<PathBuf> {
    let mut cmd = Cmd::new(paths::host_cargo())
        .args(["build", "-p", "baoming-server"])
        .env("CARGO_TARGET_DIR", layout.host_target_dir())
        .current_dir(&layout.root);
    for package in also {
        cmd = cmd.args(["-p", package]);
    }
    if release {
        cmd = cmd.arg("--release");
    }
    cmd.run()
        .context("building the reference backend failed; see cargo's output above")?;
    Ok(host_binary(layout, release, "baoming-server"))
}

pub fn host_binary(layout: &Layout, release: bool, name: &str) -> PathBuf {
    layout
        .host_target_dir()
        .join(if release { "release" } else { "debug" })
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// `cargo xtask run`: the app and the reference backend on one port.
///
/// The server runs with inherited stdio in xtask's process group, so Ctrl-C reaches it
/// directly and it shuts down by itself; if xtask ends first, the server is stopped.
pub fn run(layout: &Layout, port: u16) -> Result<()> {
    // Fail now, not after minutes of building, when the port is taken.
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    drop(TcpListener::bind(addr).with_context(|| {
        format!(
            "port {port} is not free on 127.0.0.1; pick another with `cargo xtask run --port N`"
        )
    })?);

    let tools = setup::setup(layout, setup::Mode::Install)?;
    build_app(layout, &tools)?;
    let server = build_server(layout, true, &[])?;

    let data_dir = layout.root.join(".data");
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let mut child = Cmd::new(&server)
        .args(["serve", "--listen"])
        .arg(addr.to_string())
        .args(["--data-dir", ".data", "--dev", "--web-root", "dist"])
        .current_dir(&layout.root)
        .spawn_foreground("baoming-server")?;

    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        if let Some(status) = child.try_wait()? {
            bail!(
                "baoming-server exited ({}) before it accepted connections",
                describe(status)
            );
        }
        if start.elapsed() > SERVER_START_LIMIT {
            bail!(
                "baoming-server did not accept connections on {addr} within {} s",
                SERVER_START_LIMIT.as_secs()
            );
        }
        thread::sleep(Duration::from_millis(100));
    }
    println!();
    println!("Baoming is running: open http://{addr}/ (Ctrl-C stops everything)");
    println!("  data: {}", paths::rel(layout, &data_dir));
    println!();

    let status = child.wait()?;
    if !status.success() {
        bail!("baoming-server stopped ({})", describe(status));
    }
    Ok(())
}
