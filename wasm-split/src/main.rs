//! `baoming-wasm-split`: the build step between `cargo build` and `wasm-bindgen` that cuts
//! the app's wasm into the part every page needs and chunks loaded when a page asks for them
//! (the functions marked `#[wasm_split(..)]` in `src/lazy.rs`).
//!
//! Trunk has no such step (trunk-rs/trunk#1022), so it runs as Trunk's post-build hook
//! (`Trunk.toml`, through `wasm-split/trunk-hook.sh`): `trunk build` and `trunk serve` stay
//! the developer's commands and `dist/` stays one static folder. Trunk has by then built
//! the wasm (linked with `--emit-relocs`, see `build.rs`), run wasm-bindgen on the whole
//! module and staged `baoming-<hash>.js` and `baoming-<hash>_bg.wasm`. This tool
//!
//! 1. splits cargo's wasm with `wasm_split_cli_support` (what `cargo leptos --split` uses);
//! 2. runs wasm-bindgen again on the main part, keeping the exports the chunks link to;
//! 3. optimises every part with wasm-opt (release builds; Trunk's own pass is off,
//!    `data-wasm-opt="0"` in `index.html`);
//! 4. replaces Trunk's two staged files under the same names (Trunk's hash is of cargo's
//!    wasm, which is what every output here is made from), and stages the chunks and their
//!    loader (`__wasm_split-<hash>.js`) under names carrying their own content hash, so a
//!    CDN can cache everything for good.
//!
//! The chunks are fetched relative to the loader's own URL (`new URL(.., import.meta.url)`),
//! so the build works at `/` and under any sub-path, under the same Content-Security-Policy
//! (`script-src 'self'`, `connect-src 'self'`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use sha2::{Digest, Sha256};

/// wasm-opt's flags for every part: size first, and the features Rust's wasm32 target emits.
const WASM_OPT_FLAGS: [&str; 6] = [
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The split points and the files each loads, written beside the chunks.
const MANIFEST: &str = "__wasm_split_manifest.json";

/// The loader's name inside the build before it gets its hash. The main module imports
/// the chunk loaders from it.
const LINK_NAME: &str = "./__wasm_split.js";

#[derive(Parser, Debug)]
#[command(about = "Split the app's wasm at its lazy-loading points (Trunk post-build hook)")]
struct Args {
    /// The wasm cargo linked (with `--emit-relocs`), before wasm-bindgen.
    #[arg(long)]
    input: PathBuf,
    /// Trunk's staging folder, holding `<name>-<hash>.js` and `<name>-<hash>_bg.wasm`.
    #[arg(long, env = "TRUNK_STAGING_DIR")]
    staging: PathBuf,
    /// The binary's name (Trunk's `data-bin`).
    #[arg(long, default_value = "baoming")]
    name: String,
    /// `release` runs wasm-opt on every part.
    #[arg(long, env = "TRUNK_PROFILE", default_value = "debug")]
    profile: String,
    #[arg(long, default_value = "wasm-bindgen")]
    wasm_bindgen: PathBuf,
    #[arg(long, default_value = "wasm-opt")]
    wasm_opt: PathBuf,
    /// Minifies the two JS files in release builds (`npm ci` installs it). Trunk's own
    /// minifier cannot parse wasm-bindgen's glue ("Failed to minify JS"), and its output is
    /// replaced here anyway.
    #[arg(long, default_value = "esbuild")]
    esbuild: PathBuf,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let staged = StagedApp::find(&args.staging, &args.name)?;
    let work = args
        .input
        .parent()
        .context("input has no folder")?
        .join("wasm-split");
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("clearing {}", work.display()))?;
    }
    let chunks_dir = work.join("chunks");
    let main_wasm = work.join("main.wasm");
    std::fs::create_dir_all(&chunks_dir)?;

    // 1. Split.
    let input = std::fs::read(&args.input)
        .with_context(|| format!("reading {} (cargo's wasm)", args.input.display()))?;
    let main_module = format!("./{}.js", staged.stem);
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &chunks_dir;
        opts.main_out_path = &main_wasm;
        opts.main_module = &main_module;
        opts.link_name = LINK_NAME;
        opts
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))
    .context("splitting the wasm (was it linked with --emit-relocs? see build.rs)")?;

    // 2. wasm-bindgen on the main part. The flags are Trunk's for this app, plus the two
    //    cargo-leptos adds for a split build: the chunks link to the linker's exports by name.
    let bindgen_dir = work.join("bindgen");
    run(Command::new(&args.wasm_bindgen)
        .arg("--target=web")
        .arg("--no-typescript")
        .arg("--keep-lld-exports")
        .arg("--no-demangle")
        .arg(format!("--out-dir={}", bindgen_dir.display()))
        .arg(format!("--out-name={}", staged.stem))
        .arg(&main_wasm))?;

    // 3. Optimise (or copy) every part into the staging folder.
    let release = args.profile == "release";
    let place = |from: &Path, to: &Path| -> Result<()> {
        if release {
            wasm_opt(&args.wasm_opt, from, to)
        } else {
            std::fs::copy(from, to)
                .map(|_| ())
                .with_context(|| format!("copying {}", from.display()))
        }
    };
    place(
        &bindgen_dir.join(format!("{}_bg.wasm", staged.stem)),
        &staged.wasm,
    )?;

    // 4. The chunks under content-hashed names, and the loader that names them.
    let link_path = chunks_dir.join(LINK_NAME.trim_start_matches("./"));
    let mut link_js = std::fs::read_to_string(&link_path)
        .with_context(|| format!("reading {}", link_path.display()))?;
    let mut report = vec![(
        file_name(&staged.wasm),
        std::fs::metadata(&staged.wasm)?.len(),
    )];
    let mut hashed_names = BTreeMap::new();
    for chunk in &split.split_modules {
        let stem = chunk
            .file_stem()
            .and_then(|s| s.to_str())
            .context("chunk without a name")?
            .to_string();
        let optimised = work.join(format!("{stem}.opt.wasm"));
        place(chunk, &optimised)?;
        let bytes = std::fs::read(&optimised)?;
        let hashed = format!("{stem}-{}.wasm", short_hash(&bytes));
        let quoted = format!("\"./{stem}.wasm\"");
        ensure!(
            link_js.contains(&quoted),
            "the loader does not name {quoted}: wasm_split_cli_support changed its output"
        );
        link_js = link_js.replace(&quoted, &format!("\"./{hashed}\""));
        std::fs::write(args.staging.join(&hashed), &bytes)?;
        hashed_names.insert(stem, hashed.clone());
        report.push((hashed, bytes.len() as u64));
    }
    let link_file = format!("__wasm_split-{}.js", short_hash(link_js.as_bytes()));
    std::fs::write(args.staging.join(&link_file), &link_js)?;
    if release {
        minify(&args.esbuild, &args.staging.join(&link_file))?;
    }

    // The main JS imports the loader by its build-time name; point it at the hashed file.
    let main_js = std::fs::read_to_string(bindgen_dir.join(format!("{}.js", staged.stem)))?;
    let (main_js, imports) = point_imports_at(&main_js, LINK_NAME, &format!("./{link_file}"));
    // (wasm-bindgen writes one `import * as importN` per loader the main module uses.)
    ensure!(
        imports >= 1 || split.split_modules.is_empty(),
        "expected imports of {LINK_NAME} in wasm-bindgen's JS, found none"
    );
    std::fs::write(&staged.js, main_js)?;
    if release {
        minify(&args.esbuild, &staged.js)?;
    }
    report.push((
        link_file.clone(),
        std::fs::metadata(args.staging.join(&link_file))?.len(),
    ));

    // Which files each split point loads, for `cargo xtask size` and for anyone measuring
    // a page (as cargo-leptos writes it). Browsers never fetch it.
    let manifest: BTreeMap<&str, Vec<&str>> = split
        .prefetch_map
        .iter()
        .map(|(split, stems)| {
            let files = stems
                .iter()
                .filter_map(|stem| hashed_names.get(stem).map(String::as_str))
                .collect();
            (split.as_str(), files)
        })
        .collect();
    std::fs::write(
        args.staging.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    report.push((file_name(&staged.js), std::fs::metadata(&staged.js)?.len()));

    println!("wasm-split: {} chunk(s)", split.split_modules.len());
    for (name, size) in report {
        println!("  {size:>9}  {name}");
    }
    Ok(())
}

/// Trunk's two staged files of the app.
struct StagedApp {
    /// `baoming-<hash>`
    stem: String,
    js: PathBuf,
    wasm: PathBuf,
}

impl StagedApp {
    fn find(staging: &Path, name: &str) -> Result<Self> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(staging)
            .with_context(|| format!("reading Trunk's staging folder {}", staging.display()))?
        {
            let file = entry?.file_name().to_string_lossy().into_owned();
            if let Some(stem) = file.strip_suffix("_bg.wasm")
                && stem
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
            {
                found.push(stem.to_string());
            }
        }
        let [stem] = found.as_slice() else {
            bail!(
                "expected one {name}…_bg.wasm in {}, found {found:?}",
                staging.display()
            );
        };
        let js = staging.join(format!("{stem}.js"));
        ensure!(js.is_file(), "{} is missing", js.display());
        Ok(StagedApp {
            stem: stem.clone(),
            wasm: staging.join(format!("{stem}_bg.wasm")),
            js,
        })
    }
}

/// Rewrites the module specifier `from` in `import … from '<from>'` statements (either
/// quote) to `to`, leaving every other mention alone: the wasm's import object is keyed
/// by the original name. Returns the text and how many imports were rewritten.
fn point_imports_at(js: &str, from: &str, to: &str) -> (String, usize) {
    let mut out = js.to_string();
    let mut count = 0;
    for quote in ['\'', '"'] {
        let needle = format!("from {quote}{from}{quote}");
        count += out.matches(&needle).count();
        out = out.replace(&needle, &format!("from {quote}{to}{quote}"));
    }
    (out, count)
}

fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// wasm-opt with [`WASM_OPT_FLAGS`]. Its "unknown name subsection" warnings (the splitter
/// writes a names subsection binaryen 132 does not know; the names are dropped anyway) are
/// left out of the build's output; anything else it says is passed on.
fn wasm_opt(wasm_opt: &Path, from: &Path, to: &Path) -> Result<()> {
    let out = Command::new(wasm_opt)
        .args(WASM_OPT_FLAGS)
        .arg(from)
        .arg("-o")
        .arg(to)
        .output()
        .with_context(|| format!("running {} (`npm ci` installs it)", wasm_opt.display()))?;
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        if !line.starts_with("warning: unknown name subsection") {
            eprintln!("{line}");
        }
    }
    ensure!(
        out.status.success(),
        "wasm-opt failed on {}: {}",
        from.display(),
        out.status
    );
    Ok(())
}

/// Minifies an ES module in place (names of exports and imports, string keys and
/// `import.meta.url` are kept, as a module's must be).
///
/// wasm-bindgen's imports object names the loader once per split point, with the same
/// module behind every key (`"./__wasm_split.js": import1, … import8`); esbuild's warning
/// about those duplicate keys says nothing about our code, so it is silenced.
fn minify(esbuild: &Path, file: &Path) -> Result<()> {
    run(Command::new(esbuild)
        .arg(file)
        .args([
            "--minify",
            "--format=esm",
            "--log-level=warning",
            "--log-override:duplicate-object-key=silent",
            "--allow-overwrite",
        ])
        .arg(format!("--outfile={}", file.display())))
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("running {:?}", cmd.get_program()))?;
    ensure!(status.success(), "{:?} failed: {status}", cmd.get_program());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_import_specifiers_are_rewritten() {
        let js = "import * as import1 from \"./__wasm_split.js\"\nimports[\"./__wasm_split.js\"] = import1;";
        let (out, n) = point_imports_at(js, LINK_NAME, "./__wasm_split-abc.js");
        assert_eq!(n, 1);
        assert!(out.contains("from \"./__wasm_split-abc.js\""));
        assert!(out.contains("imports[\"./__wasm_split.js\"]"));
    }

    #[test]
    fn hashes_are_short_and_stable() {
        assert_eq!(short_hash(b"abc"), "ba7816bf8f01cfea");
    }
}
