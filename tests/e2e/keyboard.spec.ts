// "The whole journey, register to 缴费成功, can be done with the keyboard alone", and "focus
// moves to the first error on a failed submit". The candidate's side uses page.keyboard only
// (Tab, Shift+Tab, Enter, Space, arrows, typing): no click, no fill. Opening the site, reading
// the SMS code from the development outbox, the reviewer's approval and the payment on the
// phone (the sandbox) are not the candidate's keyboard, so they go through the API. A file is
// picked as a keyboard user picks it: Tab to the slot's file input, Space, and the operating
// system's dialog (here Playwright's file chooser).
import { expect, test, type Locator, type Page } from "@playwright/test";
import { apiOrigin, appUrl } from "./support/env";
import { PASSWORD, codeSentBy, freshPhone } from "./support/accounts";
import { logIn, states } from "./support/pages";
import { documentJpeg, idCardJpeg, portraitJpeg } from "./support/images";

const REVIEWER = { Authorization: "Bearer dev-reviewer-token" };

/** What has the focus, for messages. */
function focusedElement(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "nothing (body)";
    const name = (el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ""}${el.getAttribute("name") ? ` name="${el.getAttribute("name")}"` : ""}> ${name}`;
  });
}

async function isFocused(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === document.activeElement, undefined, { timeout: 1_000 }).catch(() => false);
}

/** Presses Tab (or Shift+Tab) until `target` has the focus. */
async function tabTo(page: Page, target: Locator, { back = false, max = 60 } = {}) {
  await expect(target).toBeAttached();
  for (let i = 0; i < max; i++) {
    if (await isFocused(target)) return;
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  if (await isFocused(target)) return;
  throw new Error(`${max} × ${back ? "Shift+Tab" : "Tab"} never reached ${target}; the focus is on ${await focusedElement(page)}`);
}

/** The focused element shows that it has the focus: an outline or a box shadow on it or, for
 * a visually hidden control (the file inputs), on the label or box drawn for it. */
async function expectFocusVisible(page: Page) {
  const seen = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { what: "nothing (body)", visible: false };
    const hidden = (e: Element) => {
      const r = e.getBoundingClientRect();
      return Number(getComputedStyle(e).opacity) === 0 || r.width <= 1 || r.height <= 1;
    };
    const ring = (e: Element) => {
      const s = getComputedStyle(e);
      return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
    };
    const drawnBy = hidden(el) ? [...((el as HTMLInputElement).labels ?? []), el.nextElementSibling, el.previousElementSibling] : [el];
    const visible = drawnBy.some((e) => !!e && !hidden(e) && ring(e));
    return { what: `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ""}${el.className ? ` class="${el.className}"` : ""}>`, visible };
  });
  // Soft: the journey goes on, and every place the focus cannot be seen is reported.
  expect.soft(seen.visible, `the focus on ${seen.what} is not visible (no outline or box-shadow on it or on what draws it)`).toBe(true);
}

async function typeInto(page: Page, target: Locator, text: string) {
  await tabTo(page, target);
  await page.keyboard.type(text);
  await expect(target).toHaveValue(text);
}

/** A month field (`<input type=month>`) as a sighted keyboard user fills it: the browser
 * shows year and month in its locale's order, one part after the other (Tab moves between
 * them). The value says which order this browser uses. */
async function typeMonth(page: Page, target: Locator, yearMonth: string) {
  const [year, month] = yearMonth.split("-");
  await tabTo(page, target);
  if ((await target.getAttribute("type")) !== "month") {
    await page.keyboard.type(yearMonth);
  } else {
    await page.keyboard.type(year);
    await page.keyboard.press("Tab");
    await page.keyboard.type(month);
    if ((await target.inputValue()) !== yearMonth) {
      // Month first (en-US: "March 2022"): back to the first part.
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.type(month);
      await page.keyboard.press("Tab");
      await page.keyboard.type(year);
    }
  }
  await expect(target).toHaveValue(yearMonth);
}

/** Picks `option` of a `<select>` with the arrow keys (no list opened). */
async function chooseOption(page: Page, select: Locator, option: string) {
  await tabTo(page, select);
  const { at, want } = await select.evaluate(
    (el: HTMLSelectElement, label) => ({ at: el.selectedIndex, want: [...el.options].findIndex((o) => o.label === label) }),
    option,
  );
  expect(want, `no option "${option}"`).toBeGreaterThanOrEqual(0);
  for (let i = at; i < want; i++) await page.keyboard.press("ArrowDown");
  for (let i = at; i > want; i--) await page.keyboard.press("ArrowUp");
  await expect(select.locator("option:checked")).toHaveText(option);
}

async function press(page: Page, target: Locator, key = "Enter") {
  await tabTo(page, target);
  await page.keyboard.press(key);
}

const FILES: Record<string, () => Buffer> = {
  portrait: () => portraitJpeg(),
  id_card_front: () => idCardJpeg(1712, 1080, "front"),
  id_card_back: () => idCardJpeg(1712, 1080, "back"),
  application_form: () => documentJpeg(),
  intermediate_title_proof: () => documentJpeg(1240, 1754, 11),
  social_insurance_proof: () => documentJpeg(1240, 1754, 12),
};

test("register to 缴费成功 with the keyboard alone", async ({ page, request }) => {
  test.setTimeout(240_000);
  const phone = freshPhone();
  await page.goto(appUrl());
  await expect(page.getByRole("article").first()).toBeVisible();

  // The first stop is 跳到正文, visible when focused.
  await page.keyboard.press("Tab");
  await expect(page.locator(".bm-skip")).toBeFocused();
  await expectFocusVisible(page);

  // 考生注册
  const nav = page.getByRole("navigation");
  await tabTo(page, nav.getByRole("link", { name: "注册" }));
  await expectFocusVisible(page);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/register$/);
  const phoneField = page.getByRole("textbox", { name: "手机号", exact: true });
  await typeInto(page, phoneField, phone);
  await expectFocusVisible(page);
  const sendCode = page.getByRole("button", { name: "获取验证码" });
  await tabTo(page, sendCode);
  await expectFocusVisible(page);
  const code = await codeSentBy(request, phone, () => page.keyboard.press("Enter"));
  // The button counts down (disabled): back to 验证码.
  await typeInto(page, page.getByRole("textbox", { name: "验证码", exact: true }), code);
  await typeInto(page, page.getByRole("textbox", { name: "密码", exact: true }), PASSWORD);
  await typeInto(page, page.getByRole("textbox", { name: "确认密码", exact: true }), PASSWORD);
  await press(page, page.getByRole("button", { name: "注册", exact: true }));
  await expect(page.getByRole("button", { name: "退出登录" })).toBeVisible();

  // 报名 on 电子商务师
  const apply = page.getByRole("article", { name: /电子商务师/ }).getByRole("link", { name: "报名" });
  await tabTo(page, apply);
  await expectFocusVisible(page);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/applications\/[^/]+\/step\/1$/);
  const id = page.url().match(/applications\/([^/]+)\/step/)![1];
  const next = page.getByRole("button", { name: "下一步" });

  // ① 基础信息
  await typeInto(page, page.getByRole("textbox", { name: "姓名", exact: true }), "王五");
  await tabTo(page, page.getByRole("radio", { name: "男" }));
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("radio", { name: "女" })).toBeChecked();
  await expect(page.getByRole("radio", { name: "女" })).toBeFocused();
  await expectFocusVisible(page);
  await typeInto(page, page.getByRole("textbox", { name: "身份证号", exact: true }), "11010519491231002X");
  const contact = page.getByRole("textbox", { name: "联系电话", exact: true });
  if (!(await contact.inputValue())) await typeInto(page, contact, phone);
  await chooseOption(page, page.getByLabel("文化程度"), "本科");
  await expectFocusVisible(page);
  await press(page, next);
  await expect(page).toHaveURL(/step\/2$/);

  // ② 身份选择
  await press(page, page.getByRole("radio", { name: "职工身份" }), "Space");
  await expect(page.getByRole("radio", { name: "职工身份" })).toBeChecked();
  await press(page, next);
  await expect(page).toHaveURL(/step\/3$/);

  // ③ 报名信息: （三） is two arrows down from （一）.
  await tabTo(page, page.getByRole("radio", { name: /（一）/ }));
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("radio", { name: /（三）/ })).toBeChecked();
  await expectFocusVisible(page);
  await typeInto(page, page.getByRole("textbox", { name: "工作单位", exact: true }), "石家庄某某网络科技有限公司");
  await typeInto(page, page.getByRole("textbox", { name: "单位地址", exact: true }), "河北省石家庄市裕华区槐安东路100号");
  await typeInto(page, page.getByRole("textbox", { name: "单位人资部门电话", exact: true }), "0311-66668888");
  await typeInto(page, page.getByRole("textbox", { name: "现从事岗位", exact: true }), "直播运营");
  await typeInto(page, page.getByRole("textbox", { name: "现从事岗位年限", exact: true }), "3");
  await press(page, page.getByRole("button", { name: "添加一段经历" }));
  const row = page.getByRole("group", { name: "经历 1" });
  await typeMonth(page, row.getByLabel("起始年月"), "2022-03");
  await typeInto(page, row.getByRole("textbox", { name: "单位或学校" }), "石家庄某某网络科技有限公司");
  await chooseOption(page, row.getByLabel("从事职业(工种)"), "营销员");
  await typeInto(page, row.getByRole("textbox", { name: "证明人" }), "赵主管");
  await press(page, next);
  await expect(page).toHaveURL(/step\/4$/);

  // ④ 证件信息上传: each slot's file input, Space, the dialog.
  for (const [slug, bytes] of Object.entries(FILES)) {
    const slot = page.locator(`section.bm-slot[data-material="${slug}"]`);
    // Space on the focused file input opens the chooser. Under load a re-render right after
    // the previous upload can take focus away first: focus it again and press again.
    let chooser;
    for (let attempt = 0; attempt < 3 && !chooser; attempt++) {
      await tabTo(page, slot.locator('input[type="file"]'));
      await expectFocusVisible(page);
      [chooser] = await Promise.all([
        page.waitForEvent("filechooser", { timeout: 10_000 }).catch(() => undefined),
        page.keyboard.press("Space"),
      ]);
    }
    expect(chooser, `${slug}: Space on the file input opens the file chooser`).toBeTruthy();
    await chooser!.setFiles({ name: `${slug}.jpg`, mimeType: "image/jpeg", buffer: bytes() });
    await expect(slot).toHaveAttribute("data-state", "uploaded", { timeout: 20_000 });
  }
  await press(page, page.getByRole("button", { name: "下一步：核对信息" }));
  await expect(page.getByRole("heading", { name: "核对报名信息" })).toBeVisible();
  await press(page, page.getByRole("button", { name: "报名", exact: true }));
  await expect(page.getByText("报名已提交，状态：审核中。")).toBeVisible();

  // The reviewer approves (admin API); the SMS says 请登录缴费.
  const decided = await request.post(`${apiOrigin()}/api/v1/admin/applications/${id}/decision`, { headers: REVIEWER, data: { decision: "approve", reasons: [] } });
  expect(decided.status(), await decided.text()).toBe(200);

  // 报名信息 → this application → 待缴费
  await press(page, page.getByRole("status").getByRole("link", { name: "报名信息" }));
  await expect(page).toHaveURL(/\/applications$/);
  const card = page.getByRole("article", { name: /电子商务师/ });
  await expect(card).toBeVisible();
  const onward = card.locator(`a[href$="/applications/${id}"], a[href$="/pay/${id}"]`);
  await expect(
    onward,
    "报名信息 offers no link from this application to its page (报名详情) or to 待缴费: the candidate told by SMS to 登录缴费 cannot get to the payment",
  ).not.toHaveCount(0);
  await press(page, onward.first());
  if (!/\/pay\//.test(page.url())) {
    await expect(page).toHaveURL(new RegExp(`/applications/${id}$`));
    await press(page, page.getByRole("link", { name: "待缴费" }));
  }
  await expect(page).toHaveURL(new RegExp(`/pay/${id}$`));
  await expect(page.getByRole("img", { name: "微信支付二维码" }).locator("svg")).toBeVisible();

  // Paid on the phone (the sandbox), then 我已支付.
  const orderNo = (await page.locator(".bm-pay__amount dd").nth(1).textContent())!.trim();
  const paid = await request.post(`${apiOrigin()}/api/v1/dev/orders/${orderNo}/mark-paid`);
  expect(paid.status(), await paid.text()).toBe(200);
  const iPaid = page.getByRole("button", { name: "我已支付" });
  await tabTo(page, iPaid);
  await expectFocusVisible(page);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "缴费成功" })).toBeVisible({ timeout: 10_000 });
});

test("focus moves to the first error on a failed submit", async ({ page }) => {
  test.setTimeout(90_000);
  const firstInvalid = () => page.evaluate(() => document.activeElement !== null && document.activeElement === document.querySelector("[aria-invalid=true]"));

  // 考生注册, empty: 手机号.
  await page.goto(new URL("register", appUrl()).toString());
  const submit = page.getByRole("button", { name: "注册", exact: true });
  await press(page, submit);
  await expect(page.getByRole("textbox", { name: "手机号", exact: true })).toBeFocused();
  expect(await firstInvalid()).toBe(true);
  await expectFocusVisible(page);
  // With a number: 验证码.
  await page.keyboard.type("13800138000");
  await press(page, submit);
  await expect(page.getByRole("textbox", { name: "验证码", exact: true })).toBeFocused();
  expect(await firstInvalid()).toBe(true);

  // 登录, empty: 手机号.
  await page.goto(new URL("login", appUrl()).toString());
  await press(page, page.getByRole("button", { name: "登录", exact: true }));
  await expect(page.getByRole("textbox", { name: "手机号", exact: true })).toBeFocused();

  // Wizard ①, empty: 姓名. (An account of support/pages.ts whose draft must stay empty:
  // what is typed below never reaches the backend.)
  const s = await states();
  await logIn(page, s.c.account);
  await page.route(/\/api\/v1\/applications\/[^/]+\/draft$/, (route) => route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "not in this test" } } }));
  await page.goto(new URL(`applications/${s.c.empty}/step/1`, appUrl()).toString());
  const next = page.getByRole("button", { name: "下一步" });
  await press(page, next);
  const name = page.getByRole("textbox", { name: "姓名", exact: true });
  await expect(name).toBeFocused();
  expect(await firstInvalid()).toBe(true);
  await expectFocusVisible(page);
  // With a name: the 性别 radios, the next field to fix.
  await page.keyboard.type("王五");
  await press(page, next);
  await expect
    .poll(() => focusedElement(page), { message: "after 下一步 without 性别 the focus moves to the 性别 radios" })
    .toContain('name="gender"');
});
