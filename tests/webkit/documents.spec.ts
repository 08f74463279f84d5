// The bad-file corpus on the iPhone's engine: every kind of bad file is explained in its own
// words before anything is sent (the checks run on WebKit's decoders: createImageBitmap,
// canvas), the same words as on Chromium; a warning can still be overridden with 仍然上传.
import { freshPhone } from "../e2e/support/accounts";
import { badFiles } from "../e2e/support/images";
import { expect, test } from "./support/webkit";
import { fillSteps, pick, register, stored } from "./support/wizard";

test("every bad file gets its own message on WebKit", async ({ wk, request }) => {
  test.setTimeout(240_000);
  await register(wk, request, freshPhone());
  const id = await fillSteps(wk);
  const files = badFiles();
  const messages = new Map<string, string>();
  for (const bad of files) {
    await pick(wk, bad.slot, bad.file);
    const slot = await wk.shown(`section.bm-slot[data-material="${bad.slot}"]`);
    const li = await wk.shown(`ul.bm-slot__problems > li[data-problem="${bad.code}"]`, { within: slot, timeout: 20_000 });
    await wk.attribute(slot, "data-state", "problem");
    // Its own problem, and nothing else.
    const codes = await wk.eval<string[]>(
      `(slot) => [...slot.querySelectorAll("ul.bm-slot__problems > li[data-problem]")].map((li) => li.dataset.problem)`,
      slot,
    );
    expect.soft(codes, `${bad.file.name} in ${bad.slot}`).toEqual([bad.code]);
    const anyway = await wk.eval<number>(`(slot) => slot.querySelectorAll('button[data-action="upload-anyway"]').length`, slot);
    expect.soft(anyway, `${bad.code}: 仍然上传 offered`).toBe(bad.soft ? 1 : 0);
    const text = (await li.getText()).trim();
    expect(text.length, bad.code).toBeGreaterThan(4);
    if (!messages.has(bad.code)) messages.set(bad.code, text);
  }
  // Every code has a message of its own.
  const texts = [...messages.values()];
  expect(new Set(texts).size, [...messages].map(([c, t]) => `${c}: ${t}`).join("\n")).toBe(texts.length);
  expect(messages.size).toBe(20);

  // Nothing was sent.
  expect((await (await stored(wk, request, id)).json()).documents).toEqual([]);

  // 仍然上传 sends the dark photo as it is.
  const dark = files.find((f) => f.code === "too_dark")!;
  await pick(wk, dark.slot, dark.file);
  const slot = await wk.shown(`section.bm-slot[data-material="${dark.slot}"]`);
  await wk.shown('li[data-problem="too_dark"]', { within: slot, timeout: 20_000 });
  await wk.click(await wk.shown('button[data-action="upload-anyway"]', { within: slot }));
  await wk.attribute(slot, "data-state", "uploaded", 20_000);
  const docs = (await (await stored(wk, request, id)).json()).documents;
  expect(docs.map((d: { material: string }) => d.material)).toEqual([dark.slot]);
  expect(docs[0].size_bytes).toBe(dark.file.buffer.length);
});
