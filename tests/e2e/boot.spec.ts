// How the page boots: what it asks for, once each, and the reads it starts early.
import { expect, test } from "@playwright/test";

import { appUrl } from "./support/env";
import { logIn, states } from "./support/pages";

test("a first visit asks for config.json and the wasm once each", async ({ page }) => {
  const asked: string[] = [];
  page.on("request", (request) => asked.push(new URL(request.url()).pathname));
  await page.goto(appUrl());
  await expect(page.locator(".bm-app")).toBeVisible();
  const count = (suffix: string) => asked.filter((path) => path.endsWith(suffix)).length;
  // The boot script's config.json answer is the app's; the wasm preload is the glue's fetch.
  expect(count("/config.json")).toBe(1);
  expect(count("_bg.wasm")).toBe(1);
});

test("a protected page's first read goes out beside /me, once", async ({ page }) => {
  const s = await states();
  await logIn(page, s.a.account);
  const id = s.a.draft;
  let meAnswered = false;
  const reads: boolean[] = [];
  await page.route("**/api/v1/me", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const response = await route.fetch();
    meAnswered = true;
    await route.fulfill({ response });
  });
  page.on("request", (request) => {
    if (request.method() === "GET" && new URL(request.url()).pathname.endsWith(`/applications/${id}`)) {
      reads.push(meAnswered);
    }
  });
  await page.goto(new URL(`applications/${id}/step/1`, appUrl()).toString());
  await expect(page.locator("form.bm-wizard")).toBeVisible();
  // Sent once, before /me had answered; the page took that answer.
  expect(reads).toEqual([false]);
});

test("with a login hint but no session, the read ahead is dropped and 登录 asks to log in", async ({ page }) => {
  const s = await states();
  // This browser logged in once (the hint), but its session cookie is gone.
  await page.addInitScript(() => localStorage.setItem("baoming.signed_in", "1"));
  await page.goto(new URL(`applications/${s.a.draft}/step/1`, appUrl()).toString());
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByText("请先登录。")).toBeVisible();
  await expect(page.getByText("登录已过期")).toHaveCount(0);
});
