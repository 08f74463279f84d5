// "axe finds no violations on any page, in either language": every page of
// support/pages.ts, in every state there, in Chinese and in English, against WCAG 2.1 A/AA.
import { expect, test } from "@playwright/test";
import { LANGS, PAGES, axeViolations, states, visit, type States } from "./support/pages";

let s: States;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  s = await states();
});

for (const lang of LANGS) {
  test.describe(`axe, ${lang}`, () => {
    for (const state of PAGES) {
      test(`${lang} ${state.name}`, async ({ page }) => {
        await visit(page, s, state, lang);
        const violations = await axeViolations(page);
        expect(violations, `axe on ${state.name} (${lang}, ${page.url()}):\n${violations.join("\n")}`).toEqual([]);
      });
    }
  });
}
