// Portrait benchmark (prints figures; not a test): the app's 个人照片 auto-fix against the
// JavaScript library browser-image-compression, on the same real photos, in the same
// headless Chromium run.
//
//   node tests/bench/portrait.mjs --photos DIR [--app URL --api ORIGIN] [--runs N]
//                                 [--only ours|library] [--json FILE]
//
// `cargo xtask bench-photos` prepares the photos (tests/bench/photos.json), starts the
// reference backend and a static server for dist/, and runs this script. By hand:
//   --app   the built app, e.g. http://127.0.0.1:8815/
//   --api   the backend's origin, e.g. http://127.0.0.1:8795 (started with --dev, and
//           --allowed-origin set to the app's origin)
// Without --app only the library half runs.
//
// Ours, per photo and run: a fresh candidate's application is open at step ④ (the draft is
// saved through the API); the photo goes into the 个人照片 slot's file input, then
// 自动处理 (button[data-action=fix]), 生成一寸照 (button[data-action=render]) and the result
// (.bm-fixer__result with data-bytes/-width/-height) is read, with the app's performance
// measures baoming:photo-inspect and baoming:portrait-render; 取消 (fix-cancel) resets.
// When 自动处理 opens, its head search (baoming:face-search) is awaited and, for photos whose
// manifest entry has a hand-checked `head`, where that head lands in the app's frame is
// judged against the app's guide.
// "total" is the page's own clock from the input's change event to the result appearing in
// the DOM (so it includes the two clicks' round trips, a few ms, but not the file transfer).
// Library: imageCompression(file, {maxSizeMB: 80/1024, maxWidthOrHeight: 413,
// useWebWorker: true, fileType: "image/jpeg", initialQuality: 0.92}) timed in the page.
// Both halves record the page's main-thread long tasks (PerformanceObserver "longtask",
// tasks over 50 ms) during each run and report the longest.
import { readFile, writeFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const MANIFEST = join(HERE, "photos.json");
const LIBRARY = join(ROOT, "node_modules", "browser-image-compression", "dist", "browser-image-compression.js");

const WINDOW = { min: 40 * 1024, max: 80 * 1024 };
const TARGET = { width: 295, height: 413 };
const LIBRARY_OPTIONS = {
  maxSizeMB: 80 / 1024,
  maxWidthOrHeight: 413,
  useWebWorker: true,
  fileType: "image/jpeg",
  initialQuality: 0.92,
};
const STEP_TIMEOUT = 180_000;

// ---------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const opts = {
    photos: join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "baoming", "bench-photos"),
    runs: 3,
    only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? usage(`${key} needs a value`);
    switch (key) {
      case "--app": opts.app = value(); break;
      case "--api": opts.api = value().replace(/\/+$/, ""); break;
      case "--photos": opts.photos = value(); break;
      case "--runs": opts.runs = Number(value()); break;
      case "--only": opts.only = value(); break;
      case "--json": opts.json = value(); break;
      case "-h": case "--help": usage();
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (!(Number.isInteger(opts.runs) && opts.runs >= 1)) usage("--runs needs a whole number ≥ 1");
  if (opts.only && !["ours", "library"].includes(opts.only)) usage("--only is ours or library");
  if (opts.only !== "library" && !opts.app) {
    if (opts.only === "ours") usage("--only ours needs --app and --api");
    opts.only = "library";
    console.log("no --app: running the library half only\n");
  }
  if (opts.app && !opts.api) usage("--app needs --api (the backend's origin)");
  if (opts.app && !opts.app.endsWith("/")) opts.app += "/";
  return opts;
}

function usage(problem) {
  if (problem) console.error(`error: ${problem}\n`);
  console.error(
    "usage: node tests/bench/portrait.mjs --photos DIR [--app URL --api ORIGIN] [--runs N] [--only ours|library] [--json FILE]",
  );
  process.exit(problem ? 2 : 0);
}

// ---------------------------------------------------------------------------------------
// Photos

async function loadPhotos(dir) {
  const manifest = JSON.parse(await readFile(MANIFEST, "utf8"));
  const photos = [];
  for (const entry of manifest.photos) {
    const path = join(dir, entry.file);
    if (!existsSync(path)) {
      console.log(`missing ${path}: skipped (\`cargo xtask bench-photos --prepare-only\` fetches the photos)`);
      continue;
    }
    const [width, height] = entry.pixels.split("x").map(Number);
    photos.push({ ...entry, path, bytes: (await stat(path)).size, width, height });
  }
  if (photos.length === 0) throw new Error(`no photos in ${dir}`);
  return photos;
}

// ---------------------------------------------------------------------------------------
// In-page instrumentation (both pages)

/** Installed before any page script: long tasks, the file input's change event, and the
 * moment the fixer's result appears. */
function instrument() {
  const bench = (window.__bench = { longtasks: [], picked: null, resultAt: null, workerErrors: [], workers: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {
    bench.noLongtask = String(e);
  }
  document.addEventListener(
    "change",
    (e) => {
      if (e.target instanceof HTMLInputElement && e.target.type === "file") bench.picked = performance.now();
    },
    true,
  );
  const watch = () => {
    new MutationObserver(() => {
      if (bench.resultAt === null && document.querySelector(".bm-fixer__result")) bench.resultAt = performance.now();
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true });
  };
  if (document.documentElement) watch();
  else document.addEventListener("DOMContentLoaded", watch);
  bench.arm = () => {
    bench.picked = null;
    bench.resultAt = null;
    bench.armedAt = performance.now();
  };
  bench.longestSince = (from, to = performance.now()) =>
    bench.longtasks.filter((t) => t.start >= from && t.start < to).reduce((m, t) => Math.max(m, t.duration), 0);
  // Every canvas.toBlob (the app encodes its JPEGs with it): how long until the blob came.
  bench.encodes = [];
  const toBlob = HTMLCanvasElement.prototype.toBlob;
  HTMLCanvasElement.prototype.toBlob = function (callback, ...rest) {
    const start = performance.now();
    return toBlob.call(
      this,
      (blob) => {
        bench.encodes.push({ start, ms: performance.now() - start });
        callback(blob);
      },
      ...rest,
    );
  };
  // The library's Web Worker: counted, and its failures kept (it falls back to the main
  // thread silently when the worker cannot start).
  const RealWorker = window.Worker;
  if (RealWorker) {
    window.Worker = class extends RealWorker {
      constructor(...args) {
        super(...args);
        bench.workers += 1;
        this.addEventListener("message", (e) => {
          if (e.data && e.data.error) bench.workerErrors.push(String(e.data.error).split("\n")[0]);
        });
        this.addEventListener("error", (e) => bench.workerErrors.push(String(e.message)));
      }
    };
  }
}

async function settle(page) {
  // Long-task entries are delivered after the task ends; give the observer a moment.
  await page.waitForTimeout(150);
}

// ---------------------------------------------------------------------------------------
// Ours: the app's portrait fixer

const PASSWORD = "abcd1234";

function freshPhone() {
  const tail = `${Date.now() % 100_000_000}`.padStart(8, "0");
  return `137${tail}`;
}

/** The contract's example draft (contract::application::example_draft), condition
 * level3_plus_five_years, so that steps ①–③ are complete. */
function exampleDraft(phone) {
  const row = (start, end, occupation) => ({
    start,
    end,
    unit: "石家庄某某电子商务有限公司",
    occupation,
    witness: "王经理",
  });
  return {
    identity: "employee",
    condition: "level3_plus_five_years",
    name: "张三",
    gender: "female",
    id_number: "11010519491231002X",
    education: "junior_college",
    phone,
    employer: "石家庄某某电子商务有限公司",
    employer_address: "河北省石家庄市长安区中山东路1号",
    employer_hr_phone: "0311-87654321",
    current_post: "网店运营",
    current_post_years: 6,
    certificate: {
      name_and_level: "电子商务师 三级",
      number: "S000013000000123",
      issued_on: "2019-06-30",
      issuer: "河北省人力资源和社会保障厅",
    },
    history: [row("2019-07", "2022-12", "电子商务师"), row("2023-01", "", "营销员")],
  };
}

async function api(request, method, url, data) {
  const res = await request.fetch(url, { method, data, failOnStatusCode: false });
  const text = await res.text();
  if (!res.ok()) throw new Error(`${method} ${url}: ${res.status()} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** A fresh candidate with an application whose steps ①–③ are filled, open at step ④. */
async function openStepFour(context, opts) {
  const { request } = context; // shares the browser context's cookies (the session)
  const base = `${opts.api}/api/v1`;
  const phone = freshPhone();
  await api(request, "POST", `${base}/sms-codes`, { phone, purpose: "register" });
  const outbox = await api(request, "GET", `${base}/dev/sms-outbox?phone=${phone}`);
  const code = outbox.messages?.[0]?.code;
  if (!/^\d{6}$/.test(code ?? "")) throw new Error(`no SMS code for ${phone} in the development outbox (is the backend in --dev mode?)`);
  await api(request, "POST", `${base}/accounts`, { phone, code, password: PASSWORD });
  const { plans } = await api(request, "GET", `${base}/plans`);
  const plan = plans.find((p) => p.state === "open" && p.occupation === "ecommerce_specialist") ?? plans.find((p) => p.state === "open");
  if (!plan) throw new Error("the backend has no open plan");
  const app = await api(request, "POST", `${base}/plans/${encodeURIComponent(plan.id)}/applications`);
  await api(request, "PUT", `${base}/applications/${encodeURIComponent(app.id)}/draft`, {
    base_version: app.version,
    draft: exampleDraft(phone),
  });

  const page = await context.newPage();
  await page.addInitScript(instrument);
  await page.goto(new URL(`applications/${encodeURIComponent(app.id)}/step/4`, opts.app).toString());
  const slot = page.locator("section.bm-slot[data-material=portrait]");
  try {
    await slot.waitFor({ timeout: 30_000 });
  } catch {
    throw new Error(
      `step ④ shows no section.bm-slot[data-material=portrait] (url ${page.url()}); the app may predate the upload-slot hooks of the portrait fixer`,
    );
  }
  return { page, slot };
}

async function measures(page, name) {
  return page.evaluate((n) => performance.getEntriesByName(n, "measure").map((m) => m.duration), name);
}

async function problemsOf(slot) {
  return slot.locator("ul.bm-slot__problems > li[data-problem]").evaluateAll((lis) => lis.map((li) => li.dataset.problem));
}

async function oursOnce(page, slot, photo) {
  const before = {
    inspect: (await measures(page, "baoming:photo-inspect")).length,
    render: (await measures(page, "baoming:portrait-render")).length,
  };
  await page.evaluate(() => window.__bench.arm());
  const nodeStart = performance.now();
  await slot.locator('input[type="file"]').setInputFiles(photo.path);

  // The verdict: a new photo-inspect measure, and the slot past "checking".
  try {
    await page.waitForFunction(
      ({ n }) => {
        const s = document.querySelector("section.bm-slot[data-material=portrait]");
        return performance.getEntriesByName("baoming:photo-inspect", "measure").length > n && s && s.dataset.state !== "checking";
      },
      { n: before.inspect },
      { timeout: STEP_TIMEOUT, polling: 20 },
    );
  } catch (e) {
    const state = await slot.getAttribute("data-state");
    throw new Error(`no verdict for ${photo.file} (no new baoming:photo-inspect measure; slot data-state=${state}): ${e.message.split("\n")[0]}`);
  }
  const inspect = (await measures(page, "baoming:photo-inspect")).at(-1);
  const problems = await problemsOf(slot);
  const fix = slot.locator('button[data-action="fix"]');
  const offered = await fix.waitFor({ state: "visible", timeout: 2_000 }).then(
    () => true,
    () => false,
  );
  if (!offered) {
    const state = await slot.getAttribute("data-state");
    await settle(page);
    const longest = await page.evaluate(() => window.__bench.longestSince(window.__bench.armedAt));
    await resetSlot(page, slot);
    return { inspect, problems, outcome: `no 自动处理 (data-state=${state}; problems: ${problems.join(", ") || "none"})`, longest };
  }
  await fix.click();
  const head = await headPlacement(page, slot, photo);
  const render = slot.locator('button[data-action="render"]');
  await render.click({ timeout: 30_000 });
  const result = slot.locator(".bm-fixer__result");
  try {
    await page.waitForFunction(
      (n) => performance.getEntriesByName("baoming:portrait-render", "measure").length > n,
      before.render,
      { timeout: STEP_TIMEOUT, polling: 20 },
    );
  } catch (e) {
    throw new Error(`生成一寸照 recorded no baoming:portrait-render measure for ${photo.file}: ${e.message.split("\n")[0]}`);
  }
  try {
    await result.waitFor({ timeout: 5_000 });
  } catch {
    const text = (await slot.locator(".bm-fixer").innerText().catch(() => "")).replace(/\s+/g, " ").slice(0, 200);
    throw new Error(`生成一寸照 finished (measure recorded) but showed no .bm-fixer__result for ${photo.file}; the fixer says: ${text}`);
  }
  const nodeWall = performance.now() - nodeStart;
  const [bytes, width, height] = await Promise.all(
    ["data-bytes", "data-width", "data-height"].map(async (a) => Number(await result.getAttribute(a))),
  );
  const renderMs = (await measures(page, "baoming:portrait-render")).at(-1);
  await settle(page);
  const timing = await page.evaluate(() => {
    const b = window.__bench;
    return {
      picked: b.picked,
      resultAt: b.resultAt,
      longest: b.longestSince(b.armedAt),
      encodes: b.encodes.filter((e) => e.start >= b.armedAt).map((e) => e.ms),
    };
  });
  await page.locator('button[data-action="fix-cancel"]').click();
  await page.waitForFunction(
    () => document.querySelector("section.bm-slot[data-material=portrait]")?.dataset.state !== "fixing",
    null,
    { timeout: 10_000 },
  );
  await resetSlot(page, slot);
  return {
    inspect,
    problems,
    render: renderMs,
    total: timing.picked !== null && timing.resultAt !== null ? timing.resultAt - timing.picked : null,
    nodeWall,
    bytes,
    width,
    height,
    longest: timing.longest,
    encodes: timing.encodes,
    ...head,
  };
}

/** Once 自动处理 is open: waits for its head search, and says where the photo's labelled head
 * (tests/bench/photos.json `head`) sits in the frame the app chose, against the app's own
 * guide (`data-guide`: top, height and tolerance in thousandths of the frame). */
async function headPlacement(page, slot, photo) {
  const fixer = slot.locator(".bm-fixer");
  const before = (await measures(page, "baoming:face-search")).length;
  await page.waitForFunction(
    () => document.querySelector(".bm-fixer")?.dataset.face !== "searching",
    null,
    { timeout: STEP_TIMEOUT, polling: 20 },
  );
  const finder = await fixer.getAttribute("data-face");
  const search = (await measures(page, "baoming:face-search")).slice(before).at(-1) ?? null;
  const frame = slot.locator(".bm-fixer__frame");
  const [x, y, w, h] = (await frame.getAttribute("data-rect")).split(",").map(Number);
  const [workW] = (await frame.getAttribute("data-working")).split(",").map(Number);
  const [top, height, tolerance] = (await fixer.getAttribute("data-guide")).split(",").map((v) => Number(v) / 1000);
  if (!photo.head) return { finder, search, inGuide: null };
  const k = workW / photo.width;
  const crown = (photo.head.crown * k - y) / h;
  const chin = (photo.head.chin * k - y) / h;
  const centre = (((photo.head.left + photo.head.right) / 2) * k - x) / w;
  const inGuide =
    Math.abs(crown - top) <= tolerance && Math.abs(chin - (top + height)) <= tolerance && Math.abs(centre - 0.5) <= tolerance;
  return { finder, search, inGuide, placement: { crown, chin, centre } };
}

/** Leaves the slot ready for the next photo: an upload that started is deleted. */
async function resetSlot(page, slot) {
  const state = await slot.getAttribute("data-state");
  if (state === "uploading") {
    await slot.locator('button[data-action="cancel"]').click().catch(() => {});
  } else if (state === "uploaded") {
    await slot.locator('button[data-action="delete"]').click().catch(() => {});
  }
  await page.waitForTimeout(50);
}

// ---------------------------------------------------------------------------------------
// The library, in its own page

const LIB_ORIGIN = "http://bench.localhost";

async function openLibraryPage(context, photos) {
  const page = await context.newPage();
  // A blank page on its own (routed, never networked) origin, so that the photos and the
  // library can be fetched; the library's worker imports the library from a blob URL
  // (its default is a CDN this machine cannot reach).
  const byName = new Map(photos.map((p) => [p.file, p.path]));
  await page.route(`${LIB_ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/") return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>library</title>" });
    if (path === "/lib.js") return route.fulfill({ contentType: "text/javascript", body: await readFile(LIBRARY) });
    const file = path.startsWith("/photos/") && byName.get(decodeURIComponent(path.slice(8)));
    if (file) return route.fulfill({ contentType: "image/jpeg", body: await readFile(file) });
    return route.fulfill({ status: 404, body: "not found" });
  });
  await page.addInitScript(instrument);
  await page.goto(`${LIB_ORIGIN}/`);
  await page.addScriptTag({ url: `${LIB_ORIGIN}/lib.js` });
  await page.evaluate(async () => {
    const text = await (await fetch("/lib.js")).text();
    window.__libURL = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
  });
  return page;
}

async function libraryOnce(page, photo) {
  return page.evaluate(
    async ({ file, options }) => {
      const blob = await (await fetch(`/photos/${encodeURIComponent(file)}`)).blob();
      const input = new File([blob], file, { type: "image/jpeg" });
      const b = window.__bench;
      const errorsBefore = b.workerErrors.length;
      const workersBefore = b.workers;
      await new Promise((r) => setTimeout(r, 50));
      b.arm();
      const t0 = performance.now();
      const out = await window.imageCompression(input, { ...options, libURL: window.__libURL });
      const ms = performance.now() - t0;
      const t1 = performance.now();
      await new Promise((r) => setTimeout(r, 150));
      const longest = b.longestSince(t0, t1);
      const bitmap = await createImageBitmap(out);
      const result = {
        ms,
        bytes: out.size,
        type: out.type,
        width: bitmap.width,
        height: bitmap.height,
        longest,
        workers: b.workers - workersBefore,
        workerError: b.workerErrors.slice(errorsBefore)[0] ?? null,
      };
      bitmap.close();
      return result;
    },
    { file: photo.file, options: LIBRARY_OPTIONS },
  );
}

async function sourcePixels(page, photo) {
  return page.evaluate(async (file) => {
    const blob = await (await fetch(`/photos/${encodeURIComponent(file)}`)).blob();
    const bitmap = await createImageBitmap(blob);
    const size = [bitmap.width, bitmap.height];
    bitmap.close();
    return size;
  }, photo.file);
}

// ---------------------------------------------------------------------------------------
// Figures

const median = (xs) => {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const inWindow = (bytes) => bytes >= WINDOW.min && bytes <= WINDOW.max;
const kb = (bytes) => (bytes == null ? "-" : (bytes / 1024).toFixed(1));
const ms = (x) => (x == null ? "-" : x < 1 ? "<1" : Math.round(x).toString());
const longMs = (x) => (x == null ? "-" : x === 0 ? "<50" : Math.round(x).toString());

function summarise(photo, ours, library) {
  const row = { photo: photo.file, px: `${photo.width}x${photo.height}`, srcKb: kb(photo.bytes) };
  const oursOk = ours.filter((r) => r.bytes !== undefined);
  if (ours.length === 0) {
    Object.assign(row, { inspect: "", render: "", total: "", oursKb: "", oursPx: "", oursIn: "", oursLong: "" });
  } else if (oursOk.length === 0) {
    Object.assign(row, {
      inspect: ms(median(ours.map((r) => r.inspect))),
      render: "-",
      total: "-",
      oursKb: "-",
      oursPx: "-",
      oursIn: "n/a",
      oursLong: longMs(median(ours.map((r) => r.longest))),
      note: ours[0].outcome,
    });
  } else {
    const bytes = median(oursOk.map((r) => r.bytes));
    const pxs = [...new Set(oursOk.map((r) => `${r.width}x${r.height}`))];
    Object.assign(row, {
      inspect: ms(median(oursOk.map((r) => r.inspect))),
      render: ms(median(oursOk.map((r) => r.render))),
      total: ms(median(oursOk.map((r) => r.total))),
      oursKb: kb(bytes),
      oursPx: pxs.join("/"),
      oursIn: oursOk.every((r) => inWindow(r.bytes)) ? "yes" : oursOk.some((r) => inWindow(r.bytes)) ? "some" : "NO",
      oursLong: longMs(median(oursOk.map((r) => r.longest))),
      face: ms(median(oursOk.map((r) => r.search))),
      finder: [...new Set(oursOk.map((r) => r.finder))].join("/"),
      head: oursOk[0].inGuide === null ? "-" : oursOk.every((r) => r.inGuide) ? "yes" : oursOk.some((r) => r.inGuide) ? "some" : "NO",
    });
    // Runs far off the median are kept out of the table by the median; name them.
    const odd = [];
    for (const key of ["inspect", "render", "total", "longest"]) {
      const m = median(oursOk.map((r) => r[key]));
      oursOk.forEach((r, i) => {
        if (r[key] > 500 && r[key] > 3 * m) odd.push(`run ${i + 1} ${key === "longest" ? "long task" : key} ${ms(r[key])} ms (median ${ms(m)})`);
      });
    }
    if (odd.length) row.note = `ours outliers: ${odd.join(", ")}`;
    const encodes = oursOk.flatMap((r) => r.encodes ?? []);
    const slow = encodes.filter((x) => x >= 900);
    if (slow.length) {
      row.note = [row.note, `${slow.length} of ${encodes.length} canvas.toBlob calls took ≥ 0.9 s (${slow.map(ms).join(", ")} ms)`]
        .filter(Boolean)
        .join("; ");
    }
  }
  if (library.length === 0) {
    Object.assign(row, { libMs: "", libKb: "", libPx: "", libIn: "", libLong: "" });
  } else {
    const pxs = [...new Set(library.map((r) => `${r.width}x${r.height}`))];
    Object.assign(row, {
      libMs: ms(median(library.map((r) => r.ms))),
      libKb: kb(median(library.map((r) => r.bytes))),
      libPx: pxs.join("/"),
      libIn: library.every((r) => inWindow(r.bytes)) ? "yes" : library.some((r) => inWindow(r.bytes)) ? "some" : "no",
      libLong: longMs(median(library.map((r) => r.longest))),
    });
    if (library.some((r) => r.workers === 0)) row.note = [row.note, "library started no Web Worker"].filter(Boolean).join("; ");
    const werr = library.find((r) => r.workerError);
    if (werr) row.note = [row.note, `library worker failed, ran on the main thread: ${werr.workerError}`].filter(Boolean).join("; ");
  }
  return row;
}

const COLUMNS = [
  ["photo", "photo", "l"],
  ["px", "source px", "r"],
  ["srcKb", "src KB", "r"],
  ["|", "|", "l"],
  ["inspect", "inspect", "r"],
  ["render", "render", "r"],
  ["total", "total", "r"],
  ["oursKb", "out KB", "r"],
  ["oursPx", "out px", "r"],
  ["oursIn", "40-80KB", "r"],
  ["oursLong", "long task", "r"],
  ["face", "head ms", "r"],
  ["finder", "finder", "r"],
  ["head", "in guide", "r"],
  ["||", "|", "l"],
  ["libMs", "ms", "r"],
  ["libKb", "out KB", "r"],
  ["libPx", "out px", "r"],
  ["libIn", "40-80KB", "r"],
  ["libLong", "long task", "r"],
];

function printTable(rows, medianRow) {
  const all = [...rows, medianRow];
  const width = (key, title) => Math.max(title.length, ...all.map((r) => String(r[key] ?? (key.startsWith("|") ? "|" : "")).length));
  const widths = COLUMNS.map(([key, title]) => width(key, title));
  const cell = (text, i) => {
    const [, , align] = COLUMNS[i];
    const t = String(text ?? "");
    return align === "l" ? t.padEnd(widths[i]) : t.padStart(widths[i]);
  };
  const line = (r) => COLUMNS.map(([key], i) => cell(key.startsWith("|") ? "|" : r[key], i)).join("  ");
  const oursSpan = widths.slice(4, 14).reduce((a, b) => a + b + 2, -2);
  const libSpan = widths.slice(15).reduce((a, b) => a + b + 2, -2);
  const lead = widths.slice(0, 3).reduce((a, b) => a + b + 2, 0);
  console.log(
    " ".repeat(lead) + "|  " + "ours (app: 自动处理 → 生成一寸照), ms".padEnd(oursSpan) + "  |  " + "library (browser-image-compression)".padEnd(libSpan),
  );
  console.log(line(Object.fromEntries(COLUMNS.map(([key, title]) => [key, title]))));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  console.log(line(medianRow));
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.photo}: ${r.note}`);
  if (notes.length) console.log(`\nnotes:\n${notes.join("\n")}`);
}

function medianOfRows(rows) {
  const num = (key) => {
    const m = median(rows.map((r) => (r[key] === "<1" ? 0 : r[key] === "<50" ? 0 : Number(r[key]))).filter((x) => !Number.isNaN(x) && x !== null));
    return m;
  };
  const count = (key) => {
    const shown = rows.filter((r) => r[key] !== "" && r[key] !== undefined);
    return shown.length ? `${shown.filter((r) => r[key] === "yes").length}/${shown.length}` : "";
  };
  const f = (key, fmt) => (rows.some((r) => r[key] !== "" && r[key] !== undefined) ? fmt(num(key)) : "");
  return {
    photo: "median",
    px: "",
    srcKb: f("srcKb", (x) => x?.toFixed(1) ?? "-"),
    inspect: f("inspect", ms),
    render: f("render", ms),
    total: f("total", ms),
    oursKb: f("oursKb", (x) => x?.toFixed(1) ?? "-"),
    oursPx: "",
    oursIn: count("oursIn"),
    oursLong: f("oursLong", longMs),
    face: f("face", ms),
    finder: "",
    head: (() => {
      const labelled = rows.filter((r) => r.head === "yes" || r.head === "some" || r.head === "NO");
      return labelled.length ? `${labelled.filter((r) => r.head === "yes").length}/${labelled.length}` : "";
    })(),
    libMs: f("libMs", ms),
    libKb: f("libKb", (x) => x?.toFixed(1) ?? "-"),
    libPx: "",
    libIn: count("libIn"),
    libLong: f("libLong", longMs),
  };
}

// ---------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const photos = await loadPhotos(opts.photos);
  const browser = await launch();
  const version = browser.version();
  const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", viewport: { width: 360, height: 640 } });
  const raw = [];
  try {
    const doOurs = opts.only !== "library";
    const doLibrary = opts.only !== "ours";
    const ours = doOurs ? await openStepFour(context, opts) : null;
    // Also where the source photos are decoded once to report their pixels.
    const libPage = await openLibraryPage(context, photos);
    console.log(
      `portrait benchmark: ${photos.length} photos, ${opts.runs} run(s) each, median shown; Chromium ${version}` +
        (doOurs ? `; app ${opts.app}` : ""),
    );
    for (const photo of photos) {
      const [w, h] = await sourcePixels(libPage, photo);
      photo.width = w;
      photo.height = h;
      const runs = { photo: photo.file, ours: [], library: [] };
      for (let i = 0; i < opts.runs; i++) {
        // The measured page must be the front one: Chromium gives a page behind another
        // no frames, hence no idle periods, and canvas toBlob (an idle task) then waits
        // its 1 s time-out on every call.
        if (doOurs) {
          await ours.page.bringToFront();
          runs.ours.push(await oursOnce(ours.page, ours.slot, photo));
        }
        if (doLibrary) {
          await libPage.bringToFront();
          runs.library.push(await libraryOnce(libPage, photo));
        }
      }
      const last = (xs) => xs.at(-1);
      const o = last(runs.ours);
      const l = last(runs.library);
      console.log(
        `  ${photo.file.padEnd(16)} ${`${w}x${h}`.padStart(9)}  last run:` +
          (o ? `  ours ${o.bytes !== undefined ? `${ms(o.total)} ms ${kb(o.bytes)} KB` : o.outcome}` : "") +
          (l ? `  library ${ms(l.ms)} ms ${kb(l.bytes)} KB` : "") +
          (o?.problems ? `  (checks: ${o.problems.join(", ") || "none"})` : ""),
      );
      raw.push({ ...runs, summary: summarise(photo, runs.ours, runs.library) });
    }
  } finally {
    await browser.close();
  }
  console.log("");
  const rows = raw.map((r) => r.summary);
  printTable(rows, medianOfRows(rows));
  console.log(
    `\nours: inspect = baoming:photo-inspect, render = baoming:portrait-render (the app's measures); total = change event → result in the DOM.` +
      `\nlibrary: imageCompression(file, ${JSON.stringify(LIBRARY_OPTIONS)}), timed in the page.` +
      `\nhead ms = baoming:face-search (the head search when 自动处理 opens, model download included on the first photo); finder = browser (FaceDetector) or cascade; in guide = the labelled head's crown, chin and centre each within the app's tolerance of its guide.` +
      `\nlong task = longest main-thread task (PerformanceObserver "longtask", > 50 ms) during the run; "<50" = none.` +
      `\n40-80KB: "yes" when every run's output is within 40–80 KB (the 个人照片 rule; ours must also be ${TARGET.width}x${TARGET.height}).`,
  );
  if (opts.json) {
    await writeFile(opts.json, JSON.stringify({ chromium: version, options: LIBRARY_OPTIONS, photos: raw }, null, 2));
    console.log(`raw figures: ${opts.json}`);
  }
}

main().catch((e) => {
  console.error(`\nbench failed: ${e.stack || e}`);
  process.exit(1);
});
