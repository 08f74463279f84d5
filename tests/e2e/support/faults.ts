// The fault matrix's shared part (tests/e2e/faults.spec.ts on Chromium, tests/webkit/faults.spec.ts
// on WebKit): what each failure kind should make the app say and do, and the accounts and
// applications the cells run on, made once per run through the API.
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { apiOrigin, appUrl } from "./env";
import { ECOMMERCE, GOOD_FILES, MARKETER, REVIEWER, draftFor, ok, type Cookie } from "./api";
import { PASSWORD, codeSentBy, freshPhone } from "./accounts";

/** The app's time-out per request in these tests (config.json's `request_timeout_ms`). */
export const TIMEOUT_MS = 2_000;

export type Kind = "500" | "timeout" | "offline";
export const KINDS: Kind[] = ["500", "timeout", "offline"];

/** What the app says for each failure (src/i18n.rs: ErrorServer, ErrorTimeout, ErrorNetwork). */
export const MESSAGE: Record<Kind, string> = {
  "500": "服务器暂时出现问题，请稍后重试。",
  timeout: "服务器响应超时，请稍后重试。",
  offline: "网络连接失败，请检查网络后重试。",
};

/** Attempts one call of a request safe to repeat makes before the app gives up, uploads
 * included (src/api/transport.rs `retry_pause`: a 5xx or a dropped connection two retries, a
 * time-out one). */
export const ATTEMPTS: Record<Kind, number> = { "500": 3, timeout: 2, offline: 3 };

/**
 * One write made to fail, whatever makes it fail (Playwright's page.route on Chromium, the
 * WebKit matrix's proxy): counts every attempt with its Idempotency-Key and says whether it
 * fails. While failures are pending (`failNext`) or switched on (`failAll`) it does,
 * otherwise the request goes to the backend untouched.
 */
export class Fault {
  /** Requests the write's route saw. */
  attempts = 0;
  /** Of those, how many were made to fail. */
  failed = 0;
  /** The Idempotency-Key of every attempt (undefined when none was sent). */
  keys: (string | undefined)[] = [];
  private remaining = 0;
  private always = false;

  constructor(
    readonly kind: Kind,
    readonly method: string,
    readonly pathname: string,
  ) {}

  failNext(n: number) {
    this.remaining = n;
  }
  failAll() {
    this.always = true;
  }
  stop() {
    this.always = false;
    this.remaining = 0;
  }

  /** Counts an attempt that carried `key`; whether it is to fail. */
  take(key: string | undefined): boolean {
    this.attempts += 1;
    this.keys.push(key);
    if (!this.always && this.remaining === 0) return false;
    if (this.remaining > 0) this.remaining -= 1;
    this.failed += 1;
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Accounts and applications

export type Account = { phone: string; cookies: Cookie[] };
export type Setup = {
  one: Account;
  two: Account;
  /** one's 电子商务师 application: every cell runs on it. */
  a: string;
  /** one's 互联网营销师 application: submit × timeout, poll × timeout. */
  b: string;
  /** two's 电子商务师 application: submit × offline, poll × offline. */
  c: string;
  /** The order number of A, once the first order cell has seen it. */
  orderA?: string;
};


/** The API as the candidate (their session cookie, the app's Origin). */
export async function candidateApi(account: Account): Promise<APIRequestContext> {
  return playwrightRequest.newContext({
    baseURL: apiOrigin(),
    extraHTTPHeaders: { Origin: new URL(appUrl()).origin },
    storageState: { cookies: account.cookies, origins: [] },
  });
}

async function register(): Promise<{ account: Account; ctx: APIRequestContext }> {
  const ctx = await playwrightRequest.newContext({ baseURL: apiOrigin(), extraHTTPHeaders: { Origin: new URL(appUrl()).origin } });
  const phone = freshPhone();
  const code = await codeSentBy(ctx, phone, async () => {
    await ok(await ctx.post("/api/v1/sms-codes", { data: { phone, purpose: "register" } }), "sms code");
  });
  await ok(await ctx.post("/api/v1/accounts", { data: { phone, code, password: PASSWORD } }), "register");
  return { account: { phone, cookies: (await ctx.storageState()).cookies }, ctx };
}

/** Opens `plan`'s application, fills ① to ③ and uploads every document; returns its id. */
async function prepare(ctx: APIRequestContext, phone: string, plan: string, occupation: string): Promise<string> {
  const app = await ok(await ctx.post(`/api/v1/plans/${plan}/applications`), `open ${plan}`);
  await ok(await ctx.put(`/api/v1/applications/${app.id}/draft`, { data: { base_version: app.version, draft: draftFor(phone, occupation) } }), "draft");
  for (const [slug, file] of Object.entries(GOOD_FILES)) {
    await ok(await ctx.put(`/api/v1/applications/${app.id}/documents/${slug}`, { data: file(), headers: { "Content-Type": "image/jpeg" } }), `upload ${slug}`);
  }
  return app.id;
}

function stateFile(): string {
  // One file per run (the runner's process) and backend.
  const dir = path.join(test.info().project.outputDir, ".faults");
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${new URL(apiOrigin()).port}-${process.ppid}.json`);
}

let setup: Setup | undefined;

export async function theSetup(): Promise<Setup> {
  if (setup) return setup;
  const file = stateFile();
  if (fs.existsSync(file)) return (setup = JSON.parse(fs.readFileSync(file, "utf8")) as Setup);
  const one = await register();
  const two = await register();
  const a = await prepare(one.ctx, one.account.phone, ECOMMERCE, "电子商务师");
  const b = await prepare(one.ctx, one.account.phone, MARKETER, "互联网营销师");
  const c = await prepare(two.ctx, two.account.phone, ECOMMERCE, "电子商务师");
  await Promise.all([one.ctx.dispose(), two.ctx.dispose()]);
  setup = { one: one.account, two: two.account, a, b, c };
  remember();
  return setup;
}

export function remember() {
  fs.writeFileSync(stateFile(), JSON.stringify(setup, null, 2));
}

/** Brings application `id` into `want` by the API (submit, the reviewer's decision, resubmit). */
export async function bringTo(account: Account, id: string, want: "rejected" | "awaiting_payment") {
  const ctx = await candidateApi(account);
  try {
    const path = `/api/v1/applications/${id}`;
    for (let step = 0; step < 4; step++) {
      const status = (await ok(await ctx.get(path), "application")).status as string;
      if (status === want) return;
      const key = { "Idempotency-Key": `faults-${id}-${Date.now()}` };
      if (status === "draft") await ok(await ctx.post(`${path}/submit`, { headers: key }), "submit");
      else if (status === "rejected") await ok(await ctx.post(`${path}/resubmit`, { headers: key }), "resubmit");
      else if (status === "under_review") {
        const decision =
          want === "rejected"
            ? { decision: "reject", reasons: [{ target: { kind: "field", name: "employer" }, message: "请填写单位全称" }] }
            : { decision: "approve", reasons: [] };
        await ok(await ctx.post(`/api/v1/admin/applications/${id}/decision`, { headers: REVIEWER, data: decision }), "decision");
      } else throw new Error(`application ${id} is ${status}; cannot bring it to ${want}`);
    }
    throw new Error(`application ${id} did not reach ${want}`);
  } finally {
    await ctx.dispose();
  }
}

export function underReviewEvents(app: { events: { status: string }[] }): number {
  return app.events.filter((e) => e.status === "under_review").length;
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

