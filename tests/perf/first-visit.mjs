#!/usr/bin/env node
// First visits on a slow phone, measured for real: 登录, a wizard step and 待缴费 opened in
// Chromium with the network and the CPU actually throttled (what Lighthouse's "devtools"
// throttling applies for its mobile preset: 562.5 ms round trips, 1.47 Mbit/s down,
// 675 kbit/s up, a 4x slower CPU) and an empty HTTP cache, on a 412×823 screen.
//
//   node tests/perf/first-visit.mjs --app http://127.0.0.1:8807/ --api http://127.0.0.1:8789 \
//        [--compare http://127.0.0.1:8808/] [--chrome /usr/bin/chromium] [--runs 3] \
//        [--json target/xtask/first-visit.json]
//
// --compare: the React comparison app (bench/size-compare, same screens, same selectors)
// served the same way against the same backend; its pages are measured in the same run, with
// the same candidate, and the ratio printed (goal: Baoming's content time ≤ 1.0× it).
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
    "--app URL --api ORIGIN [--compare URL] [--chrome PATH] [--runs N] [--json FILE]",
    {
      own: { "--json": { key: "json", kind: "path" }, "--compare": { key: "compare", kind: "url" } },
      defaults: { runs: 3, json: null, compare: null },
    },
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
  const apps = [["Baoming", opts.app]];
  if (opts.compare) apps.push(["React", opts.compare.endsWith("/") ? opts.compare : `${opts.compare}/`]);
  try {
    const measure = async (app, name, url) => {
      const runs = [];
      for (let run = 0; run < opts.runs; run++) runs.push(await visit(context, url, CONTENT[name]));
      const row = {
        app,
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
        `${app.padEnd(8)} ${name.padEnd(7)} first paint ${String(row.firstPaintMs).padStart(5)} ms   content ${String(row.contentMs).padStart(5)} ms   ` +
          `${row.requests} requests, ${row.kib} KiB`,
      );
    };
    console.log(`first visits, median of ${opts.runs} (RTT ${NETWORK.latency} ms, ${(SLOW_4G.downloadThroughputKbps / 1024).toFixed(2)} Mbit/s, CPU ÷${CPU_SLOWDOWN}, ${SCREEN.width}×${SCREEN.height})`);
    for (const [app, base] of apps) await measure(app, "login", new URL("login", base).toString());
    const candidate = await prepareCandidate(opts.api);
    // One log-in serves both apps: the session cookie belongs to the backend's origin.
    await logInThroughPage(context, opts.app, candidate.phone);
    for (const [app, base] of apps) {
      await measure(app, "wizard", new URL(`applications/${candidate.draftId}/step/1`, base).toString());
      await measure(app, "pay", new URL(`pay/${candidate.payId}`, base).toString());
    }
    if (opts.compare) {
      console.log("\ncontent time, Baoming ÷ React (goal ≤ 1.0×):");
      for (const name of Object.keys(CONTENT)) {
        const ours = pages.find((p) => p.app === "Baoming" && p.page === name);
        const theirs = pages.find((p) => p.app === "React" && p.page === name);
        console.log(
          `  ${name.padEnd(7)} ${(ours.contentMs / theirs.contentMs).toFixed(2)}×   (${ours.contentMs} ms against ${theirs.contentMs} ms; ` +
            `${ours.kib} KiB against ${theirs.kib} KiB on the wire)`,
        );
      }
    }
  } finally {
    await browser.close();
  }
  if (opts.json) await writeFile(opts.json, JSON.stringify({ network: NETWORK, cpuSlowdown: CPU_SLOWDOWN, pages }, null, 2) + "\n");
}

main().catch((err) => {
  console.error(`first-visit.mjs: ${err?.stack ?? err}`);
  process.exit(1);
});
