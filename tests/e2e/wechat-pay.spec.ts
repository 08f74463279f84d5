// WeChat Pay end to end, with a backend that pays through the strict WeChat Pay double
// (`wechatpay-double`, written from WeChat's documentation): the candidate's phone is the
// double, which "scans" the code the page shows and pays it, then sends the backend its
// signed, encrypted notification — or loses it.
//
// `cargo xtask test` starts the double, a backend configured with it (reconciler every 2 s,
// a notification counted overdue after 3 s) and the built app pointed at that backend, and
// sets BAOMING_WECHAT_APP_URL, BAOMING_WECHAT_API_ORIGIN and BAOMING_WECHAT_DOUBLE_URL.
import { expect, test, type APIRequestContext, type Locator } from "@playwright/test";
import jsQR from "jsqr";
import { PNG } from "pngjs";

import { logInThroughPage, prepareCandidate } from "../perf/candidate.mjs";
import { REVIEWER } from "./support/api";
import { wechatApiOrigin as api, wechatAppUrl as appUrl, wechatDoubleUrl as double } from "./support/env";

type DoubleOrder = { out_trade_no: string; code_url: string; trade_state: string };

/** The double's order whose QR code is `codeUrl`: what a phone scanning it reaches. */
async function scanned(request: APIRequestContext, codeUrl: string): Promise<DoubleOrder> {
  const list = await (await request.get(`${double()}/_double/orders`)).json();
  const orders: DoubleOrder[] = Array.isArray(list) ? list : list.orders;
  const found = orders.find((o) => o.code_url === codeUrl);
  if (!found) throw new Error(`the double issued no code ${codeUrl}`);
  return found;
}

async function control(request: APIRequestContext, path: string, data: object) {
  const res = await request.post(`${double()}/_double/${path}`, { data });
  expect(res.status(), await res.text()).toBeLessThan(300);
}

/** What the QR code on the page encodes, read by a real decoder from a screenshot. */
async function decoded(qr: Locator): Promise<string | undefined> {
  const png = PNG.sync.read(await qr.screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

async function openPayPage(page, context, request) {
  const candidate = await prepareCandidate(api());
  await logInThroughPage(context, appUrl(), candidate.phone);
  await page.goto(new URL(`pay/${candidate.payId}`, appUrl()).toString());
  const qr = page.getByRole("img", { name: "微信支付二维码" });
  await expect(qr.locator("svg")).toBeVisible();
  const orderNo = (await page.locator(".bm-pay__amount dd").nth(1).textContent())!.trim();
  const order = await (await page.request.get(`${api()}/api/v1/orders/${orderNo}`)).json();
  return { candidate, qr, orderNo, order };
}

test("WeChat Pay: the code expires at WeChat, the page shows a new one for the same order, paid: 缴费成功", async ({ page, context, request }) => {
  test.setTimeout(120_000);
  const { qr, orderNo, order } = await openPayPage(page, context, request);
  // Exactly WeChat's code, whatever its shape, drawn as WeChat gave it.
  expect(order.code_url).toMatch(/^weixin:\/\//);
  await expect.poll(() => decoded(qr)).toBe(order.code_url);
  const first = await scanned(request, order.code_url);

  // Two hours pass before the candidate scans: the code's time_expire is reached at WeChat
  // and at the backend (its development time travel), nothing else changes.
  await control(request, "expire", { out_trade_no: first.out_trade_no });
  const aged = await request.post(`${api()}/api/v1/dev/orders/${orderNo}/expire-code`);
  expect(aged.status(), await aged.text()).toBe(204);
  // The page, polling, gets a new code for the same order number, and says why.
  await expect(page.getByText("原来的二维码已失效")).toBeVisible({ timeout: 30_000 });
  const renewed = await (await page.request.get(`${api()}/api/v1/orders/${orderNo}`)).json();
  expect(renewed.order_no).toBe(orderNo);
  expect(renewed.code_url).not.toBe(order.code_url);
  await expect.poll(() => decoded(qr)).toBe(renewed.code_url);
  expect((await page.locator(".bm-pay__amount dd").nth(1).textContent())!.trim()).toBe(orderNo);

  // The candidate scans the new code and pays; WeChat notifies the backend.
  const second = await scanned(request, renewed.code_url);
  expect(second.out_trade_no).not.toBe(first.out_trade_no);
  await control(request, "pay", { out_trade_no: second.out_trade_no, notify: true });
  await expect(page.getByRole("heading", { name: "缴费成功" })).toBeVisible({ timeout: 20_000 });
});

test("WeChat Pay: a lost notification is found by the reconciler; a refund shows 已退款", async ({ page, context, request }) => {
  test.setTimeout(120_000);
  const { candidate, order } = await openPayPage(page, context, request);
  // The candidate leaves the pay page (nothing polls the order any more) and pays on the
  // phone; WeChat's notification never arrives.
  await page.goto(new URL(`applications/${candidate.payId}`, appUrl()).toString());
  await expect(page.getByText("待缴费").first()).toBeVisible();
  const attempt = await scanned(request, order.code_url);
  await control(request, "pay", { out_trade_no: attempt.out_trade_no, notify: false });
  // The backend's reconciler asks WeChat and records the payment; the page follows.
  // (办理进度 names 缴费成功 as a stage still to come from the start: wait for it to be the current one.)
  await expect(page.getByRole("list", { name: "办理进度" }).locator('[aria-current="step"]')).toContainText("缴费成功", { timeout: 30_000 });
  const notified = await (await request.get(`${double()}/_double/notifications`)).json();
  const deliveries = Array.isArray(notified) ? notified : notified.notifications;
  expect(deliveries.filter((n) => n.out_trade_no === attempt.out_trade_no && n.event_type === "TRANSACTION.SUCCESS")).toHaveLength(0);

  // Staff refund it (the candidate withdrew): the refund notification settles it.
  const res = await request.post(`${api()}/api/v1/admin/applications/${candidate.payId}/refund`, {
    headers: REVIEWER,
    data: { reason: "考生申请退考" },
  });
  expect(res.status(), await res.text()).toBe(200);
  await page.reload();
  await expect(page.getByText("已退款").first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText("报名费已退回")).toBeVisible();
  // The pay page says so too, instead of a code.
  await page.goto(new URL(`pay/${candidate.payId}`, appUrl()).toString());
  await expect(page.getByText(/已退款|这份报名当前无需缴费/).first()).toBeVisible();
});
