// What a new candidate stumbled over on a 360 × 640 phone (issue 14's defects), one test
// each: a PNG named .jpg, the document title in English, the header's rows, the navigation
// inside the wizard, step ③'s conditions, the chosen condition's colour, a stale "fix what
// is marked", the order number and the 审核不通过 badge; and the plan's two deadlines (no 报名
// after registration closes, 重新提交 until the correction deadline).
import { expect, test, type Page } from "@playwright/test";
import { apiOrigin, appUrl } from "./support/env";
import { portraitPng } from "./support/images";
import { logIn, states, useLang, type States } from "./support/pages";
import { slotOf } from "./support/wizard";

const PHONE = { width: 360, height: 640 };

let s: States;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  s = await states();
});

test.beforeEach(async ({ page }) => {
  await page.setViewportSize(PHONE);
});

const open = (page: Page, path: string) => page.goto(new URL(path, appUrl()).toString());

/** The computed colour of `property` of the first element matching `selector`. */
const colour = (page: Page, selector: string, property: string) =>
  page.locator(selector).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property);

test("a PNG named .jpg picked as the portrait is called a PNG", async ({ page }) => {
  await logIn(page, s.a.account);
  await open(page, `applications/${s.a.draft}/step/4`);
  await slotOf(page, "portrait")
    .locator('input[type="file"]')
    .setInputFiles({ name: "证件照.jpg", mimeType: "image/jpeg", buffer: portraitPng() });
  const slot = slotOf(page, "portrait");
  await expect(slot.getByText("这张照片实际是 PNG 格式")).toBeVisible();
  await expect(slot.getByText("个人照片须为 JPG 格式")).toBeVisible();
});

test("the document title follows the language", async ({ page }) => {
  await open(page, "login");
  await expect(page).toHaveTitle("职业技能等级认定报名");
  await page.getByRole("button", { name: "English" }).click();
  await expect(page).toHaveTitle("Skill Certificate Registration");
  await page.reload();
  await expect(page).toHaveTitle("Skill Certificate Registration");
});

for (const lang of ["zh", "en"] as const) {
  test(`logged in, the navigation keeps one row at 360 px (${lang})`, async ({ page }) => {
    await useLang(page, lang);
    await logIn(page, s.b.account);
    await open(page, "applications");
    const logout = page.locator(".bm-nav__logout");
    await expect(logout).toBeVisible();
    const nav = await page.locator(".bm-nav").boundingBox();
    // One row of 44 px targets (and the bar's own border), not two.
    expect(nav!.height).toBeLessThan(60);
    const [first, last] = [await page.locator(".bm-nav__inner a").first().boundingBox(), await logout.boundingBox()];
    expect(Math.abs(first!.y - last!.y)).toBeLessThan(2);
  });
}

test("inside the wizard 考试报名 is the current entry, as its heading says", async ({ page }) => {
  await logIn(page, s.a.account);
  await open(page, `applications/${s.a.draft}/step/1`);
  await expect(page.getByRole("heading", { level: 1, name: "考试报名" })).toBeVisible();
  const nav = page.locator(".bm-nav");
  await expect(nav.getByRole("link", { name: "考试报名" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "报名信息" })).not.toHaveAttribute("aria-current", "page");
  // The application's own page is 报名信息's.
  await open(page, `applications/${s.a.draft}`);
  await expect(nav.getByRole("link", { name: "报名信息" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "考试报名" })).not.toHaveAttribute("aria-current", "page");
});

test("step ③ offers the five conditions compactly, the chosen one's text in view and framed in ink", async ({ page }) => {
  await logIn(page, s.a.account);
  await open(page, `applications/${s.a.draft}/step/3`);
  const conditions = page.locator("fieldset.bm-choice").filter({ has: page.getByRole("radio", { name: /（一）/ }) });
  await expect(conditions).toBeVisible();
  // Five short titles, not ~1,900 px of text before the first field.
  expect((await conditions.boundingBox())!.height).toBeLessThan(640);
  const chosen = page.getByRole("radio", { name: /（三）/ });
  await expect(chosen).toBeChecked();
  await expect(page.locator(".bm-condition--chosen .bm-condition__text")).toContainText("中级职称");
  await expect(page.locator(".bm-condition--chosen .bm-condition__text")).toBeVisible();
  // Another condition's full text is a tap away.
  const other = page.locator(".bm-condition").filter({ has: page.getByRole("radio", { name: /（一）/ }) });
  await expect(other.locator(".bm-condition__text")).toBeHidden();
  await other.getByText("条件全文").click();
  await expect(other.locator(".bm-condition__text")).toBeVisible();
  // Not the error colour.
  const error = await colour(page, ".bm-field__error", "color");
  expect(await colour(page, ".bm-condition--chosen", "border-top-color")).not.toBe(error);
  expect(await colour(page, ".bm-condition--chosen", "border-top-color")).not.toBe("rgb(180, 35, 42)");
});

test("请先修改本步骤中标出的内容 goes once the marked field is fixed", async ({ page }) => {
  await logIn(page, s.a.account);
  await open(page, `applications/${s.a.draft}/step/1`);
  const name = page.getByLabel("姓名");
  await expect(name).not.toHaveValue("");
  const before = await name.inputValue();
  await name.fill("");
  await page.getByRole("button", { name: "下一步" }).click();
  const notice = page.getByText("请先修改本步骤中标出的内容。");
  await expect(notice).toBeVisible();
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await name.fill(before);
  await expect(name).not.toHaveAttribute("aria-invalid", "true");
  await expect(notice).toBeHidden();
});

test("the order number is never broken between digits", async ({ page }) => {
  await logIn(page, s.b.account);
  await open(page, `pay/${s.b.awaitingPayment}`);
  const number = page.locator(".bm-order-no");
  await expect(number).toBeVisible();
  const lines = await number.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });
  expect(lines).toBe(1);
});

test("审核不通过 is shown in the attention colour", async ({ page }) => {
  await logIn(page, s.a.account);
  await open(page, "applications");
  const badge = page.locator(".bm-badge", { hasText: "审核不通过" }).first();
  await expect(badge).toBeVisible();
  const grey = await badge.evaluate((el) => getComputedStyle(el).color);
  expect(grey).toBe("rgb(180, 35, 42)");
});

/** The last day before an exclusive deadline, as the app prints it (China Standard Time). */
const lastDay = (rfc3339: string) => new Date(Date.parse(rfc3339) - 1000).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });

test("after registration closes a draft cannot be sent; a rejected one can until its correction deadline", async ({ page }) => {
  await logIn(page, s.a.account);
  const get = async (path: string) => {
    const res = await page.request.get(`${apiOrigin()}/api/v1/${path}`);
    expect(res.status(), path).toBe(200);
    return res.json();
  };
  const plan = await get(`plans/${(await get(`applications/${s.a.draft}`)).plan_id}`);
  expect((await get(`applications/${s.a.rejected}`)).status).toBe("rejected");
  const rejectedPlan = await get(`plans/${(await get(`applications/${s.a.rejected}`)).plan_id}`);
  const [closes, corrections] = [lastDay(plan.closes_at), lastDay(plan.corrections_close_at)];
  expect(Date.parse(plan.corrections_close_at)).toBeGreaterThan(Date.parse(plan.closes_at));

  // The plan page and the wizard show both dates.
  await open(page, "");
  await expect(page.getByRole("article").first()).toContainText("补正截止");
  await open(page, `applications/${s.a.draft}/step/check`);
  const dates = page.locator(".bm-wizard__dates");
  await expect(dates).toContainText(`报名截止 ${closes}`);
  await expect(dates).toContainText(`补正截止 ${corrections}`);
  await expect(page.locator('[data-problem="deadline"]')).toHaveCount(0);
  await expect(page.getByRole("button", { name: "报名", exact: true })).toBeEnabled();

  // A minute after registration closed: the draft says so, with the date, and 报名 is off.
  await page.clock.setFixedTime(new Date(Date.parse(plan.closes_at) + 60_000));
  await page.reload();
  const late = page.locator('[data-problem="deadline"]');
  await expect(late).toContainText("报名已截止");
  await expect(late).toContainText(closes);
  await expect(page.getByRole("button", { name: "报名", exact: true })).toBeDisabled();
  // The rejected application may still be corrected and sent again.
  await page.clock.setFixedTime(new Date(Date.parse(rejectedPlan.closes_at) + 60_000));
  await open(page, `applications/${s.a.rejected}/step/check`);
  await expect(page.getByRole("button", { name: "重新提交" })).toBeEnabled();
  await expect(page.locator('[data-problem="deadline"]')).toHaveCount(0);

  // Past the correction deadline it cannot.
  await page.clock.setFixedTime(new Date(Date.parse(rejectedPlan.corrections_close_at) + 60_000));
  await page.reload();
  await expect(late).toContainText("补正已截止");
  await expect(late).toContainText(lastDay(rejectedPlan.corrections_close_at));
  await expect(page.getByRole("button", { name: "重新提交" })).toBeDisabled();
});
