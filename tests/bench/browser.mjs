// The system Chromium, launched the way the journeys launch it (tests/chromium.mjs).
import { chromium } from "playwright-core";

import { CHROME_PATH, CHROMIUM_ARGS } from "../chromium.mjs";

export function launch() {
  return chromium.launch({
    executablePath: CHROME_PATH,
    args: CHROMIUM_ARGS,
  });
}

/** Bytes to base64 inside the page (page.evaluate only carries JSON). */
export const PAGE_TO_BASE64 = `(bytes) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}`;
