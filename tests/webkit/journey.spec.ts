// The whole road on the iPhone's engine, as a candidate walks it on a 360 px phone:
// register → the wizard → every upload, the portrait made a one-inch photo by 自动处理 →
// 核对报名信息 → 报名 → rejected → fixed → 重新提交 → approved → WeChat Pay QR → 缴费成功,
// against the real reference backend.
import type { APIRequestContext } from "@playwright/test";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { apiOrigin, appUrl } from "../e2e/support/env";
import { freshPhone } from "../e2e/support/accounts";
import { REVIEWER } from "../e2e/support/api";
import { CONDITION_THREE, goodFileFor } from "../e2e/support/wizard";
import { bigPortraitJpeg, portraitJpeg } from "../e2e/support/images";
import { expect, test } from "./support/webkit";
import { SLUGS, autoFix, fillSteps, pick, register, slot, stored } from "./support/wizard";

async function decide(request: APIRequestContext, id: string, body: object) {
  const res = await request.post(`${apiOrigin()}/api/v1/admin/applications/${id}/decision`, { headers: REVIEWER, data: body });
  expect(res.status(), await res.text()).toBe(200);
}

test("register → wizard → uploads with 自动处理 → 报名 → rejected → resubmitted → paid", async ({ wk, request }) => {
  test.setTimeout(240_000);
  await register(wk, request, freshPhone());
  const id = await fillSteps(wk);

  for (const name of CONDITION_THREE) {
    await pick(wk, SLUGS[name], goodFileFor(name));
    await wk.attribute(await slot(wk, SLUGS[name]), "data-state", "uploaded", 20_000);
  }

  // A camera portrait, far over 80 KB: 自动处理 makes it a one-inch photo inside 40–80 KB.
  await autoFix(wk, request, id, { name: "IMG_2041.jpg", mimeType: "image/jpeg", buffer: bigPortraitJpeg() });

  // 核对报名信息, then 报名.
  await wk.click("下一步：核对信息");
  await wk.at(/\/step\/check$/);
  await wk.shown("h2, h1", { text: "核对报名信息" });
  await wk.click("报名", { css: "button" });
  await wk.sees("报名已提交，状态：审核中。");

  // Rejected on the portrait: 查看原因 → 去修改 opens its slot; a new photo; 重新提交.
  await decide(request, id, {
    decision: "reject",
    reasons: [{ target: { kind: "document", name: "portrait" }, message: "背景不是白色，请上传白底证件照" }],
  });
  await wk.goto(new URL(`applications/${id}`, appUrl()).toString());
  await wk.sees("审核不通过");
  const reason = await wk.shown("li", { text: "背景不是白色" });
  await wk.click("去修改", { within: reason, css: "a" });
  await wk.at(new RegExp(`/applications/${id}/step/4\\?focus=upload-portrait$`));
  // Exactly that slot: its file picker has the focus, and the slot is on screen.
  await wk.until("the portrait's picker focused", async () => (await wk.eval<string>(`() => document.activeElement?.id`)) === "upload-portrait");
  const inView = await wk.eval<boolean>(`() => {
    const r = document.querySelector('section.bm-slot[data-material="portrait"]').getBoundingClientRect();
    return r.top < innerHeight && r.bottom > 0;
  }`);
  expect(inView, "the portrait's slot is scrolled into view").toBe(true);
  await pick(wk, "portrait", { name: "white.jpg", mimeType: "image/jpeg", buffer: portraitJpeg(2) });
  await wk.attribute(await slot(wk, "portrait"), "data-state", "uploaded", 20_000);
  await wk.goto(new URL(`applications/${id}`, appUrl()).toString());
  await wk.click("核对并重新提交", { css: "a" });
  await wk.at(new RegExp(`/applications/${id}/step/check$`));
  await wk.click("重新提交", { css: "button" });
  await wk.sees("报名已提交，状态：审核中。", 15_000);
  await wk.goto(new URL(`applications/${id}`, appUrl()).toString());
  await wk.sees("预计审核完成");

  // Approved → 待缴费: the QR code a real decoder reads is the backend's code_url.
  await decide(request, id, { decision: "approve", reasons: [] });
  await wk.goto(new URL(`applications/${id}`, appUrl()).toString());
  await wk.click("待缴费", { css: "a" });
  await wk.at(new RegExp(`/pay/${id}$`));
  await wk.shown('[role="img"][aria-label="微信支付二维码"] svg', { timeout: 15_000 });
  const qr = await wk.shown('[role="img"][aria-label="微信支付二维码"]');
  await wk.sees("¥300.00");
  const orderNo = (await wk.eval<string>(`() => document.querySelectorAll(".bm-pay__amount dd")[1].textContent`)).trim();
  expect(orderNo).toMatch(/^BM\d+/);
  const order = await (await request.get(`${apiOrigin()}/api/v1/orders/${orderNo}`, { headers: { Cookie: await wk.cookieHeader() } })).json();
  await wk.scrollTo(qr);
  const png = PNG.sync.read(Buffer.from(await wk.driver.takeScreenshot(), "base64"));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(decoded?.data).toBe(order.code_url);

  // Paid in the sandbox: the page finds out by itself.
  const paid = await request.post(`${apiOrigin()}/api/v1/dev/orders/${orderNo}/mark-paid`);
  expect(paid.status()).toBe(200);
  await wk.shown("h1, h2", { text: "缴费成功", timeout: 15_000 });
  const app = await (await stored(wk, request, id)).json();
  expect(app.status).toBe("paid");
});
