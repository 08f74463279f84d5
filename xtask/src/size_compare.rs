//! `cargo xtask size-compare`: the first visit of Baoming's `dist/` beside the same
//! screens built with a JavaScript framework (`bench/size-compare/`: React + React Router +
//! `qrcode`, Vite), both measured by [`size::report`]. Figures, not a verdict: the budget in
//! `size.rs` is set from them.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::paths::Layout;
use crate::procs::Cmd;
use crate::run;
use crate::size::{self, Totals, kib};

/// The comparison app, relative to the workspace root.
pub const APP_DIR: &str = "bench/size-compare";

/// Builds the comparison app (and `dist/` when it is missing, unless `!build`), measures
/// both and prints them side by side.
pub fn size_compare(layout: &Layout, build: bool) -> Result<()> {
    if !layout.dist.join("index.html").is_file() {
        if !build {
            bail!(
                "{} has no index.html: build the app first (`cargo xtask build`)",
                layout.dist.display()
            );
        }
        println!("{} is missing: building it first", layout.dist.display());
        run::build(layout)?;
    }
    let app = layout.root.join(APP_DIR);
    build_js_app(&app)?;

    println!("\n==== Baoming (Rust, Leptos, WebAssembly) ====");
    let ours = size::report(layout, &layout.dist)?;
    println!("\n==== comparison (React, React Router, qrcode; Vite) ====");
    let theirs = size::report(layout, &app.join("dist"))?;

    println!("\nFirst visit, brotli:");
    let line = |name: &str, t: &Totals| {
        println!(
            "  {name:<44} {:>28}  ({} gzip, {} raw)",
            kib(t.brotli),
            kib(t.gzip),
            kib(t.raw)
        )
    };
    line("Baoming (dist/)", &ours);
    line(&format!("React comparison ({APP_DIR}/dist/)"), &theirs);
    println!(
        "  ratio: {:.2}× the JavaScript app; budget {:.1} KiB (size.rs)",
        ours.brotli as f64 / theirs.brotli.max(1) as f64,
        size::BUDGET_BROTLI_BYTES as f64 / 1024.0
    );
    Ok(())
}

/// `npm ci` (when the lock file is newer than node_modules) and `npm run build` in `app`.
fn build_js_app(app: &Path) -> Result<()> {
    build_js_app_into(app, "dist", None)
}

/// Builds the comparison app into `app/<out_dir>`; `base` overrides Vite's `./` (the
/// first-visit benchmark serves it at `/`, where deep links need absolute asset URLs).
pub fn build_js_app_into(app: &Path, out_dir: &str, base: Option<&str>) -> Result<()> {
    if !app.join("package.json").is_file() {
        bail!("{} is missing", app.join("package.json").display());
    }
    let installed = app.join("node_modules").join(".package-lock.json");
    let stale = match (
        modified(&installed),
        modified(&app.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => lock > installed,
        _ => true,
    };
    if stale {
        Cmd::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(app)
            .run()
            .with_context(|| format!("`npm ci` in {} failed", app.display()))?;
    }
    let _ = std::fs::remove_dir_all(app.join(out_dir));
    let mut build = Cmd::new("npm").args(["run", "build", "--", "--outDir", out_dir]);
    if let Some(base) = base {
        build = build.args(["--base", base]);
    }
    build
        .current_dir(app)
        .run()
        .with_context(|| format!("`npm run build` in {} failed", app.display()))?;
    if !app.join(out_dir).join("index.html").is_file() {
        bail!(
            "the comparison build wrote no {}/{out_dir}/index.html",
            app.display()
        );
    }
    Ok(())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}
