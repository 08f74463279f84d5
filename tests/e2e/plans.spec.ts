// 考试报名: the plans page against the real reference backend, at phone and desktop widths,
// from any place the build is deployed, and when the backend fails.
import { expect, test, type Page } from "@playwright/test";
import { apiOrigin, appUrl, subpathUrl } from "./support/env";
import { field } from "./support/accounts";

const ECOMMERCE = /电子商务师\(网商\)二级职业技能等级认定/;
const MARKETER = /互联网营销师\(直播销售员\)二级职业技能等级认定/;

async function expectBothPlans(page: Page) {
  await expect(page.getByRole("heading", { level: 1, name: "考试报名" })).toBeVisible();
  const plans = page.getByRole("article");
  await expect(plans).toHaveCount(2);
  for (const name of [ECOMMERCE, MARKETER]) {
    const card = page.getByRole("article", { name });
    await expect(card).toBeVisible();
    await expect(card.getByText("¥300.00")).toBeVisible();
    await expect(card.getByText("二级 / 技师")).toBeVisible();
    await expect(card.getByText("报名中")).toBeVisible();
    await expect(card.getByRole("link", { name: "报名" })).toBeVisible();
  }
}

async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const viewport of [
  { width: 360, height: 640 },
  { width: 1280, height: 800 },
]) {
  test(`lists both plans at ${viewport.width}×${viewport.height}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto(appUrl());
    await expectBothPlans(page);
    await expectNoSidewaysScroll(page);
  });
}

test("the plans come from the backend, not from the page", async ({ page, request }) => {
  const res = await request.get(`${apiOrigin()}/api/v1/plans`);
  expect(res.ok()).toBeTruthy();
  const { plans } = await res.json();
  await page.goto(appUrl());
  for (const plan of plans) {
    await expect(page.getByRole("heading", { name: plan.name })).toBeVisible();
  }
});

test("works under a sub-path, and deep links survive a reload", async ({ page }) => {
  const base = subpathUrl();
  await page.goto(base);
  await expectBothPlans(page);

  // 报名 needs an account: the candidate lands on 登录, which remembers where to go back.
  await page.getByRole("article", { name: ECOMMERCE }).getByRole("link", { name: "报名" }).click();
  await expect(page).toHaveURL(new RegExp(`${new URL(base).pathname}login\\?next=%2Fapply%2Fecommerce-`));
  await expect(page.getByRole("heading", { level: 1, name: "登录" })).toBeVisible();

  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "登录" })).toBeVisible();
  await expect(field(page, "手机号")).toBeVisible();

  await page.getByRole("link", { name: "考试报名" }).first().click();
  await expect(page).toHaveURL(base);
  await expectBothPlans(page);
});

test("every route is a real page, also when opened directly", async ({ page }) => {
  // Pages that need an account show 登录 to a visitor who is not logged in.
  const pages: [string, string][] = [
    ["register", "考生注册"],
    ["login", "登录"],
    ["forgot-password", "忘记密码"],
    ["applications", "登录"],
    ["applications/some-id", "登录"],
    ["pay/some-id", "登录"],
    ["apply/some-plan", "登录"],
    ["no-such-page", "页面不存在"],
    // Deeper than any route: the boot script finds the deployment's folder by config.json.
    ["no/such/page", "页面不存在"],
  ];
  for (const [path, heading] of pages) {
    await page.goto(new URL(path, subpathUrl()).toString());
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  }
  await expect(page).toHaveURL(new URL("no/such/page", subpathUrl()).toString());
});

test("a failing backend gets a clear message and a working retry", async ({ page }) => {
  let mode: "500" | "down" | "ok" = "500";
  await page.route("**/api/v1/plans", async (route) => {
    if (mode === "500") {
      await route.fulfill({
        status: 500,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "internal", message: "boom" } }),
      });
    } else if (mode === "down") {
      await route.abort("connectionrefused");
    } else {
      await route.continue();
    }
  });

  await page.goto(appUrl());
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("认定计划加载失败");
  await expect(alert).toContainText("服务器暂时出现问题");

  mode = "down";
  await alert.getByRole("button", { name: "重试" }).click();
  await expect(page.getByRole("alert")).toContainText("网络连接失败");

  mode = "ok";
  await page.getByRole("alert").getByRole("button", { name: "重试" }).click();
  await expectBothPlans(page);
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("a backend that never answers times out with a retry", async ({ page }) => {
  test.setTimeout(60_000);
  // The deployment's config sets a 3 s time-out (the default is 20 s); a read that times out
  // is tried once more on its own, so the message comes after two time-outs.
  await page.route("**/config.json", async (route) => {
    const config = await (await route.fetch()).json();
    await route.fulfill({ json: { ...config, request_timeout_ms: 3000 } });
  });
  let hang = true;
  let attempts = 0;
  await page.route("**/api/v1/plans", async (route) => {
    attempts += 1;
    if (hang) return; // never answered: the app's own time-out must fire
    await route.continue();
  });
  await page.goto(appUrl());
  await expect(page.getByRole("status")).toContainText("正在加载");
  await expect(page.getByRole("alert")).toContainText("服务器响应超时", { timeout: 15_000 });
  expect(attempts).toBe(2);
  hang = false;
  await page.getByRole("button", { name: "重试" }).click();
  await expectBothPlans(page);
});

test("the static shell shows before the wasm arrives", async ({ page }) => {
  await page.route("**/*.wasm", () => {
    /* held back: the page must already show its frame */
  });
  await page.goto(appUrl());
  await expect(page.getByText("职业技能等级认定报名").first()).toBeVisible();
  await expect(page.getByRole("status")).toContainText("正在加载报名系统");
  await expect(page.getByRole("status")).toContainText("请不要关闭页面");
});

for (const [what, fulfill] of [
  ["missing", { status: 404, body: "not found" }],
  ["broken", { status: 200, contentType: "application/json", body: "{ api_base: " }],
  ["without api_base", { status: 200, contentType: "application/json", body: "{}" }],
] as const) {
  test(`a ${what} config.json gives a readable error page`, async ({ page }) => {
    await page.route("**/config.json", (route) => route.fulfill(fulfill));
    await page.goto(appUrl());
    await expect(page.getByRole("heading", { name: "站点配置有误，暂时无法使用" })).toBeVisible();
    await expect(page.getByText("config.json").first()).toBeVisible();
  });
}

test("the language choice switches the page and is kept across visits", async ({ page }) => {
  await page.goto(appUrl());
  await expectBothPlans(page);
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Exam registration" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Exam registration" })).toBeVisible();
  await page.getByRole("button", { name: "中文" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "考试报名" })).toBeVisible();
});
