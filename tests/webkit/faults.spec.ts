// The fault matrix on the iPhone's engine: every write the candidate makes (save draft,
// upload, 报名, 重新提交, create the WeChat Pay order, the order's polling) made to fail with a
// 500, a time-out and offline, for real on the wire (support/proxy.ts), against the real
// reference backend. The same three promises as tests/e2e/faults.spec.ts: (a) the page says
// so, (b) it gets through once the failure stops (by itself where repeating is safe, else by
// its retry control), (c) nothing is lost or done twice, checked against the backend.
import { apiOrigin } from "../e2e/support/env";
import { documentJpeg } from "../e2e/support/images";
import {
  ATTEMPTS,
  KINDS,
  MESSAGE,
  TIMEOUT_MS,
  bringTo,
  candidateApi,
  remember,
  sha256,
  theSetup,
  underReviewEvents,
  type Account,
} from "../e2e/support/faults";
import { expect, test, type Wk } from "./support/webkit";
import { FaultProxy } from "./support/proxy";

/** Where the API's paths start, behind the proxy as on the backend. */
const api = "/api/v1/";

let proxy: FaultProxy;
test.beforeAll(async () => {
  proxy = await FaultProxy.start();
});
test.afterAll(async () => {
  await proxy.stop();
});
test.beforeEach(async () => {
  test.setTimeout(120_000);
  proxy.clear();
  await theSetup();
});

/** Opens `to` through the proxy, logged in as `account`. */
async function open(wk: Wk, account: Account, to: string) {
  await wk.goto(new URL("no-such-page", proxy.url).toString());
  await wk.driver.manage().deleteAllCookies();
  for (const c of account.cookies) await wk.driver.manage().addCookie({ name: c.name, value: c.value, path: c.path, httpOnly: c.httpOnly });
  await wk.eval(`() => localStorage.setItem("baoming.signed_in", "1")`);
  await wk.goto(new URL(to, proxy.url).toString());
}

/** What the backend stored, as the candidate. */
async function stored(account: Account, id: string) {
  const ctx = await candidateApi(account);
  try {
    const res = await ctx.get(`/api/v1/applications/${id}`);
    expect(res.ok()).toBeTruthy();
    return await res.json();
  } finally {
    await ctx.dispose();
  }
}

const text = (wk: Wk, css: string) => wk.eval<string>(`(css) => document.querySelector(css)?.textContent.trim() ?? ""`, css);
const fieldValue = async (wk: Wk, name: string) => (await wk.field(name)).getAttribute("value");
const localCopy = (wk: Wk, id: string) =>
  wk.eval<Record<string, unknown> | null>(`(id) => JSON.parse(localStorage.getItem("baoming.draft." + id) ?? "null")?.draft ?? null`, id);

for (const kind of KINDS) {
  test(`save draft × ${kind}`, async ({ wk }) => {
    const s = await theSetup();
    await open(wk, s.one, `applications/${s.a}/step/3`);
    await wk.field("现从事岗位");
    const indicator = await wk.shown('p.bm-save[data-state="saved"]');
    const fault = proxy.on(kind, "PUT", `${api}applications/${s.a}/draft`);
    const post = `直播运营-webkit-${kind}`;
    const address = `河北省石家庄市裕华区槐安东路${kind.length}0${KINDS.indexOf(kind)}号`;
    fault.failAll();
    await wk.fill("现从事岗位", post);
    await wk.until("未能保存，将自动重试", async () => (await indicator.getText()) === "未能保存，将自动重试", 20_000);
    // At least the API layer's attempts; WebKit's network stack (libsoup) may itself resend a
    // PUT whose connection was cut before any answer, unseen by the app, so not exactly.
    expect(fault.attempts, "the API layer retried before reporting").toBeGreaterThanOrEqual(ATTEMPTS[kind]);
    await wk.fill("单位地址", address);
    await wk.until("the edits kept in the browser", async () => {
      const copy = await localCopy(wk, s.a);
      return copy?.current_post === post && copy?.employer_address === address;
    });
    // A reload while it fails keeps both edits.
    await wk.driver.navigate().refresh();
    await wk.until("the edits after a reload", async () => (await fieldValue(wk, "现从事岗位")) === post && (await fieldValue(wk, "单位地址")) === address);
    const before = fault.attempts;
    fault.stop();
    await wk.until("已保存", async () => (await text(wk, "p.bm-save")) === "已保存", 30_000);
    expect(fault.attempts).toBeGreaterThan(before);
    const app = await stored(s.one, s.a);
    expect(app.draft.current_post).toBe(post);
    expect(app.draft.employer_address).toBe(address);
    expect(await localCopy(wk, s.a)).toBeNull();
  });
}

const SLOTS = { "500": ["social_insurance_proof", 31, 32], timeout: ["application_form", 33, 34], offline: ["intermediate_title_proof", 35, 36] } as const;

for (const kind of KINDS) {
  test(`upload × ${kind}`, async ({ wk }) => {
    const s = await theSetup();
    const [slug, seed1, seed2] = SLOTS[kind];
    await open(wk, s.one, `applications/${s.a}/step/4`);
    const slot = await wk.shown(`section.bm-slot[data-material="${slug}"][data-state="uploaded"]`, { timeout: 15_000 });
    // Uploads (XMLHttpRequest) wait 120 s; shortened here as the Chromium matrix does.
    await wk.eval(`(ms) => {
      const own = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, "timeout");
      Object.defineProperty(XMLHttpRequest.prototype, "timeout", { ...own, set(v) { own.set.call(this, v > 0 ? Math.min(v, ms) : v); } });
    }`, TIMEOUT_MS);
    const fault = proxy.on(kind, "PUT", `${api}applications/${s.a}/documents/${slug}`);
    const input = await wk.driver.findElement({ css: `section.bm-slot[data-material="${slug}"] input[type="file"]` });
    const storedFile = async () => (await stored(s.one, s.a)).documents.find((d: { material: string }) => d.material === slug);

    // Two attempts fail: the slot retries by itself and gets through.
    const first = documentJpeg(1240, 1754, seed1);
    fault.failNext(ATTEMPTS[kind] - 1);
    await wk.setFile(input, { name: "scan-1.jpg", mimeType: "image/jpeg", buffer: first });
    await wk.shown(`section.bm-slot[data-material="${slug}"]`, { text: "上传未成功，正在自动重试（第 1 次）…", timeout: 15_000 });
    await wk.attribute(slot, "data-state", "uploaded", 30_000);
    expect(fault.attempts).toBe(ATTEMPTS[kind]);
    expect(await storedFile()).toMatchObject({ sha256: sha256(first), size_bytes: first.length });

    // Every automatic attempt fails: the message and 重试上传, which works.
    const second = documentJpeg(1240, 1754, seed2);
    fault.failNext(ATTEMPTS[kind]);
    await wk.setFile(input, { name: "scan-2.jpg", mimeType: "image/jpeg", buffer: second });
    const problem = await wk.shown('[data-problem="upload_failed"]', { within: slot, timeout: 30_000 });
    expect(await problem.getText()).toBe(MESSAGE[kind]);
    expect(fault.attempts).toBe(2 * ATTEMPTS[kind]);
    await wk.click(await wk.shown('[data-action="retry"]', { within: slot }));
    await wk.attribute(slot, "data-state", "uploaded", 15_000);
    expect(fault.attempts).toBe(2 * ATTEMPTS[kind] + 1);
    expect(await storedFile()).toMatchObject({ sha256: sha256(second), size_bytes: second.length });
  });
}

for (const kind of KINDS) {
  test(`submit × ${kind}`, async ({ wk }) => {
    const s = await theSetup();
    const [account, id] = kind === "500" ? [s.one, s.a] : kind === "timeout" ? [s.one, s.b] : [s.two, s.c];
    expect((await stored(account, id)).status, "this cell needs a draft").toBe("draft");
    await open(wk, account, `applications/${id}/step/check`);
    await wk.until("six thumbnails", async () => (await wk.eval<number>(`() => document.querySelectorAll("img.bm-check__thumb").length`)) === 6, 15_000);
    const fault = proxy.on(kind, "POST", `${api}applications/${id}/submit`);

    fault.failNext(ATTEMPTS[kind]);
    await wk.click("报名", { css: "button" });
    await wk.shown('[role="alert"]', { text: MESSAGE[kind], timeout: 20_000 });
    expect(fault.attempts).toBe(ATTEMPTS[kind]);

    fault.failNext(1);
    await wk.click("报名", { css: "button" });
    await wk.sees("报名已提交，状态：审核中。", 15_000);
    expect(fault.attempts).toBe(ATTEMPTS[kind] + 2);
    expect(fault.keys.every((k) => k && k === fault.keys[0]), "one Idempotency-Key for every attempt").toBeTruthy();
    const app = await stored(account, id);
    expect(app.status).toBe("under_review");
    expect(underReviewEvents(app)).toBe(1);
  });
}

for (const kind of KINDS) {
  test(`resubmit × ${kind}`, async ({ wk }) => {
    const s = await theSetup();
    await bringTo(s.one, s.a, "rejected");
    const before = underReviewEvents(await stored(s.one, s.a));
    // 重新提交 is on 核对报名信息 (the application page links there).
    await open(wk, s.one, `applications/${s.a}/step/check`);
    await wk.until("six thumbnails", async () => (await wk.eval<number>(`() => document.querySelectorAll("img.bm-check__thumb").length`)) === 6, 15_000);
    const fault = proxy.on(kind, "POST", `${api}applications/${s.a}/resubmit`);

    fault.failNext(ATTEMPTS[kind]);
    await wk.click("重新提交", { css: "button" });
    await wk.shown('[role="alert"]', { text: MESSAGE[kind], timeout: 20_000 });
    expect(fault.attempts).toBe(ATTEMPTS[kind]);

    fault.failNext(1);
    await wk.click("重新提交", { css: "button" });
    await wk.sees("报名已提交，状态：审核中。", 15_000);
    expect(fault.attempts).toBe(ATTEMPTS[kind] + 2);
    const app = await stored(s.one, s.a);
    expect(app.status).toBe("under_review");
    expect(underReviewEvents(app)).toBe(before + 1);
  });
}

for (const kind of KINDS) {
  test(`create order × ${kind}`, async ({ wk }) => {
    const s = await theSetup();
    await bringTo(s.one, s.a, "awaiting_payment");
    const fault = proxy.on(kind, "POST", `${api}applications/${s.a}/orders`);
    fault.failNext(ATTEMPTS[kind]);
    await open(wk, s.one, `pay/${s.a}`);
    const problem = await wk.shown('[role="alert"]', { text: MESSAGE[kind], timeout: 20_000 });
    expect(fault.attempts).toBe(ATTEMPTS[kind]);

    fault.failNext(1);
    await wk.click("重试", { within: problem, css: "button" });
    await wk.shown('[role="img"][aria-label="微信支付二维码"] svg', { timeout: 20_000 });
    expect(fault.attempts).toBe(ATTEMPTS[kind] + 2);
    expect(fault.keys.every((k) => k && k === fault.keys[0]), "one key for the visit").toBeTruthy();
    const orderNo = (await wk.eval<string>(`() => document.querySelectorAll(".bm-pay__amount dd")[1].textContent`)).trim();
    expect(orderNo).toMatch(/^BM\d+/);
    if (s.orderA) expect(orderNo).toBe(s.orderA);
    s.orderA = orderNo;
    remember();
  });
}

for (const kind of KINDS) {
  test(`poll × ${kind}`, async ({ wk, request }) => {
    const s = await theSetup();
    const [account, id] = kind === "500" ? [s.one, s.a] : kind === "timeout" ? [s.one, s.b] : [s.two, s.c];
    await bringTo(account, id, "awaiting_payment");
    await open(wk, account, `pay/${id}`);
    await wk.shown('[role="img"][aria-label="微信支付二维码"] svg', { timeout: 20_000 });
    const orderNo = (await wk.eval<string>(`() => document.querySelectorAll(".bm-pay__amount dd")[1].textContent`)).trim();
    const fault = proxy.on(kind, "GET", `${api}orders/${orderNo}`);
    fault.failAll();
    await wk.until("three failed polls", async () => fault.failed >= 3, 30_000);

    const paid = await request.post(`${apiOrigin()}/api/v1/dev/orders/${orderNo}/mark-paid`);
    expect(paid.status()).toBe(200);
    await wk.shown('[role="alert"], [role="status"]', { text: MESSAGE[kind], timeout: 10_000 });
    expect(await wk.eval<number>(`() => [...document.querySelectorAll("h1, h2")].filter((h) => h.textContent.includes("缴费成功")).length`)).toBe(0);

    const before = fault.attempts;
    fault.stop();
    await wk.shown("h1, h2", { text: "缴费成功", timeout: 20_000 });
    expect(fault.attempts).toBeGreaterThan(before);
    const app = await stored(account, id);
    expect(app.status).toBe("paid");
    expect(app.events.filter((e: { status: string }) => e.status === "paid")).toHaveLength(1);
  });
}
