#!/bin/sh
# Trunk's post-build hook (Trunk.toml): splits the app's wasm at its lazy-loading points
# and replaces what Trunk staged (see wasm-split/src/main.rs). `cargo xtask` passes the
# tool it built in BAOMING_WASM_SPLIT; a developer's `trunk build` / `trunk serve` builds
# it here with their own cargo.
set -eu
cd "${TRUNK_SOURCE_DIR:-.}"
target="${CARGO_TARGET_DIR:-target}"
built="$target/wasm32-unknown-unknown/${TRUNK_PROFILE:?run by trunk}/baoming.wasm"
if [ -n "${BAOMING_WASM_SPLIT:-}" ]; then
    exec "$BAOMING_WASM_SPLIT" --input "$built"
fi
exec cargo run --quiet --locked -p baoming-wasm-split -- --input "$built"
