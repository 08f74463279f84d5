// 考生注册, 登录, 忘记密码, 退出登录 on a phone, against the real reference backend (codes come
// from its development SMS outbox).
import { expect, test } from "@playwright/test";
import { appUrl } from "./support/env";
import { PASSWORD, codeSentBy, field, freshPhone, registerThroughPage } from "./support/accounts";
import { apiOrigin } from "./support/env";

test("the register page has the seed's fields, marks and link", async ({ page }) => {
  await page.goto(new URL("register", appUrl()).toString());
  await expect(page.getByRole("heading", { level: 1, name: "考生注册" })).toBeVisible();
  for (const label of ["手机号", "验证码", "确认密码"]) {
    const input = field(page, label);
    await expect(input).toBeVisible();
    await expect(input).toHaveAttribute("required", "");
  }
  await expect(field(page, "密码")).toHaveAttribute("type", "password");
  await expect(page.getByRole("button", { name: "获取验证码" })).toBeVisible();
  await expect(page.getByRole("button", { name: "注册", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "已有帐号,立即登录" })).toBeVisible();
});

test("each field explains itself on blur and on submit, and keeps what was typed", async ({ page }) => {
  await page.goto(new URL("register", appUrl()).toString());
  const phone = field(page, "手机号");
  await phone.fill("12345");
  await phone.blur();
  await expect(page.getByText("手机号应为 11 位数字。")).toBeVisible();
  await expect(phone).toHaveAttribute("aria-invalid", "true");

  await phone.fill("+86 139 0013 8000");
  await phone.blur();
  await expect(page.getByText("手机号应为 11 位数字。")).toHaveCount(0);
  await expect(phone).toHaveAttribute("aria-invalid", "false");

  await field(page, "密码").fill("abcdefgh");
  await field(page, "确认密码").fill("abcdefgx");
  await page.getByRole("button", { name: "注册", exact: true }).click();
  await expect(page.getByText("请输入短信验证码。")).toBeVisible();
  await expect(page.getByText("密码须同时包含字母和数字。")).toBeVisible();
  await expect(page.getByText("两次输入的密码不一致。")).toBeVisible();
  // Focus goes to the first field to fix; nothing typed is lost.
  await expect(field(page, "验证码")).toBeFocused();
  await expect(phone).toHaveValue("+86 139 0013 8000");
  await expect(field(page, "确认密码")).toHaveValue("abcdefgx");
});

test("register, reload, log out, log in, wrong password", async ({ page, request }) => {
  const phone = freshPhone();
  await registerThroughPage(page, request, appUrl(), phone);
  await expect(page.getByRole("heading", { level: 1, name: "考试报名" })).toBeVisible();

  await page.reload();
  await expect(page.getByRole("button", { name: "退出登录" })).toBeVisible();

  await page.getByRole("button", { name: "退出登录" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "登录" })).toBeVisible();
  await expect(page.getByRole("button", { name: "退出登录" })).toHaveCount(0);
  const stored = await page.evaluate(() =>
    [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((k) => k !== "baoming.lang"),
  );
  expect(stored).toEqual([]);
  const me = await page.request.get(`${apiOrigin()}/api/v1/me`);
  expect(me.status()).toBe(401);

  await field(page, "手机号").fill(phone);
  await field(page, "密码").fill("wrong1234");
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page.getByText("手机号或密码不正确。")).toBeVisible();

  await field(page, "密码").fill(PASSWORD);
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page.getByRole("button", { name: "退出登录" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "考试报名" })).toBeVisible();
});

test("a second code is blocked with a countdown that survives a reload", async ({ page, request }) => {
  const phone = freshPhone();
  await page.goto(new URL("register", appUrl()).toString());
  await field(page, "手机号").fill(phone);
  await codeSentBy(request, phone, () => page.getByRole("button", { name: "获取验证码" }).click());
  const countdown = page.getByRole("button", { name: /秒后重新获取/ });
  await expect(countdown).toBeDisabled();
  await expect(page.getByText("验证码已发送")).toBeVisible();

  await page.reload();
  await field(page, "手机号").fill(phone);
  await expect(page.getByRole("button", { name: /秒后重新获取/ })).toBeDisabled();
  const seconds = Number((await page.getByRole("button", { name: /秒后重新获取/ }).textContent())!.match(/\d+/)![0]);
  expect(seconds).toBeGreaterThan(40);
  expect(seconds).toBeLessThanOrEqual(60);

  // The backend enforces the same minute even if the page is bypassed.
  const res = await request.post(`${apiOrigin()}/api/v1/sms-codes`, {
    data: { phone, purpose: "register" },
  });
  expect(res.status()).toBe(429);
  expect((await res.json()).error.code).toBe("rate_limited");
});

test("a wrong code gets its message, and only the SMS tells whether a phone is registered", async ({ page, request }) => {
  // The registered phone's minute since its registration code is waited out below.
  test.setTimeout(150_000);
  const phone = freshPhone();
  await registerThroughPage(page, request, appUrl(), phone);
  await page.getByRole("button", { name: "退出登录" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "登录" })).toBeVisible();

  await page.goto(new URL("register", appUrl()).toString());
  const other = freshPhone();
  await field(page, "手机号").fill(other);
  const code = await codeSentBy(request, other, () => page.getByRole("button", { name: "获取验证码" }).click());
  await expect(page.getByText("如该号码已注册，短信不含验证码而会提示您直接登录。")).toBeVisible();
  const wrong = code === "000000" ? "111111" : "000000";
  await field(page, "验证码").fill(wrong);
  await field(page, "密码").fill(PASSWORD);
  await field(page, "确认密码").fill(PASSWORD);
  await page.getByRole("button", { name: "注册", exact: true }).click();
  await expect(page.getByText("验证码不正确，请核对短信。")).toBeVisible();
  await expect(field(page, "验证码")).toHaveAttribute("aria-invalid", "true");

  // The registered phone, once its minute is over: the page says what it says for any
  // number, and the phone gets a notice instead of a code.
  await field(page, "手机号").fill(phone);
  const send = page.getByRole("button", { name: "获取验证码" });
  await send.click();
  await expect(send).toBeEnabled({ timeout: 75_000 });
  await send.click();
  await expect(page.getByText("如该号码已注册，短信不含验证码而会提示您直接登录。")).toBeVisible();
  await expect(page.getByText("已注册，请直接登录")).toHaveCount(0);
  const res = await request.get(`${apiOrigin()}/api/v1/dev/sms-outbox?phone=${phone}`);
  const [notice] = (await res.json()).messages;
  expect(notice.code).toBeUndefined();
  expect(notice.text).toContain("本手机号已注册报名账号");
});

test("忘记密码 for a number without an account answers as for any number", async ({ page, request }) => {
  const phone = freshPhone();
  await page.goto(new URL("forgot-password", appUrl()).toString());
  await field(page, "手机号").fill(phone);
  await page.getByRole("button", { name: "获取验证码" }).click();
  await expect(page.getByText("如该号码尚未注册，短信不含验证码而会提示您先注册。")).toBeVisible();
  await expect(page.getByText("尚未注册。")).toHaveCount(0);
  await expect
    .poll(async () => {
      const res = await request.get(`${apiOrigin()}/api/v1/dev/sms-outbox?phone=${phone}`);
      return (await res.json()).messages[0]?.text ?? "";
    })
    .toContain("本手机号尚未注册报名账号");
  await field(page, "验证码").fill("123456");
  await field(page, "新密码").fill("newpass123");
  await field(page, "确认密码").fill("newpass123");
  await page.getByRole("button", { name: "重设密码" }).click();
  await expect(page.getByText("验证码不正确，请核对短信。")).toBeVisible();
});

test("an expired session returns to 登录 and then to the page", async ({ page, request }) => {
  const phone = freshPhone();
  await registerThroughPage(page, request, appUrl(), phone);
  await page.goto(new URL("applications", appUrl()).toString());
  await expect(page.getByRole("heading", { level: 1, name: "报名信息" })).toBeVisible();

  const expired = await request.post(`${apiOrigin()}/api/v1/dev/sessions/expire?phone=${phone}`);
  expect(expired.status()).toBe(204);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "登录" })).toBeVisible();
  await expect(page).toHaveURL(/login\?next=%2Fapplications/);

  await field(page, "手机号").fill(phone);
  await field(page, "密码").fill(PASSWORD);
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "报名信息" })).toBeVisible();
  await expect(page).toHaveURL(/\/applications$/);
});

test("忘记密码 resets the password with an SMS code", async ({ page, request }) => {
  // One code a minute per phone, whatever it is for: registering just used this minute's.
  test.setTimeout(150_000);
  const phone = freshPhone();
  await registerThroughPage(page, request, appUrl(), phone);
  await page.getByRole("button", { name: "退出登录" }).click();

  await page.getByRole("link", { name: "忘记密码" }).click();
  await field(page, "手机号").fill(phone);
  await page.getByRole("button", { name: "获取验证码" }).click();
  const wait = page.getByRole("alert").filter({ hasText: /请 \d+ 秒后再试/ });
  await expect(wait).toBeVisible();
  const seconds = Number((await wait.textContent())!.match(/\d+/)![0]);
  expect(seconds).toBeGreaterThan(30);
  expect(seconds).toBeLessThanOrEqual(60);
  await expect(page.getByRole("button", { name: /秒后重新获取/ })).toBeDisabled();
  await expect(page.getByRole("button", { name: "获取验证码" })).toBeEnabled({ timeout: 70_000 });

  const code = await codeSentBy(request, phone, () => page.getByRole("button", { name: "获取验证码" }).click());
  await field(page, "验证码").fill(code);
  await field(page, "新密码").fill("newpass999");
  await field(page, "确认密码").fill("newpass999");
  await page.getByRole("button", { name: "重设密码" }).click();
  await expect(page.getByText("密码已重设，请用新密码登录。")).toBeVisible();

  await page.getByRole("link", { name: "登录", exact: true }).last().click();
  await field(page, "手机号").fill(phone);
  await field(page, "密码").fill("newpass999");
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page.getByRole("button", { name: "退出登录" })).toBeVisible();
});
