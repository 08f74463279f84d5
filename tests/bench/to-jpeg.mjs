// Re-encodes an image (a PNG sample photo) as a JPEG in headless Chromium:
//   node tests/bench/to-jpeg.mjs SRC DST [QUALITY]   (QUALITY 0..1, default 0.92)
// Used by `cargo xtask bench-photos` to prepare its photos; Chromium is the one image
// tool every machine that runs the journeys already has.
import { readFile, writeFile, rename } from "node:fs/promises";
import { launch, PAGE_TO_BASE64 } from "./browser.mjs";

const [src, dst, qualityArg = "0.92"] = process.argv.slice(2);
const quality = Number(qualityArg);
if (!src || !dst || !(quality > 0 && quality <= 1)) {
  console.error("usage: node tests/bench/to-jpeg.mjs SRC DST [QUALITY 0..1]");
  process.exit(2);
}

const browser = await launch();
try {
  const page = await browser.newPage();
  const input = (await readFile(src)).toString("base64");
  const output = await page.evaluate(
    async ({ input, quality, toBase64 }) => {
      const bytes = Uint8Array.from(atob(input), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes]));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext("2d");
      // JPEG has no alpha: flatten onto white, as a photo printer would.
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, bitmap.width, bitmap.height);
      ctx.drawImage(bitmap, 0, 0);
      const jpeg = await canvas.convertToBlob({ type: "image/jpeg", quality });
      return eval(toBase64)(new Uint8Array(await jpeg.arrayBuffer()));
    },
    { input, quality, toBase64: PAGE_TO_BASE64 },
  );
  const tmp = `${dst}.part`;
  await writeFile(tmp, Buffer.from(output, "base64"));
  await rename(tmp, dst);
  console.log(`${dst}: JPEG q${quality} from ${src}`);
} finally {
  await browser.close();
}
