//! The face finder as a WebAssembly module of its own, fetched by the web app only when
//! 自动处理 opens (`src/face.rs`), so the first visit carries none of it. It has no
//! JavaScript glue: plain exported functions over its own memory, which is all a search over
//! a grey image needs.
//!
//! Why a module of its own and not wasm-bindgen's glue or Trunk's lazy loading: Trunk cannot
//! split a wasm yet (trunk-rs/trunk#1022), and this part has a four-function interface, so
//! `WebAssembly.instantiateStreaming` on a plain module is the smallest thing that works. The
//! model (`face/model/face-model-v1.bin`) is inside it, so one download brings both.
//!
//! The protocol, all from one thread (the page's):
//! 1. `bm_alloc(len)` → a buffer for `width × height` RGBA bytes; the page writes them.
//! 2. `bm_begin(ptr, width, height)` → 1 when the search can start (0: bad size or model).
//! 3. `bm_step()` until it answers 0 (one scale per call; the page yields in between).
//! 4. `bm_finish()` → 1 when a face was found, then `bm_head()` points at three `f32`:
//!    crown, chin and the face's centre x, in the image's pixels.
//!
//! Built by Trunk's pre-build hook (Trunk.toml) for `wasm32-unknown-unknown`.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use baoming_face::{Cascade, Gray, HeadRatios, Scan, Search, locate_head, portrait_face};

static MODEL: &[u8] = include_bytes!("../../model/face-model-v1.bin");

struct State {
    cascade: Cascade,
    image: Gray,
    scan: Scan,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
    /// The input buffer handed out by `bm_alloc` (one at a time).
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Where `bm_head` points: crown, chin, centre x.
static mut HEAD: [f32; 3] = [0.0; 3];

/// A buffer of `len` bytes in this module's memory for the page to write the image into.
#[unsafe(no_mangle)]
pub extern "C" fn bm_alloc(len: usize) -> *mut u8 {
    INPUT.with(|b| {
        let mut b = b.borrow_mut();
        *b = vec![0; len];
        b.as_mut_ptr()
    })
}

/// Starts a search over the `width × height` RGBA image in the `bm_alloc` buffer.
#[unsafe(no_mangle)]
pub extern "C" fn bm_begin(width: u32, height: u32) -> u32 {
    let Ok(cascade) = Cascade::parse(MODEL) else {
        return 0;
    };
    let image = INPUT.with(|b| {
        let rgba = std::mem::take(&mut *b.borrow_mut());
        (rgba.len() == width as usize * height as usize * 4)
            .then(|| Gray::from_rgba(&rgba, width, height))
    });
    let Some(image) = image else {
        return 0;
    };
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            cascade,
            image,
            scan: Scan::new(Search::default()),
        })
    });
    1
}

/// Searches the next scale; 0 when the search is over.
#[unsafe(no_mangle)]
pub extern "C" fn bm_step() -> u32 {
    STATE.with(|s| {
        s.borrow_mut()
            .as_mut()
            .is_some_and(|st| st.scan.step(&st.cascade, &st.image)) as u32
    })
}

/// Ends the search: 1 when a face was found (then `bm_head` holds its head).
#[unsafe(no_mangle)]
pub extern "C" fn bm_finish() -> u32 {
    let Some(state) = STATE.with(|s| s.borrow_mut().take()) else {
        return 0;
    };
    match portrait_face(&state.scan.faces()) {
        Some(face) => {
            let head = locate_head(&state.image, &face, &HeadRatios::MEASURED);
            // SAFETY: one thread; nothing else holds a reference to HEAD.
            unsafe { HEAD = [head.crown, head.chin, head.centre_x] };
            1
        }
        None => 0,
    }
}

/// The three `f32` `bm_finish` wrote.
#[unsafe(no_mangle)]
pub extern "C" fn bm_head() -> *const f32 {
    &raw const HEAD as *const f32
}
