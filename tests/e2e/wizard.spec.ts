// 报名: the four-step wizard on a phone, against the real reference backend: validation
// before moving on, a URL per step, drafts that survive reloads and lost connections, one
// application per plan, the printable 申报表.
import { expect, test, type Page } from "@playwright/test";
import { apiOrigin, appUrl } from "./support/env";
import { field, freshPhone, registerThroughPage } from "./support/accounts";

const ECOMMERCE = /电子商务师\(网商\)二级职业技能等级认定/;

async function openWizard(page: Page): Promise<string> {
  await page.goto(appUrl());
  await page.getByRole("article", { name: ECOMMERCE }).getByRole("link", { name: "报名" }).click();
  await expect(page).toHaveURL(/\/applications\/[^/]+\/step\/1$/);
  return page.url().match(/applications\/([^/]+)\/step/)![1];
}

async function stored(page: Page, id: string) {
  const res = await page.request.get(`${apiOrigin()}/api/v1/applications/${id}`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

test("the wizard validates each step, keeps a URL per step and saves every change", async ({ page, request }) => {
  test.setTimeout(90_000);
  const phone = freshPhone();
  await registerThroughPage(page, request, appUrl(), phone);
  const id = await openWizard(page);

  // ① 基础信息: nothing filled in yet, so 下一步 stays here and says why.
  const steps = page.getByRole("listitem").filter({ hasText: "基础信息" });
  await expect(steps).toHaveAttribute("aria-current", "step");
  await expect(field(page, "联系电话")).toHaveValue(phone);
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page.getByText("请先修改本步骤中标出的内容。")).toBeVisible();
  await expect(field(page, "姓名")).toBeFocused();
  await expect(page).toHaveURL(/step\/1$/);

  await field(page, "姓名").fill("张三");
  await page.getByRole("radio", { name: "男" }).check();
  await field(page, "身份证号").fill("11010519491231002X");
  await page.getByLabel("文化程度").selectOption({ label: "大专" });
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page.getByText("性别与身份证号不一致。")).toBeVisible();
  await page.getByRole("radio", { name: "女" }).check();
  await page.getByRole("button", { name: "下一步" }).click();

  // ② 身份选择
  await expect(page).toHaveURL(/step\/2$/);
  await expect(page.getByText("所有报考人员均选择“职工身份”")).toBeVisible();
  await page.getByRole("radio", { name: "职工身份" }).check();
  await page.getByRole("button", { name: "下一步" }).click();

  // ③ 报名信息: the condition shows its materials at once.
  await expect(page).toHaveURL(/step\/3$/);
  await page.getByRole("radio", { name: /（一）三级证书/ }).check();
  // The condition's materials (a live region, so a screen reader hears the list change).
  const materials = page.locator("section.bm-materials[aria-live=polite]");
  await expect(materials.getByText("社保证明")).toBeVisible();
  await expect(materials.getByText("三级职业资格/职业技能等级证书")).toBeVisible();

  await field(page, "工作单位").fill("石家庄某某电子商务有限公司");
  await field(page, "单位地址").fill("河北省石家庄市长安区中山东路1号");
  await field(page, "单位人资部门电话").fill("0311-87654321");
  await field(page, "现从事岗位").fill("网店运营");
  await field(page, "现从事岗位年限").fill("6");
  await field(page, "证书名称及等级").fill("电子商务师 三级");
  await field(page, "证书编号").fill("S000013000000123");
  await page.getByLabel("取证时间").fill("2019-06-30");
  await field(page, "发证机构名称").fill("河北省人力资源和社会保障厅");

  await page.getByRole("button", { name: "添加一段经历" }).click();
  const row = page.getByRole("group", { name: "经历 1" });
  await row.getByLabel("起始年月").fill("2023-01");
  await row.getByRole("textbox", { name: "单位或学校" }).fill("石家庄某某电子商务有限公司");
  await row.getByLabel("从事职业(工种)").selectOption("电子商务师");
  await row.getByRole("textbox", { name: "证明人" }).fill("王经理");
  await expect(page.getByText(/累计从事本职业或相关职业工作 \d+ 年 \d+ 个月，不满足 5 年要求/)).toBeVisible();
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page.getByText("工作年限不满足所选报考条件。")).toBeVisible();

  await row.getByLabel("起始年月").fill("2019-07");
  await expect(page.getByText(/累计从事本职业或相关职业工作 \d+ 年 \d+ 个月，满足 5 年要求/)).toBeVisible();

  // Every change reaches the backend.
  await expect(page.getByRole("status").filter({ hasText: "已保存" })).toBeVisible();
  await expect.poll(async () => (await stored(page, id)).draft.history?.[0]?.start).toBe("2019-07");
  const draft = (await stored(page, id)).draft;
  expect(draft.name).toBe("张三");
  expect(draft.gender).toBe("female");
  expect(draft.condition).toBe("level3_plus_five_years");

  // Reload and back/forward.
  await page.reload();
  await expect(field(page, "工作单位")).toHaveValue("石家庄某某电子商务有限公司");
  await page.goBack();
  await expect(page).toHaveURL(/step\/2$/);
  await expect(page.getByRole("radio", { name: "职工身份" })).toBeChecked();
  await page.goForward();
  await expect(page).toHaveURL(/step\/3$/);

  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page).toHaveURL(/step\/4$/);
  await expect(page.getByRole("region", { name: /身份证人像面照片/ })).toBeVisible();

  // 报名 again on the plan opens the same application, at the first incomplete step.
  await page.goto(appUrl());
  await page.getByRole("article", { name: ECOMMERCE }).getByRole("link", { name: "报名" }).click();
  await expect(page).toHaveURL(new RegExp(`/applications/${id}/step/4$`));

  // The printable 申报表 is filled from the wizard.
  await page.goto(new URL(`applications/${id}/form`, appUrl()).toString());
  const sheet = page.getByRole("region", { name: "职业技能等级认定申报表" });
  await expect(sheet.getByRole("heading", { name: "职业技能等级认定申报表" })).toBeVisible();
  await expect(sheet.getByText("张三")).toBeVisible();
  await expect(sheet.getByText("电子商务师(网商)")).toBeVisible();
  await expect(sheet.getByText(/从事电子商务师岗位.*累计从事本职业或相关职业工作满5年条件/)).toBeVisible();
});

test("edits made offline or just before a reload are never lost", async ({ page, request, context }) => {
  const phone = freshPhone();
  await registerThroughPage(page, request, appUrl(), phone);
  const id = await openWizard(page);

  // Typed and reloaded at once, before the debounced save.
  await field(page, "姓名").fill("李四");
  await page.reload();
  await expect(field(page, "姓名")).toHaveValue("李四");
  await expect.poll(async () => (await stored(page, id)).draft.name).toBe("李四");

  // Offline: the indicator says so and retries by itself once back online.
  await context.setOffline(true);
  await field(page, "姓名").fill("李四四");
  await expect(page.getByRole("status").filter({ hasText: "未能保存，将自动重试" })).toBeVisible();
  await context.setOffline(false);
  await expect(page.getByRole("status").filter({ hasText: "已保存" })).toBeVisible({ timeout: 20_000 });
  await expect.poll(async () => (await stored(page, id)).draft.name).toBe("李四四");

  // Saved: nothing personal stays in the browser.
  const local = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("baoming.draft")));
  expect(local).toEqual([]);
});

test("报名信息 lists the application and leads back into it", async ({ page, request }) => {
  await registerThroughPage(page, request, appUrl(), freshPhone());
  const id = await openWizard(page);
  await field(page, "姓名").fill("赵六");
  await page.getByRole("link", { name: "报名信息" }).click();
  const card = page.getByRole("article", { name: ECOMMERCE });
  await expect(card).toBeVisible();
  await expect(card.getByText("草稿").first()).toBeVisible();
  await card.getByRole("link", { name: "继续填写 / 修改" }).click();
  await expect(page).toHaveURL(new RegExp(`/applications/${id}/step/1$`));
  await expect(field(page, "姓名")).toHaveValue("赵六");
});
