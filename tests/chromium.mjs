// The system Chromium, and the flags a machine without internet needs (TOOLCHAIN.md §4), for
// every Node script that starts it: the journeys (playwright.config.ts), the benchmarks
// (tests/bench/) and the performance measures (tests/perf/). Never a downloaded browser.
// (xtask's wasm test runner, in Rust, keeps its own list: xtask/src/test.rs CHROMIUM_ARGS.)

export const CHROME_PATH = process.env.CHROME_PATH || "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
