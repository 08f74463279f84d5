// Every page of the app in every state worth looking at, in one place, for the specs that
// visit them all (a11y.spec.ts, phones.spec.ts) and for keyboard.spec.ts.
//
// The states live on the real reference backend. They are made once through the API (an SMS
// code per account, the draft, the uploads, the reviewer's decisions, the sandbox payment)
// and remembered in a file, so a restarted worker (after any failing test) and the next run
// against the same backend reuse them instead of spending more SMS codes: the backend sends at most
// 20 codes an hour to one client address, and every journey of the suite comes from
// 127.0.0.1. Three accounts, two applications each (one per plan):
//
//   a: ecommerce = draft, complete through ③, four of six documents uploaded
//      marketer  = 审核不通过, with reasons on a document, a field and the whole
//   b: ecommerce = 待缴费 (approved)       marketer = 审核中
//   c: ecommerce = 已缴费 (paid in the sandbox)  marketer = an empty draft (step ①)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, request as playwrightRequest, type APIRequestContext, type Page, type Route } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { apiOrigin, appUrl } from "./env";
import { ECOMMERCE, GOOD_FILES, MARKETER, REVIEWER, draftFor, ok, type Cookie } from "./api";
export { ECOMMERCE, MARKETER, type Cookie };
import { PASSWORD, codeSentBy, freshPhone } from "./accounts";
import { darkDocumentJpeg, smallPortraitJpeg } from "./images";


// ---------------------------------------------------------------------------------------------
// Languages

export type Lang = "zh" | "en";
export const LANGS: Lang[] = ["zh", "en"];
/** What the app stores under `baoming.lang` (`Lang::code`). */
export const LANG_CODE: Record<Lang, string> = { zh: "zh-CN", en: "en" };

/** Makes every page this test opens start in `lang`, as the header's switch would leave it. */
export async function useLang(page: Page, lang: Lang) {
  await page.context().addInitScript((code) => localStorage.setItem("baoming.lang", code), LANG_CODE[lang]);
}

// ---------------------------------------------------------------------------------------------
// States

export type Account = { phone: string; password: string; cookies: Cookie[] };
export type States = {
  a: { account: Account; draft: string; rejected: string };
  b: { account: Account; awaitingPayment: string; underReview: string };
  c: { account: Account; paid: string; empty: string };
};
export type AccountKey = "a" | "b" | "c";


class Candidate {
  constructor(
    readonly api: APIRequestContext,
    readonly phone: string,
  ) {}

  static async register(): Promise<Candidate> {
    const api = await playwrightRequest.newContext({
      baseURL: apiOrigin(),
      extraHTTPHeaders: { Origin: new URL(appUrl()).origin },
    });
    const phone = freshPhone();
    const code = await codeSentBy(api, phone, async () => {
      await ok(await api.post("/api/v1/sms-codes", { data: { phone, purpose: "register" } }), "sms code");
    });
    await ok(await api.post("/api/v1/accounts", { data: { phone, code, password: PASSWORD } }), "register");
    return new Candidate(api, phone);
  }

  async account(): Promise<Account> {
    return { phone: this.phone, password: PASSWORD, cookies: (await this.api.storageState()).cookies };
  }

  async open(plan: string): Promise<{ id: string; version: number }> {
    return ok(await this.api.post(`/api/v1/plans/${plan}/applications`), `open ${plan}`);
  }

  /** Opens the plan's application and fills steps ① to ③; returns its id. */
  async fill(plan: string, occupation: string): Promise<string> {
    const app = await this.open(plan);
    await ok(
      await this.api.put(`/api/v1/applications/${app.id}/draft`, { data: { base_version: app.version, draft: draftFor(this.phone, occupation) } }),
      "save draft",
    );
    return app.id;
  }

  async upload(id: string, slugs: string[]) {
    for (const slug of slugs) {
      await ok(
        await this.api.put(`/api/v1/applications/${id}/documents/${slug}`, { data: GOOD_FILES[slug](), headers: { "Content-Type": "image/jpeg" } }),
        `upload ${slug}`,
      );
    }
  }

  async submit(id: string) {
    await this.upload(id, Object.keys(GOOD_FILES));
    await ok(await this.api.post(`/api/v1/applications/${id}/submit`, { headers: { "Idempotency-Key": `submit-${id}` } }), "submit");
  }

  async decide(id: string, body: object) {
    await ok(await this.api.post(`/api/v1/admin/applications/${id}/decision`, { headers: REVIEWER, data: body }), "decision");
  }

  async pay(id: string) {
    const order = await ok(await this.api.post(`/api/v1/applications/${id}/orders`, { headers: { "Idempotency-Key": `order-${id}` } }), "order");
    await ok(await this.api.post(`/api/v1/dev/orders/${order.order_no}/mark-paid`), "mark paid");
    // The backend learns of the payment when it asks the provider (as 我已支付 does).
    await expect
      .poll(async () => (await ok(await this.api.post(`/api/v1/orders/${order.order_no}/query`), "query order")).status)
      .toBe("paid");
  }
}

async function makeStates(): Promise<States> {
  const a = await Candidate.register();
  const draft = await a.fill(ECOMMERCE, "电子商务师");
  await a.upload(draft, ["id_card_front", "id_card_back", "application_form", "intermediate_title_proof"]);
  const rejected = await a.fill(MARKETER, "互联网营销师");
  await a.submit(rejected);
  await a.decide(rejected, {
    decision: "reject",
    reasons: [
      { target: { kind: "document", name: "portrait" }, message: "背景不是白色，请上传白底证件照" },
      { target: { kind: "field", name: "employer" }, message: "请填写单位全称" },
      { target: { kind: "general" }, message: "社保证明需加盖单位公章" },
    ],
  });

  const b = await Candidate.register();
  const awaitingPayment = await b.fill(ECOMMERCE, "电子商务师");
  await b.submit(awaitingPayment);
  await b.decide(awaitingPayment, { decision: "approve", reasons: [] });
  const underReview = await b.fill(MARKETER, "互联网营销师");
  await b.submit(underReview);

  const c = await Candidate.register();
  const paid = await c.fill(ECOMMERCE, "电子商务师");
  await c.submit(paid);
  await c.decide(paid, { decision: "approve", reasons: [] });
  await c.pay(paid);
  const empty = (await c.open(MARKETER)).id;

  const states: States = {
    a: { account: await a.account(), draft, rejected },
    b: { account: await b.account(), awaitingPayment, underReview },
    c: { account: await c.account(), paid, empty },
  };
  await Promise.all([a.api.dispose(), b.api.dispose(), c.api.dispose()]);
  return states;
}

type AppJson = { status: string; documents: unknown[]; draft: { name?: string } };
const EXPECTED: [AccountKey, string, (app: AppJson) => boolean][] = [
  ["a", "draft", (app) => app.status === "draft" && app.documents.length === 4],
  ["a", "rejected", (app) => app.status === "rejected"],
  ["b", "awaitingPayment", (app) => app.status === "awaiting_payment"],
  ["b", "underReview", (app) => app.status === "under_review"],
  ["c", "paid", (app) => app.status === "paid"],
  ["c", "empty", (app) => app.status === "draft" && !app.draft.name],
];

/** Whether the remembered states still hold on this backend (same sessions, same statuses). */
async function stillHold(states: States): Promise<boolean> {
  for (const [key, field, holds] of EXPECTED) {
    const cookie = states[key].account.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    const id = (states[key] as Record<string, unknown>)[field] as string;
    const api = await playwrightRequest.newContext({ baseURL: apiOrigin(), extraHTTPHeaders: { Cookie: cookie } });
    try {
      const res = await api.get(`/api/v1/applications/${id}`);
      if (!res.ok() || !holds(await res.json())) return false;
    } finally {
      await api.dispose();
    }
  }
  return true;
}

let memo: States | undefined;

/** The states, made once (see the top of this file) and checked before each reuse. Call
 * from `beforeAll`. */
export async function states(): Promise<States> {
  if (memo) return memo;
  // Outside Playwright's output directory, which every run (and any concurrent run in the
  // same checkout) empties; the backend's address names the file, the check above tells a
  // fresh backend on the same port.
  const dir = path.join(os.tmpdir(), "baoming-e2e-states");
  const file = path.join(dir, `${new URL(apiOrigin()).host.replace(/[^0-9A-Za-z]+/g, "-")}.json`);
  if (fs.existsSync(file)) {
    const remembered = JSON.parse(fs.readFileSync(file, "utf8")) as States;
    if (await stillHold(remembered)) return (memo = remembered);
  }
  memo = await makeStates();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(memo, null, 2));
  return memo;
}

/** Logs the browser context of this test in as `account`: its session cookie, and the hint
 * the app leaves in localStorage when it logs in (without it a public page does not ask the
 * backend who is logged in). */
export async function logIn(page: Page, account: Account) {
  await page.context().addCookies(account.cookies);
  await page.addInitScript(() => localStorage.setItem("baoming.signed_in", "1"));
}

// ---------------------------------------------------------------------------------------------
// Pages

export type PageState = {
  /** File-name friendly, unique. */
  name: string;
  /** Whose session the page is seen with (none: logged out). */
  as?: AccountKey;
  /** The path under the app's root, without the leading `/`. */
  path: (s: States) => string;
  /** Before the page loads (routes that fake a failure). */
  before?: (page: Page, s: States) => Promise<void>;
  /** Waits until the page shows what it is about (language independent). */
  ready: (page: Page) => Promise<void>;
  /** After it is ready: brings it into the state (a failed submit, a picked file). */
  then?: (page: Page) => Promise<void>;
  /** Drawn before any language is known (both languages at once). */
  bilingual?: boolean;
};

const loaded = async (page: Page) => {
  await expect(page.locator(".bm-app")).toBeAttached();
  await expect(page.locator(".bm-loading")).toHaveCount(0);
};
const signedOut = async (page: Page) => {
  await expect(page.locator(".bm-nav__inner a")).toHaveCount(4);
};
const signedIn = async (page: Page) => {
  await expect(page.locator(".bm-nav__logout")).toBeVisible();
};
const visible = (selector: string) => async (page: Page) => {
  await expect(page.locator(selector).first()).toBeVisible();
};
const all =
  (...steps: ((page: Page) => Promise<void>)[]) =>
  async (page: Page) => {
    for (const step of steps) await step(page);
  };
const step = (n: number) => visible(`.bm-steps__item:nth-child(${n})[aria-current="step"]`);
const submitEmpty = async (page: Page) => {
  await page.locator("main form button[type=submit]").click();
  await expect(page.locator("[aria-invalid=true]").first()).toBeFocused();
};
const slotOf = (page: Page, slug: string) => page.locator(`section.bm-slot[data-material="${slug}"]`);
const pick = async (page: Page, slug: string, buffer: Buffer) => {
  await slotOf(page, slug).locator("input[type=file]").setInputFiles({ name: `${slug}.jpg`, mimeType: "image/jpeg", buffer });
};
const withFindings = async (page: Page) => {
  // The portrait too small (blocking, fixable in the page); a dark scan (a warning only).
  await pick(page, "portrait", smallPortraitJpeg());
  await expect(slotOf(page, "portrait").locator("[data-action=fix]")).toBeVisible();
  await pick(page, "social_insurance_proof", darkDocumentJpeg());
  await expect(slotOf(page, "social_insurance_proof").locator("[data-action=upload-anyway]")).toBeVisible();
};

/** The order as paid, whatever the sandbox says: 缴费成功 as the page shows it when the
 * payment arrives while it is open (a reload would say there is nothing to pay). */
async function orderComesBackPaid(page: Page) {
  await page.route(/\/api\/v1\/orders\/[^/]+$/, async (route: Route) => {
    if (route.request().method() !== "GET") return route.fallback();
    const response = await route.fetch();
    const order = await response.json();
    await route.fulfill({ response, json: { ...order, status: "paid", code_url: undefined, paid_at: order.code_expires_at } });
  });
}

export const PAGES: PageState[] = [
  // Logged out
  { name: "plans", path: () => "", ready: all(loaded, signedOut, visible(".bm-plans article")) },
  {
    name: "plans-load-failed",
    path: () => "",
    before: async (page) => {
      await page.route(/\/api\/v1\/plans$/, (route) => route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "down" } } }));
    },
    ready: all(signedOut, visible(".bm-alert--error")),
  },
  { name: "register", path: () => "register", ready: all(loaded, signedOut, visible("#confirm-password")) },
  { name: "register-errors", path: () => "register", ready: all(loaded, signedOut, visible("#confirm-password")), then: submitEmpty },
  { name: "login", path: () => "login", ready: all(loaded, signedOut, visible("#password")) },
  { name: "login-errors", path: () => "login", ready: all(loaded, signedOut, visible("#password")), then: submitEmpty },
  { name: "login-to-continue", path: () => "applications", ready: all(loaded, signedOut, visible("#password"), visible("main > .bm-notice")) },
  { name: "forgot-password", path: () => "forgot-password", ready: all(loaded, signedOut, visible("#confirm-password")) },
  { name: "forgot-password-errors", path: () => "forgot-password", ready: all(loaded, signedOut, visible("#confirm-password")), then: submitEmpty },
  { name: "not-found", path: () => "no-such-page", ready: all(loaded, signedOut, visible("main .bm-card")) },
  {
    name: "config-error",
    path: () => "",
    before: async (page) => {
      await page.route(/\/config\.json$/, (route) => route.fulfill({ status: 404, body: "not found" }));
    },
    ready: visible("main .bm-alert--error details"),
    bilingual: true,
  },

  // a: a draft and a rejected application
  { name: "plans-signed-in", as: "a", path: () => "", ready: all(loaded, signedIn, visible(".bm-plans article")) },
  { name: "applications-draft-rejected", as: "a", path: () => "applications", ready: all(loaded, signedIn, visible(".bm-plans article")) },
  { name: "status-draft", as: "a", path: (s) => `applications/${s.a.draft}`, ready: all(loaded, signedIn, visible(".bm-status")) },
  { name: "wizard-2-identity", as: "a", path: (s) => `applications/${s.a.draft}/step/2`, ready: all(loaded, signedIn, step(2)) },
  { name: "wizard-3-details", as: "a", path: (s) => `applications/${s.a.draft}/step/3`, ready: all(loaded, signedIn, step(3), visible(".bm-history-row")) },
  { name: "wizard-4-documents", as: "a", path: (s) => `applications/${s.a.draft}/step/4`, ready: all(loaded, signedIn, step(4), visible(".bm-slot[data-state=uploaded] img")) },
  // 核对报名信息 with two materials still missing (未上传).
  { name: "wizard-check", as: "a", path: (s) => `applications/${s.a.draft}/step/check`, ready: all(loaded, signedIn, visible(".bm-check__thumb")) },
  // 核对报名信息 before 重新提交: what changed since the rejected submission is marked.
  { name: "wizard-check-resubmit", as: "a", path: (s) => `applications/${s.a.rejected}/step/check`, ready: all(loaded, signedIn, visible(".bm-check__thumb")) },
  {
    name: "wizard-4-findings",
    as: "a",
    path: (s) => `applications/${s.a.draft}/step/4`,
    ready: all(loaded, signedIn, step(4), visible(".bm-slot[data-state=uploaded] img")),
    then: withFindings,
  },
  {
    name: "wizard-4-portrait-fix",
    as: "a",
    path: (s) => `applications/${s.a.draft}/step/4`,
    ready: all(loaded, signedIn, step(4), visible(".bm-slot[data-state=uploaded] img")),
    then: async (page) => {
      await pick(page, "portrait", smallPortraitJpeg());
      await slotOf(page, "portrait").locator("[data-action=fix]").click();
      await expect(slotOf(page, "portrait").locator(".bm-fixer__frame")).toBeVisible();
    },
  },
  { name: "print-form", as: "a", path: (s) => `applications/${s.a.draft}/form`, ready: all(loaded, signedIn, visible(".bm-sheet__table")) },
  { name: "status-rejected", as: "a", path: (s) => `applications/${s.a.rejected}`, ready: all(loaded, signedIn, visible(".bm-reasons li")) },
  {
    name: "wizard-4-rejected-portrait",
    as: "a",
    path: (s) => `applications/${s.a.rejected}/step/4?focus=upload-portrait`,
    ready: all(loaded, signedIn, step(4), visible(".bm-slot__review")),
  },
  {
    name: "wizard-3-rejected-employer",
    as: "a",
    path: (s) => `applications/${s.a.rejected}/step/3?focus=employer`,
    ready: all(loaded, signedIn, step(3), visible("#employer")),
  },

  // b: approved (待缴费) and under review
  { name: "applications-pay-review", as: "b", path: () => "applications", ready: all(loaded, signedIn, visible(".bm-plans article")) },
  { name: "status-under-review", as: "b", path: (s) => `applications/${s.b.underReview}`, ready: all(loaded, signedIn, visible(".bm-status")) },
  { name: "status-awaiting-payment", as: "b", path: (s) => `applications/${s.b.awaitingPayment}`, ready: all(loaded, signedIn, visible(".bm-status a.bm-button--primary")) },
  { name: "pay-qr", as: "b", path: (s) => `pay/${s.b.awaitingPayment}`, ready: all(loaded, signedIn, visible(".bm-pay__qr svg"), visible(".bm-wizard__plan:not(:empty)")) },
  {
    name: "pay-not-paid-yet",
    as: "b",
    path: (s) => `pay/${s.b.awaitingPayment}`,
    ready: all(loaded, signedIn, visible(".bm-pay__qr svg"), visible(".bm-wizard__plan:not(:empty)")),
    then: async (page) => {
      await page.locator(".bm-pay button.bm-button--primary").click();
      await expect(page.locator(".bm-pay [role=alert]")).toBeVisible();
    },
  },
  {
    name: "pay-success",
    as: "b",
    path: (s) => `pay/${s.b.awaitingPayment}`,
    before: orderComesBackPaid,
    ready: all(loaded, signedIn, visible(".bm-pay__done"), visible(".bm-wizard__plan:not(:empty)")),
  },

  // c: paid, and an empty draft
  { name: "applications-paid-draft", as: "c", path: () => "applications", ready: all(loaded, signedIn, visible(".bm-plans article")) },
  { name: "status-paid", as: "c", path: (s) => `applications/${s.c.paid}`, ready: all(loaded, signedIn, visible(".bm-status .bm-notice--info")) },
  { name: "pay-nothing-due", as: "c", path: (s) => `pay/${s.c.paid}`, ready: all(loaded, signedIn, visible("main section.bm-card[role=status]")) },
  { name: "wizard-1-basic", as: "c", path: (s) => `applications/${s.c.empty}/step/1`, ready: all(loaded, signedIn, step(1), visible("#education")) },
  {
    name: "wizard-1-errors",
    as: "c",
    path: (s) => `applications/${s.c.empty}/step/1`,
    ready: all(loaded, signedIn, step(1), visible("#education")),
    then: async (page) => {
      await page.locator(".bm-wizard__buttons .bm-button--primary").click();
      await expect(page.locator("#name")).toBeFocused();
    },
  },
];

/** Opens `state` in `lang` (the test's page, logged in as the state needs) and brings it
 * into its state. */
export async function visit(page: Page, s: States, state: PageState, lang: Lang) {
  await useLang(page, lang);
  if (state.as) await logIn(page, s[state.as].account);
  await state.before?.(page, s);
  await page.goto(new URL(state.path(s), appUrl()).toString());
  await state.ready(page);
  if (!state.bilingual) await expect(page.locator("html")).toHaveAttribute("lang", LANG_CODE[lang]);
  await state.then?.(page);
  // Web fonts, images and the last layout settle before anything is measured.
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the specs

export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** axe's violations on the page, one readable block each (empty when there are none). */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations.map((v) => {
    const nodes = v.nodes
      .map((n) => `    - ${n.target.join(" ")}\n      ${n.html.replace(/\s+/g, " ").slice(0, 300)}\n      ${(n.failureSummary ?? "").replace(/\n\s*/g, " | ")}`)
      .join("\n");
    return `[${v.id}] (${v.impact}) ${v.help}\n    ${v.helpUrl}\n${nodes}`;
  });
}

// The measures below run inside the page: each is a self-contained function (Playwright's
// page.evaluate in Chromium, WebDriver's executeScript in tests/webkit) with a wrapper here.

/** In the page: how far it scrolls sideways (0: not at all). */
export function sidewaysOverflowInPage(): number {
  return document.documentElement.scrollWidth - window.innerWidth;
}

/** How far the page scrolls sideways (0: not at all). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(sidewaysOverflowInPage);
}

/** The elements that stick out of the viewport on the right, for the failure message. */
export async function widestElements(page: Page): Promise<string[]> {
  return page.evaluate(widestElementsInPage);
}

/** In the page: see `widestElements`. */
export function widestElementsInPage(): string[] {
  const out: string[] = [];
  for (const el of Array.from(document.querySelectorAll("body *"))) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > window.innerWidth + 1) {
      const parent = el.parentElement?.closest("*");
      // Only the outermost culprit of each branch.
      if (parent && parent.getBoundingClientRect().right > window.innerWidth + 1) continue;
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} right=${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 10);
}

/**
 * Text the layout cuts off: an element of the page (header, nav, main) that clips its content
 * (`overflow` hidden or clip, or `text-overflow`) while its content is larger than its box,
 * and scrolling regions other than the 申报表 (a wide paper form may scroll inside its box).
 * The visually hidden file inputs and the portrait fixer's frame (which crops a photo on
 * purpose) are not text.
 */
export async function clippedText(page: Page): Promise<string[]> {
  return page.evaluate(clippedTextInPage);
}

/** In the page: see `clippedText`. */
export function clippedTextInPage(): string[] {
  const out: string[] = [];
  const describe = (el: Element) =>
    `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""}`;
  for (const el of Array.from(document.querySelectorAll(".bm-app *, .bm-main *, .bm-header *"))) {
    if (el.closest(".bm-fixer__frame, .bm-sheet, svg") || el.matches(".bm-slot__input, input, select, textarea, progress")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const h = el as HTMLElement;
    if (h.clientWidth === 0 && h.clientHeight === 0) continue;
    if (!(h.textContent ?? "").trim()) continue;
    const tooWide = h.scrollWidth > h.clientWidth + 1;
    const tooTall = h.scrollHeight > h.clientHeight + 1;
    const clips = (v: string) => v === "hidden" || v === "clip";
    const scrolls = (v: string) => v === "auto" || v === "scroll";
    if ((clips(style.overflowX) && tooWide) || (clips(style.overflowY) && tooTall) || (style.textOverflow === "ellipsis" && tooWide)) {
      out.push(`${describe(el)} clips its text (${h.scrollWidth}×${h.scrollHeight} in ${h.clientWidth}×${h.clientHeight}): "${(h.textContent ?? "").trim().slice(0, 60)}"`);
    } else if ((scrolls(style.overflowX) && tooWide) || (scrolls(style.overflowY) && tooTall && el !== document.scrollingElement)) {
      out.push(`${describe(el)} scrolls to show its content (${h.scrollWidth}×${h.scrollHeight} in ${h.clientWidth}×${h.clientHeight}): "${(h.textContent ?? "").trim().slice(0, 60)}"`);
    }
  }
  return out;
}

/** Visible text in Chinese characters outside anything marked `lang="zh…"`: on an English
 * page, what is left untranslated (the app marks what people wrote, such as plan names,
 * answers and reviewers' reasons, as Chinese). */
export async function chineseText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out = new Set<string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? "").trim();
      const el = n.parentElement;
      if (!text || !el || !/[\u3400-\u9fff]/.test(text)) continue;
      if (el.closest("[lang^=zh], script, style, noscript")) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      out.add(text.slice(0, 60));
    }
    return [...out];
  });
}
