// Step ④ with real photos, on a phone, against the real reference backend: every kind of bad
// file is explained in its own words before anything is sent; every material of condition
// （一） uploads and stays; an oversized portrait is made a one-inch photo in the page (crop,
// zoom, 295 × 413, 40–80 KB), respecting the camera's EXIF orientation; a photo too small to
// be one is not "fixed" by enlarging it; a warning the candidate accepted stays with the file
// (on the slot after a reload, and on 核对报名信息).
import { expect, test, type Page } from "@playwright/test";
import jpeg from "jpeg-js";
import { apiOrigin, appUrl } from "./support/env";
import { freshPhone, registerThroughPage } from "./support/accounts";
import { checkAnswers, fillSteps, goodFileFor, slotOf } from "./support/wizard";
import {
  PORTRAIT_MAX_BYTES,
  PORTRAIT_MIN_BYTES,
  badFiles,
  bigPortraitJpeg,
  exifRotated,
  sidewaysPortraitJpeg,
  smoothPortraitJpeg,
  tinyPortraitPng,
  type UploadFile,
} from "./support/images";

const applicationId = (page: Page) => page.url().match(/applications\/([^/]+)\/step/)![1];

async function stored(page: Page, id: string) {
  const res = await page.request.get(`${apiOrigin()}/api/v1/applications/${id}`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

async function pick(page: Page, slug: string, file: UploadFile) {
  await slotOf(page, slug).locator('input[type="file"]').setInputFiles(file);
}

/** The problem codes a slot shows, in order. */
const codes = (page: Page, slug: string) =>
  slotOf(page, slug)
    .locator("ul.bm-slot__problems > li[data-problem]")
    .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-problem")));

/** Opens the fix for an oversized portrait, renders it and returns the result's attributes. */
async function renderFix(page: Page, { drag }: { drag: boolean }) {
  const portrait = slotOf(page, "portrait");
  await portrait.locator('button[data-action="fix"]').click();
  await expect(portrait).toHaveAttribute("data-state", "fixing");
  const fixer = portrait.locator(".bm-fixer");
  await expect(fixer).toBeVisible();
  if (drag) {
    const frame = fixer.locator(".bm-fixer__frame");
    const photo = fixer.locator(".bm-fixer__photo");
    // Zoom in first so that there is room to move both ways, then drag the photo.
    const zoom = fixer.locator("input.bm-fixer__zoom");
    const max = Number(await zoom.evaluate((el) => (el as HTMLInputElement).max));
    expect(max).toBeGreaterThan(1.5);
    const unzoomed = await photo.getAttribute("style");
    await zoom.fill("1.5");
    await expect(zoom).toHaveValue(/^1\.50*$/);
    await expect(photo).not.toHaveAttribute("style", unzoomed ?? "");
    await frame.scrollIntoViewIfNeeded();
    const before = await photo.getAttribute("style");
    const box = (await frame.boundingBox())!;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 25, y + 18, { steps: 6 });
    await page.mouse.move(x + 40, y + 30, { steps: 6 });
    await page.mouse.up();
    await expect(photo).not.toHaveAttribute("style", before ?? "");
  }
  await fixer.locator('button[data-action="render"]').click();
  const result = fixer.locator(".bm-fixer__result");
  await expect(result).toBeVisible({ timeout: 20_000 });
  await expect(result).toHaveAttribute("data-width", "295");
  await expect(result).toHaveAttribute("data-height", "413");
  const bytes = Number(await result.getAttribute("data-bytes"));
  expect(bytes).toBeGreaterThanOrEqual(PORTRAIT_MIN_BYTES);
  expect(bytes).toBeLessThanOrEqual(PORTRAIT_MAX_BYTES);
  return { fixer, result, bytes };
}

/** The stored portrait, fetched as the candidate, decoded. */
async function storedPortrait(page: Page, id: string) {
  const res = await page.request.get(`${apiOrigin()}/api/v1/applications/${id}/documents/portrait`);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toBe("image/jpeg");
  const body = await res.body();
  return { body, image: jpeg.decode(body, { useTArray: true }) };
}

/** Mean luminance of a rectangle (fractions of the image) of a decoded RGBA image. */
function meanLuma(img: { width: number; height: number; data: Uint8Array }, x0: number, y0: number, x1: number, y1: number) {
  let sum = 0, n = 0;
  for (let y = Math.floor(y0 * img.height); y < Math.floor(y1 * img.height); y++)
    for (let x = Math.floor(x0 * img.width); x < Math.floor(x1 * img.width); x++) {
      const i = (y * img.width + x) * 4;
      sum += 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
      n++;
    }
  return sum / n;
}

test("every bad file gets its own message", async ({ page, request }) => {
  test.setTimeout(180_000);
  await registerThroughPage(page, request, appUrl(), freshPhone());
  await fillSteps(page);
  const id = applicationId(page);
  const messages = new Map<string, string>();
  const files = badFiles();
  for (const bad of files) {
    const slot = slotOf(page, bad.slot);
    await pick(page, bad.slot, bad.file);
    const li = slot.locator(`ul.bm-slot__problems > li[data-problem="${bad.code}"]`);
    await expect(li, `${bad.file.name} → ${bad.code}`).toBeVisible({ timeout: 15_000 });
    await expect(slot).toHaveAttribute("data-state", "problem");
    // Its own problem, and nothing else (the soft-problem images are otherwise good).
    expect.soft(await codes(page, bad.slot), `${bad.file.name} in ${bad.slot}`).toEqual([bad.code]);
    await expect(slot.locator('button[data-action="upload-anyway"]')).toHaveCount(bad.soft ? 1 : 0);
    if (bad.code !== "portrait_not_jpeg" && bad.code !== "portrait_size") {
      await expect(slot.locator('button[data-action="fix"]')).toHaveCount(0);
    }
    const text = (await li.innerText()).trim();
    expect(text.length, bad.code).toBeGreaterThan(4);
    if (!messages.has(bad.code)) messages.set(bad.code, text);
  }
  // Every code of the hooks is covered, and no two codes share a message.
  for (const code of [
    "empty", "too_large", "type_heic", "type_pdf", "type_webp", "type_gif", "type_bmp", "type_other", "truncated",
    "corrupt", "too_many_pixels", "portrait_not_jpeg", "portrait_size", "low_resolution", "too_dark", "too_bright",
    "blurry", "id_not_landscape", "id_proportion", "portrait_background",
  ]) {
    expect(messages.has(code), code).toBe(true);
  }
  const texts = [...messages.values()];
  expect(new Set(texts).size, [...messages].map(([c, t]) => `${c}: ${t}`).join("\n")).toBe(texts.length);

  // Nothing was sent: the backend holds no document, no slot says uploaded.
  expect((await stored(page, id)).documents).toEqual([]);
  await expect(page.locator('section.bm-slot[data-state="uploaded"]')).toHaveCount(0);

  // A warning can be overridden: 仍然上传 sends the dark photo as it is.
  const dark = files.find((f) => f.code === "too_dark")!;
  await pick(page, dark.slot, dark.file);
  await expect(slotOf(page, dark.slot).locator('li[data-problem="too_dark"]')).toBeVisible();
  await slotOf(page, dark.slot).locator('button[data-action="upload-anyway"]').click();
  await expect(slotOf(page, dark.slot)).toHaveAttribute("data-state", "uploaded");
  const docs = (await stored(page, id)).documents;
  expect(docs.map((d: { material: string }) => d.material)).toEqual([dark.slot]);
  expect(docs[0].size_bytes).toBe(dark.file.buffer.length);
});

test("a warning accepted at upload stays with the file, after a reload and on 核对报名信息", async ({ page, request }) => {
  test.setTimeout(120_000);
  await registerThroughPage(page, request, appUrl(), freshPhone());
  await fillSteps(page);
  const id = applicationId(page);
  const dark = badFiles().find((f) => f.code === "too_dark")!;
  const slot = slotOf(page, dark.slot);
  const warning = slot.locator('ul.bm-slot__problems > li[data-problem="too_dark"]');

  // Picked: the warning, then 仍然上传.
  await pick(page, dark.slot, dark.file);
  await expect(warning).toBeVisible({ timeout: 15_000 });
  const text = (await warning.innerText()).trim();
  expect(text.length).toBeGreaterThan(4);
  await slot.locator('button[data-action="upload-anyway"]').click();
  await expect(slot).toHaveAttribute("data-state", "uploaded");
  // Stored with the file, and still shown on the slot in the same words.
  const doc = (await stored(page, id)).documents.find((d: { material: string }) => d.material === dark.slot);
  expect(doc.findings).toEqual(["too_dark"]);
  await expect(warning).toHaveText(text);
  await expect(slot.locator('button[data-action="upload-anyway"]')).toHaveCount(0);

  // A photo that passes every check carries nothing.
  await pick(page, "id_card_front", goodFileFor("身份证人像面照片"));
  await expect(slotOf(page, "id_card_front")).toHaveAttribute("data-state", "uploaded", { timeout: 20_000 });
  await expect(slotOf(page, "id_card_front").locator("li[data-problem]")).toHaveCount(0);

  // After a reload the slot shows the stored file with its warning.
  await page.reload();
  await expect(slot).toHaveAttribute("data-state", "uploaded");
  expect(await codes(page, dark.slot)).toEqual(["too_dark"]);
  await expect(warning).toHaveText(text);
  await expect(slotOf(page, "id_card_front").locator("li[data-problem]")).toHaveCount(0);

  // 核对报名信息: under each thumbnail its check result, the warning in the attention colour.
  await checkAnswers(page);
  const darkRow = page.locator(`.bm-check__doc[data-material="${dark.slot}"]`);
  const goodRow = page.locator('.bm-check__doc[data-material="id_card_front"]');
  const check = async () => {
    await expect(darkRow.locator("img.bm-check__thumb")).toBeVisible();
    await expect(darkRow.locator(".bm-notice--warn")).toBeVisible();
    await expect(darkRow.locator('li[data-problem="too_dark"]')).toHaveText(text);
    await expect(darkRow.locator('[data-check="passed"]')).toHaveCount(0);
    await expect(goodRow.locator('[data-check="passed"]')).toHaveText("照片检查通过");
    await expect(goodRow.locator("li[data-problem]")).toHaveCount(0);
    // Tidy at 360 px: nothing wider than the screen, the warning under the thumbnail.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const thumb = (await darkRow.locator("img.bm-check__thumb").boundingBox())!;
    const notice = (await darkRow.locator(".bm-notice--warn").boundingBox())!;
    expect(notice.y).toBeGreaterThanOrEqual(thumb.y + thumb.height - 1);
    expect(notice.x + notice.width).toBeLessThanOrEqual(360);
  };
  await check();
  await page.reload();
  await expect(page.getByRole("heading", { name: "核对报名信息" })).toBeVisible();
  await check();
});

test("every material of condition 1 uploads", async ({ page, request }) => {
  test.setTimeout(120_000);
  await registerThroughPage(page, request, appUrl(), freshPhone());
  await fillSteps(page, { condition: 1 });
  const id = applicationId(page);
  const materials: [string, string][] = [
    ["portrait", "个人照片"],
    ["id_card_front", "身份证人像面照片"],
    ["id_card_back", "身份证国徽面照片"],
    ["application_form", "申报表"],
    ["level3_certificate", "三级职业资格/职业技能等级证书"],
    ["social_insurance_proof", "社保证明"],
  ];
  // Exactly these six slots, nothing of the other conditions.
  await expect(page.locator("section.bm-slot")).toHaveCount(materials.length);
  for (const [slug, label] of materials) {
    await expect(slotOf(page, slug)).toBeVisible();
    await pick(page, slug, goodFileFor(label));
    await expect(slotOf(page, slug), slug).toHaveAttribute("data-state", "uploaded", { timeout: 20_000 });
  }
  await page.reload();
  for (const [slug] of materials) {
    await expect(slotOf(page, slug), slug).toHaveAttribute("data-state", "uploaded");
  }
  const docs = (await stored(page, id)).documents as { material: string; size_bytes: number }[];
  expect(docs.map((d) => d.material).sort()).toEqual(materials.map(([s]) => s).sort());
  for (const [slug, label] of materials) {
    expect(docs.find((d) => d.material === slug)!.size_bytes, slug).toBe(goodFileFor(label).buffer.length);
  }
});

// One account for the three portrait journeys (the SMS budget is 20 codes an hour per client
// for the whole suite): each step picks a new file into the same slot.
test("the portrait fix: oversized, EXIF-rotated, too small", async ({ page, request }) => {
  test.setTimeout(180_000);
  await registerThroughPage(page, request, appUrl(), freshPhone());
  await fillSteps(page);
  const id = applicationId(page);
  const portrait = slotOf(page, "portrait");

  await test.step("an oversized portrait is fixed in the page", async () => {
    const big = bigPortraitJpeg();
    await pick(page, "portrait", { name: "IMG_2041.jpg", mimeType: "image/jpeg", buffer: big });
    await expect(portrait.locator('li[data-problem="portrait_size"]')).toBeVisible({ timeout: 15_000 });
    await expect(portrait.locator('button[data-action="fix"]')).toBeVisible();

    const { fixer, result, bytes } = await renderFix(page, { drag: true });
    // Before and after are stated.
    await expect(result).toContainText("1500 × 2000");
    await expect(result).toContainText("295 × 413");
    await expect(result.locator('[data-problem="portrait_background"]')).toHaveCount(0);
    await fixer.locator('button[data-action="use"]').click();
    await expect(portrait).toHaveAttribute("data-state", "uploaded", { timeout: 20_000 });

    const { body, image } = await storedPortrait(page, id);
    expect([image.width, image.height]).toEqual([295, 413]);
    expect(body.length).toBe(bytes);
    // Uploaded with the findings of the fixed photo, not of the one picked: none.
    const fixed = (await stored(page, id)).documents.find((d: { material: string }) => d.material === "portrait");
    expect(fixed.findings).toEqual([]);
    await expect(portrait.locator("li[data-problem]")).toHaveCount(0);
    expect(body.length).toBeGreaterThanOrEqual(PORTRAIT_MIN_BYTES);
    expect(body.length).toBeLessThanOrEqual(PORTRAIT_MAX_BYTES);

    // The benchmark's performance measures were recorded.
    const measures = await page.evaluate(() =>
      ["baoming:photo-inspect", "baoming:portrait-render"].map((n) => performance.getEntriesByName(n, "measure").length),
    );
    expect.soft(measures[0]).toBeGreaterThanOrEqual(1);
    expect.soft(measures[1]).toBeGreaterThanOrEqual(1);
  });

  await test.step("the fix respects the camera's EXIF orientation", async () => {
    // Stored 2065 × 1475 (sideways), shown 1475 × 2065: exactly 25:35 once turned.
    const file = exifRotated(sidewaysPortraitJpeg(), 6);
    await pick(page, "portrait", { name: "IMG_2042.jpg", mimeType: "image/jpeg", buffer: file });
    await expect(portrait.locator('li[data-problem="portrait_size"]')).toBeVisible({ timeout: 15_000 });
    expect(await codes(page, "portrait")).toEqual(["portrait_size"]);

    const { fixer, result, bytes } = await renderFix(page, { drag: false });
    await expect(result).toContainText("1475 × 2065");
    await fixer.locator('button[data-action="use"]').click();
    await expect(portrait).toHaveAttribute("data-state", "uploaded", { timeout: 20_000 });
    await expect.poll(async () => (await storedPortrait(page, id)).body.length).toBe(bytes);

    // Upright: white above the head, the shoulders at the bottom centre. (Sideways, the
    // centre crop would be white at the bottom.)
    const { image } = await storedPortrait(page, id);
    expect([image.width, image.height]).toEqual([295, 413]);
    expect(meanLuma(image, 0, 0, 1, 0.1)).toBeGreaterThan(225);
    expect(meanLuma(image, 0.4, 0.9, 0.6, 1)).toBeLessThan(150);
  });

  await test.step("a plain, smooth portrait also lands inside 40–80 KB, with real pixels", async () => {
    const smooth = smoothPortraitJpeg();
    await pick(page, "portrait", { name: "IMG_2043.jpg", mimeType: "image/jpeg", buffer: smooth });
    await expect(portrait.locator('li[data-problem="portrait_size"]')).toBeVisible({ timeout: 15_000 });
    await portrait.locator('button[data-action="fix"]').click();
    const fixer = portrait.locator(".bm-fixer");
    await fixer.locator('button[data-action="render"]').click();
    const result = fixer.locator(".bm-fixer__result");
    await expect(result).toBeVisible({ timeout: 20_000 });
    const bytes = Number(await result.getAttribute("data-bytes"));
    expect(bytes).toBeGreaterThanOrEqual(PORTRAIT_MIN_BYTES);
    expect(bytes).toBeLessThanOrEqual(PORTRAIT_MAX_BYTES);
    const width = Number(await result.getAttribute("data-width"));
    await fixer.locator('button[data-action="use"]').click();
    await expect(portrait).toHaveAttribute("data-state", "uploaded", { timeout: 20_000 });
    const { body, image } = await storedPortrait(page, id);
    expect(body.length).toBe(bytes);
    // 295 × 413 where the encoder can carry 40 KB there (Chromium's can); 25:35 whatever size.
    expect(image.width).toBe(width);
    expect(image.width).toBeGreaterThanOrEqual(295);
    expect(Math.abs(image.width / image.height - 25 / 35)).toBeLessThan(0.01);
  });

  await test.step("a portrait too small for one inch is not enlarged", async () => {
    await pick(page, "portrait", { name: "small.png", mimeType: "image/png", buffer: tinyPortraitPng() });
    await expect(portrait.locator('li[data-problem="portrait_too_small"]')).toBeVisible({ timeout: 15_000 });
    await expect(portrait).toHaveAttribute("data-state", "problem");
    await expect(portrait.locator('button[data-action="fix"]')).toHaveCount(0);
    await expect(portrait.locator('button[data-action="upload-anyway"]')).toHaveCount(0);
  });
});
