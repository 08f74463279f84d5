// The browser journeys on WebKit (tests/webkit): Playwright is the runner, WebKitGTK's
// MiniBrowser the browser, driven through Debian's WebKitWebDriver (support/webkit.ts).
// `cargo xtask test` starts Xvfb, the driver and the same servers as the Chromium journeys.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests/webkit",
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // One WebKitWebDriver serves one session at a time.
  workers: 1,
  // One retry, in a fresh session: WebKitGTK's web process under Xvfb has crashed once at
  // the start of a test ("WebProcess CRASHED" in the driver's log, NoSuchSessionError here)
  // after the journeys before it had passed. A test that fails twice fails; one that passes
  // on its retry is counted as flaky in `cargo xtask test`'s summary, never hidden.
  retries: 1,
  forbidOnly: true,
  // BAOMING_GREP=<regex> runs only the tests whose titles match (a developer's loop; CI sets none).
  grep: process.env.BAOMING_GREP ? new RegExp(process.env.BAOMING_GREP) : undefined,
  reporter: [["list"]],
  outputDir: "target/playwright-webkit-results",
});
