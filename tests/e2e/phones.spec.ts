// Every page of support/pages.ts on phones and a desktop, in both languages:
//
// - "Screenshots of every page at 360×640, 390×844 and 1280×800 in both languages, with a
//   test that no page scrolls sideways": a full-page screenshot of each, in
//   <outputDir>/screenshots/<lang>-<width>x<height>-<page>.png (target/playwright-results/
//   screenshots/ under `cargo xtask test`; Playwright empties the folder at the start of
//   each run, so it always holds the last run's pictures).
// - "The layout holds at 200 % zoom": 1280×800 at 200 % is a 640×400 CSS-pixel viewport, and
//   320 CSS pixels wide is WCAG 1.4.10's reflow width (1280 at 400 %): no sideways scrolling,
//   and no text cut off by a box too small for it (or hidden in a box that scrolls).
import path from "node:path";
import { expect, test } from "@playwright/test";
import { LANGS, PAGES, chineseText, clippedText, sidewaysOverflow, states, visit, widestElements, type States } from "./support/pages";

const SCREENS = [
  { width: 360, height: 640 },
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];
const ZOOMED = [
  { width: 640, height: 400, what: "1280×800 at 200 %" },
  { width: 320, height: 256, what: "1280×1024 at 400 % (WCAG reflow)" },
];

let s: States;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  s = await states();
});

for (const lang of LANGS) {
  test.describe(`screens, ${lang}`, () => {
    for (const state of PAGES) {
      test(`${lang} ${state.name}`, async ({ page }, info) => {
        await page.setViewportSize(SCREENS[0]);
        await visit(page, s, state, lang);
        for (const size of SCREENS) {
          await page.setViewportSize(size);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          const file = path.join(info.project.outputDir, "screenshots", `${lang}-${size.width}x${size.height}-${state.name}.png`);
          await page.screenshot({ path: file, fullPage: true });
          const overflow = await sidewaysOverflow(page);
          expect.soft(overflow, `${state.name} (${lang}) scrolls sideways by ${overflow}px at ${size.width}×${size.height}: ${(await widestElements(page)).join(", ")}`).toBeLessThanOrEqual(0);
        }
        if (lang === "en" && !state.bilingual) {
          // Chinese that people wrote (plan names, answers, reviewers' reasons) is marked
          // lang="zh-CN"; anything else in Chinese on an English page is left untranslated.
          expect.soft(await chineseText(page), `${state.name} (en): Chinese text outside lang="zh…"`).toEqual([]);
        }
        for (const size of ZOOMED) {
          await page.setViewportSize(size);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          const overflow = await sidewaysOverflow(page);
          expect.soft(overflow, `${state.name} (${lang}) scrolls sideways by ${overflow}px at ${size.what}: ${(await widestElements(page)).join(", ")}`).toBeLessThanOrEqual(0);
          const clipped = await clippedText(page);
          expect.soft(clipped, `${state.name} (${lang}) at ${size.what}:\n${clipped.join("\n")}`).toEqual([]);
        }
      });
    }
  });
}
