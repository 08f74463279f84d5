// Fault tolerance: every write the candidate makes — save draft, upload, 报名 (submit),
// 重新提交 (resubmit), create the WeChat Pay order, and the order's polling — made to fail with
// a 500, a time-out and offline, against the real reference backend. For each cell:
//   (a) while it fails, the page says so (the app's own words, src/i18n.rs) or shows that it
//       is retrying;
//   (b) where repeating is safe the app retries on its own and gets through once the failure
//       stops; where it has given up, its visible retry control works;
//   (c) nothing is lost or done twice, checked against what the backend stored.
//
// How the failures are made (page.route on the write's URL):
//   500      the contract's error envelope, {"error":{"code":"internal",…}}, from a fake
//            backend answer (the real backend never sees the request);
//   timeout  the request goes through to the backend, which does the work, but its answer
//            is held until after the app gave up: the harshest case for "nothing twice".
//            The app's time-out comes from config.json (`request_timeout_ms`), served here
//            with 2 s; uploads (XMLHttpRequest, a fixed 120 s) get theirs shortened by an
//            init script;
//   offline  the request is aborted as `internetdisconnected` (never reaches the backend).
//
// State is shared across the cells to spend few SMS codes (two accounts, three applications
// A, B, C) and remembered in a file for this run, so a worker restarted after a failing cell
// reuses it. Each cell first brings its application into the status it needs via the API.
import { expect, test, type APIResponse, type Page, type Route } from "@playwright/test";
import { apiOrigin, appUrl } from "./support/env";
import { field } from "./support/accounts";
import { documentJpeg } from "./support/images";
import { slotOf } from "./support/wizard";
import {
  ATTEMPTS,
  KINDS,
  MESSAGE,
  TIMEOUT_MS,
  Fault,
  bringTo,
  remember,
  sha256,
  theSetup,
  underReviewEvents,
  type Account,
  type Kind,
} from "./support/faults";

const api = () => `${apiOrigin()}/api/v1`;

// ---------------------------------------------------------------------------------------------
// Injecting failures

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Makes a write fail through Playwright's page.route (see `Fault` for the counting). */
async function faultOn(page: Page, kind: Kind, method: string, pathname: string): Promise<Fault> {
  const fault = new Fault(kind, method, pathname);
  await page.route((url) => url.pathname === pathname, (route) => handle(fault, route));
  return fault;
}

async function handle(fault: Fault, route: Route) {
  const request = route.request();
  if (request.method() !== fault.method) return route.fallback();
  if (!fault.take(request.headers()["idempotency-key"])) return route.fallback();
  switch (fault.kind) {
    case "500":
      return route.fulfill({
        status: 500,
        contentType: "application/json",
        // A real backend's answer carries CORS headers; without them the browser would see
        // a network failure instead of a 500.
        headers: {
          "Access-Control-Allow-Origin": request.headers()["origin"] ?? new URL(appUrl()).origin,
          "Access-Control-Allow-Credentials": "true",
        },
        body: JSON.stringify({ error: { code: "internal", message: "injected failure (faults.spec.ts)" } }),
      });
    case "offline":
      return route.abort("internetdisconnected");
    case "timeout": {
      // The backend does the work; its answer arrives after the app stopped waiting.
      let response: APIResponse | undefined;
      try {
        response = await route.fetch({ timeout: 30_000 });
      } catch {
        // The backend did not answer either; the request stays held.
      }
      await sleep(TIMEOUT_MS + 1_500);
      try {
        if (response) await route.fulfill({ response });
        else await route.abort("timedout");
      } catch {
        // The page gave up on the request meanwhile.
      }
      return;
    }
  }
}

/** Serves config.json with the real backend and a short time-out. */
async function shortTimeouts(page: Page) {
  await page.route(
    (url) => url.pathname.endsWith("/config.json"),
    (route) => route.fulfill({ json: { api_base: api(), request_timeout_ms: TIMEOUT_MS }, headers: { "Cache-Control": "no-cache" } }),
  );
}

/** Uploads use XMLHttpRequest with a fixed 120 s time-out (src/api/upload.rs UPLOAD_TIMEOUT), not
 * config.json's; shorten it so a timed-out upload does not take minutes. */
async function shortUploadTimeout(page: Page) {
  await page.addInitScript((ms) => {
    const own = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, "timeout")!;
    Object.defineProperty(XMLHttpRequest.prototype, "timeout", {
      ...own,
      set(value: number) {
        own.set!.call(this, value > 0 ? Math.min(value, ms) : value);
      },
    });
  }, TIMEOUT_MS);
}

/** Logs the page in as `account`, gives it the short time-outs and opens `to` (relative). */
async function open(page: Page, account: Account, to: string) {
  await page.context().addCookies(account.cookies);
  await shortTimeouts(page);
  await page.goto(new URL(to, appUrl()).toString());
}

/** What the backend stored, read with the page's own session cookie. */
async function stored(page: Page, id: string) {
  const res = await page.request.get(`${api()}/applications/${id}`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

const saveIndicator = (page: Page) => page.locator("p.bm-save");

// ---------------------------------------------------------------------------------------------
// The matrix

test.describe.configure({ mode: "default" });

test.beforeEach(async () => {
  test.setTimeout(90_000);
  await theSetup();
});

test.describe("save draft", () => {
  /** The unsaved edits the app keeps in the browser (src/components/draft_saver.rs). */
  const localCopy = (page: Page, id: string) =>
    page.evaluate((id) => JSON.parse(localStorage.getItem(`baoming.draft.${id}`) ?? "null")?.draft ?? null, id);
  const N: Record<Kind, number> = { "500": 500, timeout: 200, offline: 300 };

  for (const kind of KINDS) {
    test(`save draft × ${kind}`, async ({ page }) => {
      const s = await theSetup();
      await open(page, s.one, `applications/${s.a}/step/3`);
      await expect(field(page, "现从事岗位")).toBeVisible();
      await expect(saveIndicator(page)).toHaveAttribute("data-state", "saved");
      const fault = await faultOn(page, kind, "PUT", new URL(`${api()}/applications/${s.a}/draft`).pathname);

      // Step ③'s free-text fields, different values per cell and round.
      const post = `直播运营-${kind}-1`;
      const address = `河北省石家庄市裕华区槐安东路${N[kind] + 1}号`;
      fault.failAll();
      await field(page, "现从事岗位").fill(post);
      // (a) The indicator says it is saving (the API layer retries meanwhile), then that it
      // failed and will retry by itself.
      await expect(saveIndicator(page)).toHaveText("保存中");
      await expect(saveIndicator(page)).toHaveText("未能保存，将自动重试", { timeout: 15_000 });
      expect(fault.attempts, "the API layer retried before reporting").toBe(ATTEMPTS[kind]);
      // More typing while it fails: kept in the browser until the backend has it.
      await field(page, "单位地址").fill(address);
      await expect.poll(() => localCopy(page, s.a)).toMatchObject({ current_post: post, employer_address: address });

      // (b) The failure stops: saved without anything done on the page.
      let before = fault.attempts;
      fault.stop();
      await expect(saveIndicator(page)).toHaveText("已保存", { timeout: 30_000 });
      expect(fault.attempts).toBeGreaterThan(before);
      // (c) The backend has both edits; the browser's copy is gone.
      let app = await stored(page, s.a);
      expect(app.draft.current_post).toBe(post);
      expect(app.draft.employer_address).toBe(address);
      expect(await localCopy(page, s.a)).toBeNull();

      // Again, and the page is reloaded (or the tab closed and reopened) while it fails.
      const post2 = `直播运营-${kind}-2`;
      const address2 = `河北省石家庄市裕华区槐安东路${N[kind] + 2}号`;
      fault.failAll();
      await field(page, "现从事岗位").fill(post2);
      await expect(saveIndicator(page)).toHaveText("未能保存，将自动重试", { timeout: 15_000 });
      await field(page, "单位地址").fill(address2);
      await expect.poll(() => localCopy(page, s.a)).toMatchObject({ current_post: post2, employer_address: address2 });
      await page.reload();
      await expect(field(page, "现从事岗位")).toHaveValue(post2);
      await expect.soft(field(page, "单位地址"), "an edit typed during the failure survives a reload").toHaveValue(address2, { timeout: 5_000 });
      before = fault.attempts;
      fault.stop();
      await expect(saveIndicator(page)).toHaveText("已保存", { timeout: 30_000 });
      expect(fault.attempts).toBeGreaterThan(before);
      app = await stored(page, s.a);
      expect(app.draft.current_post).toBe(post2);
      expect(app.draft.employer_address, "the edit typed during the failure reached the backend").toBe(address2);
      expect(await localCopy(page, s.a)).toBeNull();
    });
  }
});

test.describe("upload", () => {
  // One document slot per cell; two different scans each (the second replaces the first).
  const SLOTS: Record<Kind, { slug: string; seeds: [number, number] }> = {
    "500": { slug: "social_insurance_proof", seeds: [21, 22] },
    timeout: { slug: "application_form", seeds: [23, 24] },
    offline: { slug: "intermediate_title_proof", seeds: [25, 26] },
  };
  for (const kind of KINDS) {
    test(`upload × ${kind}`, async ({ page }) => {
      const s = await theSetup();
      const { slug, seeds } = SLOTS[kind];
      if (kind === "timeout") await shortUploadTimeout(page);
      await open(page, s.one, `applications/${s.a}/step/4`);
      const slot = slotOf(page, slug);
      await expect(slot).toHaveAttribute("data-state", "uploaded");
      const fault = await faultOn(page, kind, "PUT", new URL(`${api()}/applications/${s.a}/documents/${slug}`).pathname);
      const storedFile = async () => (await stored(page, s.a)).documents.find((d: { material: string }) => d.material === slug);

      // Two attempts fail: the slot says it is retrying, then gets through by itself.
      const first = documentJpeg(1240, 1754, seeds[0]);
      fault.failNext(ATTEMPTS[kind] - 1);
      await slot.locator('input[type="file"]').setInputFiles({ name: "scan-1.jpg", mimeType: "image/jpeg", buffer: first });
      // Checked in the page on every frame: after a time-out the retry goes through at once, so
      // the message shows for about the retry's pause (1 s), which polling from here can miss.
      await page.waitForFunction(
        ([css, text]) => document.querySelector(css)?.textContent?.includes(text) ?? false,
        [`section.bm-slot[data-material="${slug}"]`, "上传未成功，正在自动重试（第 1 次）…"] as const,
        { polling: "raf", timeout: 15_000 },
      );
      await expect(slot).toHaveAttribute("data-state", "uploaded", { timeout: 30_000 });
      expect(fault.attempts).toBe(ATTEMPTS[kind]);
      expect(await storedFile()).toMatchObject({ sha256: sha256(first), size_bytes: first.length });

      // Every automatic attempt fails: a message and 重试上传, which works.
      const second = documentJpeg(1240, 1754, seeds[1]);
      fault.failNext(ATTEMPTS[kind]);
      await slot.locator('input[type="file"]').setInputFiles({ name: "scan-2.jpg", mimeType: "image/jpeg", buffer: second });
      await expect(slot.locator('[data-problem="upload_failed"]')).toHaveText(MESSAGE[kind], { timeout: 30_000 });
      expect(fault.attempts).toBe(2 * ATTEMPTS[kind]);
      await slot.locator('[data-action="retry"]').click();
      await expect(slot).toHaveAttribute("data-state", "uploaded", { timeout: 15_000 });
      expect(fault.attempts).toBe(2 * ATTEMPTS[kind] + 1);

      // The backend has exactly the second file.
      expect(await storedFile()).toMatchObject({ sha256: sha256(second), size_bytes: second.length });
    });
  }
});

test.describe("submit", () => {
  for (const kind of KINDS) {
    test(`submit × ${kind}`, async ({ page }) => {
      const s = await theSetup();
      const [account, id] = kind === "500" ? [s.one, s.a] : kind === "timeout" ? [s.one, s.b] : [s.two, s.c];
      await open(page, account, `applications/${id}/step/check`);
      expect((await stored(page, id)).status, "this cell needs a draft").toBe("draft");
      await expect(page.locator("img.bm-check__thumb")).toHaveCount(6);
      const fault = await faultOn(page, kind, "POST", new URL(`${api()}/applications/${id}/submit`).pathname);

      // Every automatic attempt fails: 正在提交… meanwhile, then the message.
      fault.failNext(ATTEMPTS[kind]);
      await page.getByRole("button", { name: "报名", exact: true }).click();
      await expect(page.getByRole("button", { name: "正在提交…" })).toBeVisible();
      await expect(page.getByRole("alert").filter({ hasText: MESSAGE[kind] })).toBeVisible({ timeout: 20_000 });
      expect(fault.attempts).toBe(ATTEMPTS[kind]);

      // 报名 again: its first attempt fails too, the automatic retry gets through.
      // (Soft, so that what the backend stored is checked whatever the page shows.)
      fault.failNext(1);
      await page.getByRole("button", { name: "报名", exact: true }).click();
      await expect.soft(page.getByText("报名已提交，状态：审核中。"), "报名 again: the page learns it is submitted").toBeVisible({ timeout: 10_000 });
      expect.soft(fault.attempts, "报名 again: one failed attempt, then the automatic retry").toBe(ATTEMPTS[kind] + 2);
      // One Idempotency-Key for every attempt of this submission, the 报名 again included.
      expect(fault.keys.every((k) => k && k === fault.keys[0])).toBeTruthy();

      // Submitted exactly once.
      const app = await stored(page, id);
      expect(app.status).toBe("under_review");
      expect(underReviewEvents(app)).toBe(1);
    });
  }
});

test.describe("resubmit", () => {
  for (const kind of KINDS) {
    test(`resubmit × ${kind}`, async ({ page }) => {
      const s = await theSetup();
      await bringTo(s.one, s.a, "rejected");
      // 重新提交 is on 核对报名信息 (the application page links there).
      await open(page, s.one, `applications/${s.a}/step/check`);
      await expect(page.locator("img.bm-check__thumb")).toHaveCount(6);
      const before = underReviewEvents(await stored(page, s.a));
      const fault = await faultOn(page, kind, "POST", new URL(`${api()}/applications/${s.a}/resubmit`).pathname);

      fault.failNext(ATTEMPTS[kind]);
      await page.getByRole("button", { name: "重新提交" }).click();
      await expect(page.getByRole("button", { name: "正在提交…" })).toBeVisible();
      await expect(page.getByRole("alert").filter({ hasText: MESSAGE[kind] })).toBeVisible({ timeout: 20_000 });
      expect(fault.attempts).toBe(ATTEMPTS[kind]);
      expect(fault.keys.every((k) => k && k === fault.keys[0]), "one key for the automatic retries").toBeTruthy();

      // (Soft, so that what the backend stored is checked whatever the page shows.)
      fault.failNext(1);
      await page.getByRole("button", { name: "重新提交" }).click();
      await expect.soft(page.getByText("报名已提交，状态：审核中。"), "重新提交 again: the page learns it is resubmitted").toBeVisible({ timeout: 10_000 });
      expect.soft(fault.attempts, "重新提交 again: one failed attempt, then the automatic retry").toBe(ATTEMPTS[kind] + 2);

      // Resubmitted exactly once.
      const app = await stored(page, s.a);
      expect(app.status).toBe("under_review");
      expect(underReviewEvents(app)).toBe(before + 1);
    });
  }
});

test.describe("create order", () => {
  for (const kind of KINDS) {
    test(`create order × ${kind}`, async ({ page }) => {
      const s = await theSetup();
      await bringTo(s.one, s.a, "awaiting_payment");
      const fault = await faultOn(page, kind, "POST", new URL(`${api()}/applications/${s.a}/orders`).pathname);

      // Every automatic attempt fails: the page says so and offers 重试.
      fault.failNext(ATTEMPTS[kind]);
      await open(page, s.one, `pay/${s.a}`);
      const problem = page.getByRole("alert").filter({ hasText: MESSAGE[kind] });
      await expect(problem).toBeVisible({ timeout: 20_000 });
      expect(fault.attempts).toBe(ATTEMPTS[kind]);

      // 重试: its first attempt fails too, the automatic retry gets through.
      fault.failNext(1);
      await problem.getByRole("button", { name: "重试" }).click();
      const qr = page.getByRole("img", { name: "微信支付二维码" });
      await expect(qr.locator("svg")).toBeVisible({ timeout: 20_000 });
      expect(fault.attempts).toBe(ATTEMPTS[kind] + 2);
      expect(fault.keys.every((k) => k && k === fault.keys[0]), "one key for the visit").toBeTruthy();

      // One order, the same in every cell, as the backend has it.
      const orderNo = (await page.locator(".bm-pay__amount dd").nth(1).textContent())!.trim();
      expect(orderNo).toMatch(/^BM\d+/);
      if (s.orderA) expect(orderNo).toBe(s.orderA);
      s.orderA = orderNo;
      remember();
      const order = await (await page.request.get(`${api()}/orders/${orderNo}`)).json();
      expect(order).toMatchObject({ order_no: orderNo, application_id: s.a, status: "unpaid", amount_fen: 30_000 });
      // Asking again with a new key still answers that order.
      const again = await page.request.post(`${api()}/applications/${s.a}/orders`, {
        headers: { "Idempotency-Key": `faults-check-${kind}-${Date.now()}`, Origin: new URL(appUrl()).origin },
      });
      expect((await again.json()).order_no).toBe(orderNo);
    });
  }
});

test.describe("poll", () => {
  for (const kind of KINDS) {
    test(`poll × ${kind}`, async ({ page }) => {
      const s = await theSetup();
      const [account, id] = kind === "500" ? [s.one, s.a] : kind === "timeout" ? [s.one, s.b] : [s.two, s.c];
      await bringTo(account, id, "awaiting_payment");
      await open(page, account, `pay/${id}`);
      await expect(page.getByRole("img", { name: "微信支付二维码" }).locator("svg")).toBeVisible();
      const orderNo = (await page.locator(".bm-pay__amount dd").nth(1).textContent())!.trim();
      if (id === s.a && s.orderA) expect(orderNo, "the order the order cells made").toBe(s.orderA);
      const fault = await faultOn(page, kind, "GET", new URL(`${api()}/orders/${orderNo}`).pathname);
      fault.failAll();
      await expect.poll(() => fault.failed, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);

      // Paid on the phone while the page cannot reach the backend.
      const paid = await page.request.post(`${api()}/dev/orders/${orderNo}/mark-paid`);
      expect(paid.status()).toBe(200);

      // (a) The page tells the candidate it is not hearing from the backend.
      await expect.soft(page.getByRole("alert").or(page.getByRole("status")).filter({ hasText: MESSAGE[kind] }), "while polling fails, the page says so").toBeVisible({ timeout: 5_000 });
      await expect(page.getByRole("heading", { name: "缴费成功" })).toHaveCount(0);

      // (b) The failure stops: the page finds the payment by itself.
      const before = fault.attempts;
      fault.stop();
      await expect(page.getByRole("heading", { name: "缴费成功" })).toBeVisible({ timeout: 20_000 });
      expect(fault.attempts).toBeGreaterThan(before);

      // (c) Paid once, on that order.
      const order = await (await page.request.get(`${api()}/orders/${orderNo}`)).json();
      expect(order.status).toBe("paid");
      const app = await stored(page, id);
      expect(app.status).toBe("paid");
      expect(app.events.filter((e: { status: string }) => e.status === "paid")).toHaveLength(1);
    });
  }
});
