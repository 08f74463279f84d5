// The split wasm (src/lazy.rs, wasm-split/): the core draws 登录, 注册 and 考试报名 without any
// chunk; a page's chunk arrives when the page opens or earlier, when the browser is idle; a
// chunk that cannot be fetched says so with 重试 and 重试 recovers, never a dead app.
import { expect, test, type Page, type Route } from "@playwright/test";

import { appUrl } from "./support/env";
import { logIn, states, type States } from "./support/pages";

let s: States;
test.beforeAll(async () => {
  s = await states();
});

const open = (page: Page, path: string) => page.goto(new URL(path, appUrl()).toString());
/** A chunk of the split wasm: `split_<point>-<hash>.wasm` or a shared `chunk_<n>-<hash>.wasm`. */
const CHUNK = /\/(split|chunk)_[a-z0-9_]+-[0-9a-f]{16}\.wasm$/;
const isChunk = (url: string) => CHUNK.test(new URL(url).pathname);

test("登录, 注册 and 考试报名 draw with every chunk refused", async ({ page }) => {
  const refused: string[] = [];
  await page.route(
    (url) => isChunk(url.toString()),
    async (route) => {
      refused.push(route.request().url());
      await route.abort("failed");
    },
  );
  await open(page, "login");
  await expect(page.getByRole("button", { name: "登录", exact: true })).toBeVisible();
  await open(page, "register");
  await expect(page.getByRole("button", { name: "注册", exact: true })).toBeVisible();
  await open(page, "");
  await expect(page.locator(".bm-plan__name").first()).toBeVisible();
  // The app went on to fetch chunks ahead while idle (and was refused): that is all they are.
  await expect.poll(() => refused.length).toBeGreaterThan(0);
});

test("the chunks are fetched ahead once the page is idle, so the next page does not wait", async ({ page }) => {
  const fetched: string[] = [];
  page.on("requestfinished", (request) => {
    if (isChunk(request.url())) fetched.push(new URL(request.url()).pathname);
  });
  await open(page, "login");
  await expect(page.getByRole("button", { name: "登录", exact: true })).toBeVisible();
  await expect
    .poll(() => ["split_pages", "split_wizard", "split_documents"].filter((p) => fetched.some((f) => f.includes(`/${p}-`))))
    .toEqual(["split_pages", "split_wizard", "split_documents"]);
});

test("a chunk that cannot be fetched says so with 重试, and 重试 brings the page", async ({ page }) => {
  await logIn(page, s.b.account);
  // The chunk of 待缴费 (and the other pages beyond the core) answers 503 (a deploy in progress, a CDN hiccup) until the test lets it through.
  let failing = true;
  let refusals = 0;
  await page.route(
    (url) => /\/split_pages-[0-9a-f]{16}\.wasm$/.test(url.pathname),
    async (route: Route) => {
      if (failing) {
        refusals += 1;
        await route.fulfill({ status: 503, body: "busy" });
      } else {
        await route.continue();
      }
    },
  );
  await open(page, `pay/${s.b.awaitingPayment}`);
  const problem = page.locator("[data-problem=chunk]");
  await expect(problem).toBeVisible();
  await expect(problem.getByRole("heading", { name: "页面没有加载完成" })).toBeVisible();
  await expect(problem).toContainText("已填写和上传的内容不会丢失");
  // The header and the rest of the app still work.
  await expect(page.getByRole("link", { name: "报名信息" })).toBeVisible();
  expect(refusals).toBeGreaterThan(0);

  failing = false;
  await problem.getByRole("button", { name: "重试" }).click();
  await expect(page.locator(".bm-pay__qr svg")).toBeVisible();
  await expect(problem).toHaveCount(0);
});

test("a failed chunk is not remembered as failed: leaving and coming back fetches it again", async ({ page }) => {
  await logIn(page, s.c.account);
  let failing = true;
  await page.route(
    (url) => /\/split_pages-[0-9a-f]{16}\.wasm$/.test(url.pathname),
    async (route: Route) => (failing ? route.abort("internetdisconnected") : route.continue()),
  );
  await open(page, `applications/${s.c.paid}/form`);
  await expect(page.locator("[data-problem=chunk]")).toBeVisible();
  failing = false;
  await page.getByRole("link", { name: "报名信息" }).click();
  await expect(page).toHaveURL(/\/applications$/);
  await page.goBack();
  await expect(page.locator("[data-problem=chunk]")).toHaveCount(0);
  await expect(page.locator(".bm-sheet")).toBeVisible();
});
