//! The iPhone's engine for the journeys and the photo benchmark: WebKitGTK's MiniBrowser
//! (Debian's `libwebkit2gtk-4.1-0`, the WebKit that Safari and WeChat's WKWebView share)
//! driven through Debian's W3C WebDriver server `WebKitWebDriver` (package
//! `webkit2gtk-driver`), on a virtual X display (`xvfb`). Playwright's own WebKit build cannot
//! be downloaded here; `tests/webkit/support/webkit.ts` talks WebDriver to this.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::procs::{Background, Cmd, free_ports};
use crate::test::TempDir;

/// The Debian packages: the WebDriver server (which pulls in the WebKitGTK library and its
/// MiniBrowser) and the virtual display.
pub const PACKAGES: &[&str] = &["webkit2gtk-driver", "xvfb"];
pub const DRIVER: &str = "/usr/bin/WebKitWebDriver";
pub const XVFB: &str = "/usr/bin/Xvfb";
/// MiniBrowser lives in the library's private folder, under the machine's multiarch triple.
const MINIBROWSER_GLOB_DIR: &str = "/usr/lib";
const MINIBROWSER_SUFFIX: &str = "webkit2gtk-4.1/MiniBrowser";
const START_LIMIT: Duration = Duration::from_secs(20);

/// GTK's style for MiniBrowser's window: its toolbar (URL entry, buttons) is wider than a
/// phone by default, which would stop the window at ~447 px. Letting it shrink gives the
/// page the 360 px viewport the journeys ask for.
const GTK_CSS: &str =
    "* { min-width: 0; font-size: 6px; padding: 0; margin: 0; }\nentry { min-width: 10px; }\n";

/// MiniBrowser, wherever this machine's multiarch folder is.
pub fn minibrowser() -> Option<PathBuf> {
    let dir = std::fs::read_dir(MINIBROWSER_GLOB_DIR).ok()?;
    dir.filter_map(|e| e.ok())
        .map(|e| e.path().join(MINIBROWSER_SUFFIX))
        .find(|p| crate::paths::is_executable(p))
}

/// Xvfb and WebKitWebDriver, running until dropped.
pub struct WebKit {
    /// `http://127.0.0.1:<port>`: where WebDriver clients connect.
    pub driver_url: String,
    pub minibrowser: PathBuf,
    /// Stopped in this order: the driver (and its browsers) before the display.
    driver: Background,
    display: Background,
    _config: TempDir,
}

impl WebKit {
    pub fn start() -> Result<WebKit> {
        let minibrowser = minibrowser().with_context(|| {
            format!(
                "no {MINIBROWSER_GLOB_DIR}/*/{MINIBROWSER_SUFFIX}: run `cargo xtask setup` (Debian: apt-get install {})",
                PACKAGES.join(" ")
            )
        })?;
        let number = free_display()?;
        let display = Cmd::new(XVFB)
            .args([
                format!(":{number}"),
                "-screen".into(),
                "0".into(),
                "1280x1024x24".into(),
                "-nolisten".into(),
                "tcp".into(),
            ])
            .spawn_background(&format!("Xvfb :{number}"))?;
        wait_for(&format!("Xvfb :{number}"), || {
            Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
        })?;

        let config = TempDir::new("webkit-gtk")?;
        let gtk = config.path().join("gtk-3.0");
        std::fs::create_dir_all(&gtk)?;
        std::fs::write(gtk.join("gtk.css"), GTK_CSS)?;
        let port = free_ports(1)?[0];
        let driver = Cmd::new(DRIVER)
            .arg(format!("--port={port}"))
            .env("DISPLAY", format!(":{number}"))
            .env("XDG_CONFIG_HOME", config.path())
            // No accessibility bus on a virtual display: GTK would wait for it.
            .env("NO_AT_BRIDGE", "1")
            .spawn_background("WebKitWebDriver")?;
        wait_for("WebKitWebDriver", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        })?;
        println!(
            "WebKit: {} through WebKitWebDriver on port {port}, display :{number}",
            minibrowser.display()
        );
        Ok(WebKit {
            driver_url: format!("http://127.0.0.1:{port}"),
            minibrowser,
            driver,
            display,
            _config: config,
        })
    }
}

impl Drop for WebKit {
    fn drop(&mut self) {
        self.driver.stop();
        self.display.stop();
    }
}

/// The first X display number with neither a socket nor a lock file.
fn free_display() -> Result<u32> {
    (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .context("no free X display number between :90 and :199")
}

fn wait_for(what: &str, ready: impl Fn() -> bool) -> Result<()> {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > START_LIMIT {
            bail!("{what} was not ready within {} s", START_LIMIT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
