// After 报名: rejected with a reason on the portrait → fix → 重新提交 → approved → WeChat Pay
// in the sandbox → 缴费成功, on a phone, against the real reference backend.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiOrigin, appUrl } from "./support/env";
import { freshPhone, registerThroughPage } from "./support/accounts";
import { slot, submitApplication, upload } from "./support/wizard";
import { portraitJpeg } from "./support/images";
import jsQR from "jsqr";
import { PNG } from "pngjs";

const REVIEWER = { Authorization: "Bearer dev-reviewer-token" };

async function decide(request: APIRequestContext, id: string, body: object) {
  const res = await request.post(`${apiOrigin()}/api/v1/admin/applications/${id}/decision`, { headers: REVIEWER, data: body });
  expect(res.status(), await res.text()).toBe(200);
}

/** 办理进度 reads, stage by stage: its name, then 已完成 with the date (China time), 未开始, or for
 * the one current stage (aria-current="step", said as 当前步骤) what it is now. */
async function expectProgress(page: Page, stages: [name: string, state: string][]) {
  const list = page.getByRole("list", { name: "办理进度" });
  const steps = list.getByRole("listitem");
  await expect(steps).toHaveText(
    stages.map(([name, state]) => {
      if (state === "已完成") return new RegExp(`${name}\\s*已完成 \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}`);
      if (state === "未开始") return new RegExp(`${name}\\s*未开始$`);
      return new RegExp(`${name}\\s*当前步骤.*${state}`);
    }),
  );
  const current = stages.findIndex(([, state]) => state !== "已完成" && state !== "未开始");
  await expect(list.locator('[aria-current="step"]')).toHaveCount(1);
  await expect(steps.nth(current)).toHaveAttribute("aria-current", "step");
  return steps.nth(current);
}

test("rejected, fixed, resubmitted, approved, paid", async ({ page, request }) => {
  test.setTimeout(120_000);
  await registerThroughPage(page, request, appUrl(), freshPhone());
  const id = await submitApplication(page);

  await decide(request, id, {
    decision: "reject",
    reasons: [{ target: { kind: "document", name: "portrait" }, message: "背景不是白色，请上传白底证件照" }],
  });

  await page.goto(new URL(`applications/${id}`, appUrl()).toString());
  await expect(page.getByText("审核不通过").first()).toBeVisible();
  // The road: filled in and submitted behind, 审核 stopped at 审核不通过 in the attention colour
  // (not the grey of what is still to come), 缴费 → 准考证 ahead.
  const rejected = await expectProgress(page, [
    ["填写报名信息", "已完成"],
    ["提交报名", "已完成"],
    ["审核", "审核不通过"],
    ["缴费", "未开始"],
    ["缴费成功", "未开始"],
    ["准考证", "未开始"],
  ]);
  await expect(rejected.locator(".bm-stepper__marker")).toHaveCSS("background-color", "rgb(180, 35, 42)");
  await rejected.getByRole("link", { name: "查看原因并修改" }).click();
  await expect(page.locator("#bm-reasons")).toBeInViewport();
  await expect(page.getByText("查看原因", { exact: true })).toBeVisible();
  const reason = page.getByRole("listitem").filter({ hasText: "背景不是白色" });
  await expect(reason).toContainText("个人照片");
  await reason.getByRole("link", { name: "去修改" }).click();
  await expect(page).toHaveURL(new RegExp(`/applications/${id}/step/4\\?focus=upload-portrait$`));
  // Exactly that slot: its file picker has the focus.
  await expect(page.locator("#upload-portrait")).toBeFocused();
  // Another photo on white than the one first submitted.
  await upload(page, "个人照片", { name: "white.jpg", mimeType: "image/jpeg", buffer: portraitJpeg(2) });
  await expect(slot(page, "个人照片")).toHaveAttribute("data-state", "uploaded");

  // The candidate also corrects the employer's name; the page lists what changed.
  await page.goto(new URL(`applications/${id}/step/3`, appUrl()).toString());
  await page.getByRole("textbox", { name: "工作单位", exact: true }).fill("石家庄某某网络科技股份有限公司");
  await expect(page.getByRole("status").filter({ hasText: "已保存" })).toBeVisible();
  await expect.poll(async () => (await (await page.request.get(`${apiOrigin()}/api/v1/applications/${id}`)).json()).draft.employer).toBe("石家庄某某网络科技股份有限公司");
  await page.goto(new URL(`applications/${id}`, appUrl()).toString());
  await expect(page.locator("section.bm-changed[aria-live=polite]")).toContainText("工作单位");
  // 重新提交 goes through 核对报名信息: what changed since the rejected submission is marked.
  await page.getByRole("link", { name: "核对并重新提交" }).click();
  await expect(page).toHaveURL(new RegExp(`/applications/${id}/step/check$`));
  const changedRow = page.locator(".bm-check__row--changed").filter({ hasText: "工作单位" });
  await expect(changedRow).toHaveCount(1);
  await expect(changedRow).toContainText("已修改");
  await page.getByRole("button", { name: "重新提交" }).click();
  await expect(page.getByText("报名已提交，状态：审核中。")).toBeVisible();
  await page.goto(new URL(`applications/${id}`, appUrl()).toString());
  await expect(page.getByText("审核中").first()).toBeVisible();
  await expect(page.getByText("预计审核完成")).toBeVisible();
  const reviewing = await expectProgress(page, [
    ["填写报名信息", "已完成"],
    ["提交报名", "已完成"],
    ["审核", "审核中"],
    ["缴费", "未开始"],
    ["缴费成功", "未开始"],
    ["准考证", "未开始"],
  ]);
  await expect(reviewing).toContainText("预计审核完成");

  await decide(request, id, { decision: "approve", reasons: [] });
  await page.reload();
  await page.getByRole("link", { name: "待缴费" }).click();
  await expect(page).toHaveURL(new RegExp(`/pay/${id}$`));

  const qr = page.getByRole("img", { name: "微信支付二维码" });
  await expect(qr.locator("svg")).toBeVisible();
  const box = await qr.locator("svg").boundingBox();
  expect(box!.width).toBeGreaterThanOrEqual(240);
  await expect(page.getByText("¥300.00")).toBeVisible();
  await expect(page.getByText(/电子商务师\(网商\)二级职业技能等级认定/)).toBeVisible();
  await expect(page.getByText("请使用微信扫一扫")).toBeVisible();
  const orderNo = (await page.locator(".bm-pay__amount dd").nth(1).textContent())!.trim();
  expect(orderNo).toMatch(/^BM\d+/);

  // A real QR decoder reads exactly the backend's code_url from a screenshot of the page.
  const order = await (await page.request.get(`${apiOrigin()}/api/v1/orders/${orderNo}`)).json();
  const png = PNG.sync.read(await qr.screenshot());
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(decoded?.data).toBe(order.code_url);
  expect(order.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl/);

  // 我已支付 before paying: told so, nothing paid twice.
  await page.getByRole("button", { name: "我已支付" }).click();
  await expect(page.getByRole("alert")).toContainText("尚未收到支付结果");

  // Paid in the sandbox: the page finds out by itself.
  const paid = await request.post(`${apiOrigin()}/api/v1/dev/orders/${orderNo}/mark-paid`);
  expect(paid.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "缴费成功" })).toBeVisible({ timeout: 10_000 });

  // Polling stops once paid.
  let polls = 0;
  page.on("request", (r) => {
    if (r.url().includes(`/orders/${orderNo}`)) polls += 1;
  });
  await page.waitForTimeout(5_000);
  expect(polls).toBe(0);

  const app = await (await page.request.get(`${apiOrigin()}/api/v1/applications/${id}`)).json();
  expect(app.status).toBe("paid");
  const again = await page.request.post(`${apiOrigin()}/api/v1/applications/${id}/orders`, { headers: { "Idempotency-Key": "again-1" } });
  expect(again.status()).toBe(409);
  await page.reload();
  await expect(page.getByText("这份报名当前无需缴费")).toBeVisible();

  // 报名详情: everything up to 缴费 done, 缴费成功 now (wait for the ticket), 准考证 ahead; the
  // detailed history is still there, one row per status change.
  await page.goto(new URL(`applications/${id}`, appUrl()).toString());
  await expectProgress(page, [
    ["填写报名信息", "已完成"],
    ["提交报名", "已完成"],
    ["审核", "已完成"],
    ["缴费", "已完成"],
    ["缴费成功", "请等待准考证打印通知"],
    ["准考证", "未开始"],
  ]);
  await page.getByText("全部办理记录").click();
  await expect(page.locator(".bm-history li")).toHaveText([/草稿/, /审核中/, /审核不通过/, /审核中/, /待缴费/, /缴费成功/]);
});
