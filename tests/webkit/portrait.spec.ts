// 自动处理 on the iPhone's engine. WebKit's JPEG encoder is frugal: 295 × 413 of a smooth,
// evenly lit portrait stays far under 40 KB even at its best quality, where Chromium's lands
// at 40–60 KB. The fix must still land inside 40–80 KB, with real pixels of the photo (a
// larger 25:35 size, never padding), for a textured photo, a plain smooth one, a real
// photograph and one the camera stored sideways.
import fs from "node:fs";
import path from "node:path";
import { freshPhone } from "../e2e/support/accounts";
import { bigPortraitJpeg, exifRotated, sidewaysPortraitJpeg, smoothPortraitJpeg } from "../e2e/support/images";
import { expect, test } from "./support/webkit";
import { autoFix, fillSteps, register } from "./support/wizard";

const ASTRONAUT = path.join(import.meta.dirname, "../e2e/fixtures/astronaut-portrait.jpg");

test("自动处理 lands in 40–80 KB on WebKit: textured, smooth, real and sideways portraits", async ({ wk, request }) => {
  test.setTimeout(180_000);
  await register(wk, request, freshPhone());
  const id = await fillSteps(wk);
  const results: Record<string, { bytes: number; width: number; height: number }> = {};

  results.textured = await autoFix(wk, request, id, { name: "IMG_2041.jpg", mimeType: "image/jpeg", buffer: bigPortraitJpeg() });
  // The plain one needs more than 295 × 413 on WebKit: still 25:35, still the photo.
  results.smooth = await autoFix(wk, request, id, { name: "IMG_2043.jpg", mimeType: "image/jpeg", buffer: smoothPortraitJpeg() });
  results.real = await autoFix(wk, request, id, { name: "astronaut.jpg", mimeType: "image/jpeg", buffer: fs.readFileSync(ASTRONAUT) });
  results.sideways = await autoFix(wk, request, id, { name: "IMG_2042.jpg", mimeType: "image/jpeg", buffer: exifRotated(sidewaysPortraitJpeg(), 6) });
  console.log(`WebKit 自动处理: ${JSON.stringify(results)}`);
  expect(Object.keys(results)).toHaveLength(4);
});
