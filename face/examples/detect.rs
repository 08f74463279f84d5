//! Prints the faces found in photos: `cargo run -p baoming-face --example detect -- A.jpg …`
//! (the photo shrunk to the web app's search size, as 自动处理 does).

fn main() {
    let model = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/model/face-model-v1.bin"
    ))
    .expect("the model");
    let cascade = baoming_face::Cascade::parse(&model).expect("a valid model");
    for path in std::env::args().skip(1) {
        let photo = image::open(&path).expect("a photo").to_rgba8();
        let (w, h) = baoming_face::search_size(photo.width(), photo.height());
        let small = image::imageops::resize(&photo, w, h, image::imageops::FilterType::Triangle);
        let gray = baoming_face::Gray::from_rgba(small.as_raw(), w, h);
        let started = std::time::Instant::now();
        let faces = baoming_face::detect(&cascade, &gray, &baoming_face::Search::default());
        let took = started.elapsed();
        let k = photo.width() as f32 / w as f32;
        println!(
            "{path}: {}x{} searched at {w}x{h} in {took:.1?}",
            photo.width(),
            photo.height()
        );
        let mut drawn = small.clone();
        for (i, f) in faces.iter().enumerate() {
            let head = f.head();
            let f = f.scaled(k);
            println!(
                "  face x {:.0} y {:.0} size {:.0} neighbours {}",
                f.x, f.y, f.size, f.neighbours
            );
            let colour = if i == 0 {
                image::Rgba([255, 0, 0, 255])
            } else {
                image::Rgba([0, 160, 255, 255])
            };
            let small_face = faces[i];
            let (x0, y0, s) = (
                small_face.x as i64,
                small_face.y as i64,
                small_face.size as i64,
            );
            let mut put = |x: i64, y: i64| {
                if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                    drawn.put_pixel(x as u32, y as u32, colour);
                }
            };
            for t in 0..s {
                put(x0 + t, y0);
                put(x0 + t, y0 + s);
                put(x0, y0 + t);
                put(x0 + s, y0 + t);
            }
            for t in -s / 2..s + s / 2 {
                put(x0 + t, head.crown as i64);
                put(x0 + t, head.chin as i64);
            }
        }
        // Save a copy with the faces drawn (the first in red, with the head's crown and chin).
        if let Ok(dir) = std::env::var("DRAW") {
            let name = std::path::Path::new(&path)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string();
            drawn.save(format!("{dir}/{name}.png")).unwrap();
        }
    }
}
