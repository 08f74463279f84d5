// Helpers for journeys that need accounts: fresh phone numbers and the codes the reference
// backend's development SMS outbox "sent".
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { apiOrigin } from "./env";

/** A form field by the name a screen reader announces (its label without the `*`). */
export function field(page: Page, name: string) {
  return page.getByRole("textbox", { name, exact: true });
}

let counter = 0;

/** A valid mainland mobile number no other test uses (SMS limits are per number). */
export function freshPhone(): string {
  counter += 1;
  const tail = `${Date.now() % 1_000_000}`.padStart(6, "0") + `${counter % 100}`.padStart(2, "0");
  return `137${tail}`.slice(0, 11);
}

async function outbox(request: APIRequestContext, phone: string): Promise<{ code?: string }[]> {
  const res = await request.get(`${apiOrigin()}/api/v1/dev/sms-outbox?phone=${phone}`);
  expect(res.ok()).toBeTruthy();
  return (await res.json()).messages;
}

/** Runs `send` (which makes the page ask for a code) and returns the code that it sent,
 * read from the development outbox (newest first). */
export async function codeSentBy(request: APIRequestContext, phone: string, send: () => Promise<void>): Promise<string> {
  const before = (await outbox(request, phone)).length;
  await send();
  let code: string | undefined;
  await expect
    .poll(async () => {
      const messages = await outbox(request, phone);
      code = messages.length > before ? messages[0].code : undefined;
      return code;
    })
    .toMatch(/^\d{6}$/);
  return code!;
}

export const PASSWORD = "abcd1234";

/** Registers `phone` through the 考生注册 page and waits until logged in. */
export async function registerThroughPage(page: Page, request: APIRequestContext, base: string, phone: string) {
  await page.goto(new URL("register", base).toString());
  await field(page, "手机号").fill(phone);
  const code = await codeSentBy(request, phone, () => page.getByRole("button", { name: "获取验证码" }).click());
  await field(page, "验证码").fill(code);
  await field(page, "密码").fill(PASSWORD);
  await field(page, "确认密码").fill(PASSWORD);
  await page.getByRole("button", { name: "注册", exact: true }).click();
  await expect(page.getByRole("button", { name: "退出登录" })).toBeVisible();
}
