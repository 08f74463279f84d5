// Browser journeys: Playwright driving the system Chromium (never a downloaded browser)
// against the real reference backend and the built app on plain static servers.
// `cargo xtask test` starts those servers and sets BAOMING_APP_URL, BAOMING_APP_SUBPATH_URL
// and BAOMING_API_ORIGIN.
import { defineConfig } from "@playwright/test";

import { CHROME_PATH, CHROMIUM_ARGS } from "./tests/chromium.mjs";

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  // BAOMING_GREP=<regex> runs only the tests whose titles match (a developer's loop; CI sets none).
  grep: process.env.BAOMING_GREP ? new RegExp(process.env.BAOMING_GREP) : undefined,
  reporter: [["list"]],
  use: {
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    viewport: { width: 360, height: 640 },
    launchOptions: { executablePath: CHROME_PATH, args: CHROMIUM_ARGS },
    trace: "off",
    screenshot: "only-on-failure",
  },
  outputDir: "target/playwright-results",
});
