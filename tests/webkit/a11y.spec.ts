// Every page on the iPhone's engine: the pages of support/pages.ts that need nothing but a
// visit (the ones that fake network failures are Chromium's, whose requests Playwright can
// intercept), in Chinese and English, at 360 px: axe (WCAG 2.1 A/AA, axe-core run inside
// WebKit), no sideways scrolling, no text cut off; a screenshot of each in
// <outputDir>/screenshots/webkit-<lang>-<page>.png.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { appUrl } from "../e2e/support/env";
import {
  LANGS,
  LANG_CODE,
  PAGES,
  WCAG_TAGS,
  clippedTextInPage,
  sidewaysOverflowInPage,
  states,
  widestElementsInPage,
  type Account,
  type Lang,
  type States,
} from "../e2e/support/pages";
import { expect, test, type Wk } from "./support/webkit";

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** What shows that each page is ready (support/pages.ts's `ready`, as CSS). */
const READY: Record<string, string> = {
  plans: ".bm-plans article",
  register: "#confirm-password",
  login: "#password",
  "login-to-continue": "main > .bm-notice",
  "forgot-password": "#confirm-password",
  "not-found": "main .bm-card",
  "plans-signed-in": ".bm-plans article",
  "applications-draft-rejected": ".bm-plans article",
  "status-draft": ".bm-status",
  "wizard-2-identity": '.bm-steps__item:nth-child(2)[aria-current="step"]',
  "wizard-3-details": ".bm-history-row",
  "wizard-4-documents": ".bm-slot[data-state=uploaded] img",
  "wizard-check": ".bm-check__thumb",
  "wizard-check-resubmit": ".bm-check__thumb",
  "print-form": ".bm-sheet__table",
  "status-rejected": ".bm-reasons li",
  "wizard-4-rejected-portrait": ".bm-slot__review",
  "wizard-3-rejected-employer": "#employer",
  "applications-pay-review": ".bm-plans article",
  "status-under-review": ".bm-status",
  "status-awaiting-payment": ".bm-status a.bm-button--primary",
  "pay-qr": ".bm-pay__qr svg",
  "applications-paid-draft": ".bm-plans article",
  "status-paid": ".bm-status .bm-notice--info",
  "pay-nothing-due": "main section.bm-card[role=status]",
  "wizard-1-basic": "#education",
};

/** Opens the app's origin in `lang`, logged in as `account` (its session cookie and the hint
 * the app leaves when it logs in), before the page itself is opened. */
async function prepare(wk: Wk, lang: Lang, account?: Account) {
  await wk.goto(new URL("no-such-page", appUrl()).toString());
  await wk.eval(`(code, signedIn) => { localStorage.clear(); localStorage.setItem("baoming.lang", code); if (signedIn) localStorage.setItem("baoming.signed_in", "1"); }`, LANG_CODE[lang], !!account);
  await wk.driver.manage().deleteAllCookies();
  for (const c of account?.cookies ?? []) {
    await wk.driver.manage().addCookie({ name: c.name, value: c.value, path: c.path, httpOnly: c.httpOnly, secure: c.secure });
  }
}

let s: States;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  s = await states();
});

const pages = PAGES.filter((p) => READY[p.name]);

test("the WebKit scan covers every page that needs only a visit", () => {
  const missing = PAGES.filter((p) => !p.before && !p.then && !p.bilingual && !READY[p.name]).map((p) => p.name);
  expect(missing).toEqual([]);
});

for (const lang of LANGS) {
  test(`every page on WebKit, ${lang}: axe, no sideways scrolling, no clipped text`, async ({ wk }, info) => {
    test.setTimeout(300_000);
    const found: string[] = [];
    for (const page of pages) {
      await prepare(wk, lang, page.as && s[page.as].account);
      await wk.goto(new URL(page.path(s), appUrl()).toString());
      await wk.shown(READY[page.name], { timeout: 15_000 });
      await wk.until("no loading notice", async () => wk.eval<boolean>(`() => !document.querySelector(".bm-loading")`));
      await wk.until(`lang=${LANG_CODE[lang]}`, async () => (await wk.eval<string>(`() => document.documentElement.lang`)) === LANG_CODE[lang]);
      await wk.eval(`() => document.fonts.ready`);
      if (!(await wk.eval<boolean>(`() => typeof axe !== "undefined"`))) await wk.driver.executeScript(AXE);
      const { violations, passes } = (await wk.driver.executeAsyncScript(
        `const [tags, done] = arguments;
         axe.run(document, { runOnly: { type: "tag", values: tags } })
           .then((r) => done({
             violations: r.violations.map((v) => "[" + v.id + "] " + v.help + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")),
             passes: r.passes.length,
           }))
           .catch((e) => done({ violations: ["axe failed: " + e], passes: 0 }));`,
        WCAG_TAGS,
      )) as { violations: string[]; passes: number };
      // axe really looked: a page always passes some rules (lang, title, landmarks…).
      expect(passes, `${page.name} (${lang}): rules axe passed`).toBeGreaterThan(5);
      for (const v of violations) found.push(`${page.name} (${lang}): ${v}`);
      const overflow = await wk.eval<number>(sidewaysOverflowInPage.toString());
      if (overflow > 0) found.push(`${page.name} (${lang}) scrolls sideways by ${overflow}px: ${(await wk.eval<string[]>(widestElementsInPage.toString())).join(", ")}`);
      for (const c of await wk.eval<string[]>(clippedTextInPage.toString())) found.push(`${page.name} (${lang}): ${c}`);
      await wk.screenshot(path.join(info.outputDir, "screenshots", `webkit-${lang}-${page.name}.png`));
    }
    expect(found).toEqual([]);
  });
}
