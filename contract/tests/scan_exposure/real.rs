//! The real set: document images and photos from Debian packages, fetched once into
//! `~/.cache/baoming/scan-check/<package>_<version>/` (`apt-get download` + `dpkg-deb -x`,
//! never committed), decoded with the `image` dev-dependency, averaged down to the
//! analysis size as the browser does, and judged by the old rule (mean brightness) and the
//! new one. The photos are also blown out ([`crate::synth::expose`]) and judged again.
//! Nothing here fails: missing files are reported and skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use baoming_contract::photo_check::fit_side;
use baoming_contract::photo_quality::{self, ANALYSIS_MAX_SIDE};

use crate::{line, new_too_bright, old_too_bright, prev_too_bright, synth};

const OPENCV: (&str, &str, &str) = (
    "opencv-doc",
    "4.6.0+dfsg-12",
    "Apache-2.0 AND BSD-3-Clause (OpenCV sample data; the package's copyright file)",
);
const SKIMAGE: (&str, &str, &str) = (
    "python3-skimage",
    "0.19.3-8",
    "BSD-3-Clause (scikit-image data; the package's copyright file)",
);
const UNPAPER: (&str, &str, &str) = ("unpaper", "7.0.0-0.1", "GPL-2 (unpaper documentation)");

const CV: &str = "usr/share/doc/opencv-doc/examples/data/";
const SK: &str = "usr/lib/python3/dist-packages/skimage/data/";
const UP: &str = "usr/share/doc/unpaper/html/img/";

/// Images of documents: scans, renders and photos of printed pages, as they are.
const DOCUMENTS: &[((&str, &str, &str), &str, &str)] = &[
    (OPENCV, CV, "imageTextN.png"),
    (OPENCV, CV, "imageTextR.png"),
    (OPENCV, CV, "notes.png"),
    (OPENCV, CV, "sudoku.png"),
    (OPENCV, CV, "text_defocus.jpg"),
    (OPENCV, CV, "text_motion.jpg"),
    (SKIMAGE, SK, "page.png"),
    (SKIMAGE, SK, "text.png"),
    (SKIMAGE, SK, "bw_text.png"),
    (UNPAPER, UP, "border-scan.png"),
    (UNPAPER, UP, "mask-scan.png"),
    (UNPAPER, UP, "deskew.png"),
    (UNPAPER, UP, "sheetspages.png"),
];

/// Photos of scenes and people, to blow out.
const PHOTOS: &[((&str, &str, &str), &str, &str)] = &[
    (OPENCV, CV, "messi5.jpg"),
    (OPENCV, CV, "baboon.jpg"),
    (OPENCV, CV, "fruits.jpg"),
    (OPENCV, CV, "home.jpg"),
    (OPENCV, CV, "building.jpg"),
    (OPENCV, CV, "butterfly.jpg"),
    (OPENCV, CV, "orange.jpg"),
    (OPENCV, CV, "board.jpg"),
    (SKIMAGE, SK, "astronaut.png"),
    (SKIMAGE, SK, "coffee.png"),
    (SKIMAGE, SK, "chelsea.png"),
    (SKIMAGE, SK, "camera.png"),
    (SKIMAGE, SK, "rocket.jpg"),
];

/// Document photos also blown out the way a page is (gain and strong flare).
const DOCUMENT_PHOTOS: &[&str] = &["sudoku.png", "imageTextN.png", "page.png", "text.png"];

fn cache() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".cache/baoming/scan-check")
}

/// The extracted package, fetched if missing; `None` (with the reason printed) if it
/// cannot be had.
fn package(pkg: &str, version: &str) -> Option<PathBuf> {
    let dir = cache().join(format!("{pkg}_{version}"));
    if dir.join(".done").exists() {
        return Some(dir);
    }
    let tmp = cache().join(format!("{pkg}.download"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).ok()?;
    let ok = Command::new("apt-get")
        .args(["download", "-q", &format!("{pkg}={version}")])
        .current_dir(&tmp)
        .status()
        .is_ok_and(|s| s.success());
    let deb = std::fs::read_dir(&tmp)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "deb"));
    let Some(deb) = deb.filter(|_| ok) else {
        println!("SKIP {pkg}={version}: `apt-get download` failed (no network or no apt-get?)");
        return None;
    };
    let extracted = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    let _ = std::fs::remove_dir_all(&tmp);
    if !extracted {
        println!("SKIP {pkg}={version}: dpkg-deb -x failed");
        return None;
    }
    std::fs::write(dir.join(".done"), b"").ok()?;
    Some(dir)
}

/// Decodes and averages down to at most ANALYSIS_MAX_SIDE (box filter, like the browser's
/// resize), as RGBA.
fn load(path: &Path) -> Option<(Vec<u8>, u32, u32)> {
    let img = match image::open(path) {
        Ok(i) => i.to_rgba8(),
        Err(e) => {
            println!("SKIP {}: {e}", path.display());
            return None;
        }
    };
    let (sw, sh) = img.dimensions();
    let (w, h) = fit_side(sw, sh, ANALYSIS_MAX_SIDE);
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        let (y0, y1) = (y * sh / h, ((y + 1) * sh / h).max(y * sh / h + 1));
        for x in 0..w {
            let (x0, x1) = (x * sw / w, ((x + 1) * sw / w).max(x * sw / w + 1));
            let mut acc = [0u64; 4];
            for yy in y0..y1 {
                for xx in x0..x1 {
                    let p = img.get_pixel(xx, yy).0;
                    for i in 0..4 {
                        acc[i] += u64::from(p[i]);
                    }
                }
            }
            let n = u64::from((y1 - y0) * (x1 - x0));
            out.extend(acc.iter().map(|a| (a / n) as u8));
        }
    }
    // Transparent pixels are shown on white, as a page would show them.
    for p in out.chunks_exact_mut(4) {
        let a = u32::from(p[3]);
        for c in &mut p[..3] {
            *c = ((u32::from(*c) * a + 255 * (255 - a)) / 255) as u8;
        }
        p[3] = 255;
    }
    Some((out, w, h))
}

struct Tally {
    what: &'static str,
    n: usize,
    old: usize,
    prev: usize,
    new: usize,
}

impl Tally {
    fn add(&mut self, name: &str, rgba: &[u8], w: u32, h: u32) {
        let a = photo_quality::analyze(rgba, w, h);
        let new = new_too_bright(&a, w, h);
        println!("{}", line(name, &a, new));
        self.n += 1;
        self.old += usize::from(old_too_bright(&a));
        self.prev += usize::from(prev_too_bright(&a));
        self.new += usize::from(new);
    }
}

pub fn measure() {
    println!("cache: {}", cache().display());
    let mut sources = Vec::new();
    for &((pkg, version, licence), _, _) in DOCUMENTS.iter().chain(PHOTOS) {
        if !sources.contains(&(pkg, version, licence)) {
            sources.push((pkg, version, licence));
        }
    }
    for (pkg, version, licence) in &sources {
        println!("source: Debian {pkg} {version}, {licence}");
    }
    let find = |(pkg, version, _): (&str, &str, &str), dir: &str, file: &str| {
        package(pkg, version).map(|d| d.join(dir).join(file))
    };
    let mut clean = Tally {
        what: "document images as they are (false warnings)",
        n: 0,
        old: 0,
        prev: 0,
        new: 0,
    };
    let mut blown_docs = Tally {
        what: "document photos blown out (gain 3.5, flare 0.28)",
        n: 0,
        old: 0,
        prev: 0,
        new: 0,
    };
    let mut photos = Tally {
        what: "photos as they are (warnings)",
        n: 0,
        old: 0,
        prev: 0,
        new: 0,
    };
    let mut blown3 = Tally {
        what: "photos blown out (gain 3, flare 0.05)",
        n: 0,
        old: 0,
        prev: 0,
        new: 0,
    };
    let mut blown5 = Tally {
        what: "photos blown out (gain 5, flare 0.1)",
        n: 0,
        old: 0,
        prev: 0,
        new: 0,
    };
    let mut clipped60 = Tally {
        what: "photos blown out until 60 % clip (flare 0.1)",
        n: 0,
        old: 0,
        prev: 0,
        new: 0,
    };
    for &(src, dir, file) in DOCUMENTS {
        let Some((rgba, w, h)) = find(src, dir, file).and_then(|p| load(&p)) else {
            continue;
        };
        clean.add(&format!("{}/{dir}{file} {w}x{h}", src.0), &rgba, w, h);
        if DOCUMENT_PHOTOS.contains(&file) {
            let mut b = rgba.clone();
            synth::expose(&mut b, 3.5, 0.28);
            blown_docs.add(&format!("{file} blown out"), &b, w, h);
        }
    }
    for &(src, dir, file) in PHOTOS {
        let Some((rgba, w, h)) = find(src, dir, file).and_then(|p| load(&p)) else {
            continue;
        };
        photos.add(&format!("{}/{dir}{file} {w}x{h}", src.0), &rgba, w, h);
        for (tally, gain, flare) in [(&mut blown3, 3.0, 0.05), (&mut blown5, 5.0, 0.1)] {
            let mut b = rgba.clone();
            synth::expose(&mut b, gain, flare);
            tally.add(&format!("{file} ×{gain}"), &b, w, h);
        }
        let gain = synth::gain_to_clip(&rgba, 0.6);
        let mut b = rgba.clone();
        synth::expose(&mut b, gain, 0.1);
        clipped60.add(&format!("{file} ×{gain:.1} (60 % clipped)"), &b, w, h);
    }
    println!();
    for t in [&clean, &photos, &blown_docs, &blown3, &blown5, &clipped60] {
        println!(
            "{:<52} {:>3} images: too bright by the old rule {:>3}, the previous {:>3}, the new {:>3}",
            t.what, t.n, t.old, t.prev, t.new
        );
    }
}
