//! Links the app's wasm with `--emit-relocs`: the relocations tell `baoming-wasm-split`
//! (Trunk's post-build hook, `wasm-split/`) which code and data each function uses, so it
//! can cut the module at the `#[wasm_split]` points of `src/lazy.rs`. Only the app's binary
//! for wasm32 gets it; host builds and tests are unaffected.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-bin=baoming=--emit-relocs");
    }
}
