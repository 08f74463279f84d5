#!/usr/bin/env node
// First visits on a slow phone, measured for real: 登录, a wizard step and 待缴费 opened in
// Chromium with the network and the CPU actually throttled (what Lighthouse's "devtools"
// throttling applies for its mobile preset: 562.5 ms round trips, 1.47 Mbit/s down,
// 675 kbit/s up, a 4x slower CPU) and an empty HTTP cache, on a 412×823 screen.
//
//   node tests/perf/first-visit.mjs --app http://127.0.0.1:8807/ --api http://127.0.0.1:8789 \
//        [--chrome /usr/bin/chromium] [--runs 3] [--json target/xtask/first-visit.json]
//
// A benchmark, not a test: it prints figures and judges nothing. Per page, the medians of
// --runs visits of:
//   - first paint: the static shell (header and loading notice);
//   - content: the page's own content drawn by the app (登录's form, the wizard's form,
//     the payment QR code);
//   - requests and bytes on the wire up to then.
// Lighthouse (lighthouse.mjs) simulates the same phone; this is the real thing, slower to run.
//
// --app and --api as for lighthouse.mjs: the built app served compressed, and the reference
// backend in --dev mode.

import { writeFile } from "node:fs/promises";
import process from "node:process";

import * as constants from "lighthouse/core/config/constants.js";
import { chromium } from "playwright-core";

import { CHROMIUM_ARGS } from "../chromium.mjs";
import { logInThroughPage, prepareCandidate } from "./candidate.mjs";
import { parseOptions } from "./options.mjs";

// Lighthouse's own throttling for its mobile preset, as its "devtools" mode applies it.
const SLOW_4G = constants.throttling.mobileSlow4G;
const NETWORK = {
  offline: false,
  latency: SLOW_4G.requestLatencyMs,
  downloadThroughput: (SLOW_4G.downloadThroughputKbps * 1024) / 8,
  uploadThroughput: (SLOW_4G.uploadThroughputKbps * 1024) / 8,
};
const CPU_SLOWDOWN = SLOW_4G.cpuSlowdownMultiplier;
const SCREEN = { width: 412, height: 823 };

/** What "the page's content" is, per page. */
const CONTENT = {
  login: "form.bm-form",
  wizard: "form.bm-wizard",
  pay: ".bm-pay__qr svg",
};

/** Runs in the page before anything else: when the first paint and the content happened. */
function watch(selector) {
  window.__firstVisit = { paint: null, content: null };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name === "first-contentful-paint") window.__firstVisit.paint = entry.startTime;
    }
  }).observe({ type: "paint", buffered: true });
  const seen = () => {
    if (window.__firstVisit.content === null && document.querySelector(selector)) {
      // The frame that shows it: the next animation frame after the DOM has it.
      requestAnimationFrame(() => {
        window.__firstVisit.content ??= performance.now();
      });
      return true;
    }
    return false;
  };
  new MutationObserver((_, observer) => {
    if (seen()) observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
}

async function visit(context, url, selector) {
  const page = await context.newPage();
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", NETWORK);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    let requests = 0;
    let bytes = 0;
    cdp.on("Network.loadingFinished", (e) => {
      requests += 1;
      bytes += e.encodedDataLength;
    });
    await page.addInitScript(watch, selector);
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(() => window.__firstVisit?.content !== null, null, { timeout: 60_000 });
    const { paint, content } = await page.evaluate(() => window.__firstVisit);
    return { paint, content, requests, bytes };
  } finally {
    await page.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

async function main() {
  const opts = parseOptions(
    process.argv.slice(2),
    "first-visit.mjs",
    "--app URL --api ORIGIN [--chrome PATH] [--runs N] [--json FILE]",
    { own: { "--json": { key: "json", kind: "path" } }, defaults: { runs: 3, json: null } },
  );
  const browser = await chromium.launch({ executablePath: opts.chrome, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: SCREEN,
    deviceScaleFactor: 1.75,
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
  });
  const pages = [];
  try {
    const measure = async (name, url) => {
      const runs = [];
      for (let run = 0; run < opts.runs; run++) runs.push(await visit(context, url, CONTENT[name]));
      const row = {
        page: name,
        url,
        runs,
        firstPaintMs: Math.round(median(runs.map((r) => r.paint))),
        contentMs: Math.round(median(runs.map((r) => r.content))),
        requests: median(runs.map((r) => r.requests)),
        kib: Math.round(median(runs.map((r) => r.bytes)) / 102.4) / 10,
      };
      pages.push(row);
      console.log(
        `${name.padEnd(7)} first paint ${String(row.firstPaintMs).padStart(5)} ms   content ${String(row.contentMs).padStart(5)} ms   ` +
          `${row.requests} requests, ${row.kib} KiB`,
      );
    };
    console.log(`first visits, median of ${opts.runs} (RTT ${NETWORK.latency} ms, ${(SLOW_4G.downloadThroughputKbps / 1024).toFixed(2)} Mbit/s, CPU ÷${CPU_SLOWDOWN}, ${SCREEN.width}×${SCREEN.height})`);
    await measure("login", new URL("login", opts.app).toString());
    const candidate = await prepareCandidate(opts.api);
    await logInThroughPage(context, opts.app, candidate.phone);
    await measure("wizard", new URL(`applications/${candidate.draftId}/step/1`, opts.app).toString());
    await measure("pay", new URL(`pay/${candidate.payId}`, opts.app).toString());
  } finally {
    await browser.close();
  }
  if (opts.json) await writeFile(opts.json, JSON.stringify({ network: NETWORK, cpuSlowdown: CPU_SLOWDOWN, pages }, null, 2) + "\n");
}

main().catch((err) => {
  console.error(`first-visit.mjs: ${err?.stack ?? err}`);
  process.exit(1);
});
