#!/bin/sh
# Trunk's pre-build hook (Trunk.toml): builds the face finder's own module and puts it into
# Trunk's staging folder as face-v1.wasm, beside index.html. Trunk has no step for a second
# wasm module that is not the app (trunk-rs/trunk#1022), hence this hook; `trunk build` and
# `trunk serve` stay the commands. Always a release build: the search is too slow unoptimised.
set -eu
cd "${TRUNK_SOURCE_DIR:-.}"
cargo build --quiet --release --locked -p baoming-face-wasm --target wasm32-unknown-unknown
target="${CARGO_TARGET_DIR:-target}"
built="$target/wasm32-unknown-unknown/release/baoming_face_wasm.wasm"
out="${TRUNK_STAGING_DIR:?run by trunk}/face-v1.wasm"
if command -v wasm-opt >/dev/null 2>&1; then
    # The same optimiser Trunk runs on the app; drops the names and debug sections too.
    wasm-opt -O3 --strip-debug --strip-producers "$built" -o "$out"
else
    cp "$built" "$out"
fi
