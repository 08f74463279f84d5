// The candidate the performance measures use (lighthouse.mjs, first-visit.mjs): registered
// through the reference backend's development SMS outbox, with one application approved by the
// reviewer API (its 待缴费 page) and another left as a draft (its wizard step ①), then logged
// in through the 登录 page of the measuring browser.

import { request as apiRequest } from "playwright-core";
import jpeg from "jpeg-js";

const REVIEWER = { Authorization: "Bearer dev-reviewer-token" };
export const PASSWORD = "abcd1234";

// ---------------------------------------------------------------------------------------------
// The candidate, through the API

/** A valid mainland mobile number nobody else used (the outbox limits one code a minute),
 * also when several candidates are prepared in the same millisecond. */
let prepared = 0;
function freshPhone() {
  const tail = `${(Date.now() + prepared++) % 100_000_000}`.padStart(8, "0");
  return `139${tail}`;
}

/** A JPEG of noise (every pixel from a seeded PRNG), at the quality that lands its size
 * between `min` and `max` bytes: the backend checks the type and, for the portrait, 40–80 KB. */
function noiseJpeg(width, height, min, max, seed = 1) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = Buffer.alloc(width * height * 4, 255);
  for (let i = 0; i < width * height; i++) {
    const v = 200 + rand() * 55;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
  }
  for (let quality = 95; quality >= 5; quality -= 5) {
    const out = jpeg.encode({ data, width, height }, quality).data;
    if (out.length >= min && out.length <= max) return out;
  }
  throw new Error(`no quality puts a ${width}×${height} noise JPEG between ${min} and ${max} bytes`);
}

async function ok(res, what) {
  if (!res.ok()) throw new Error(`${what}: ${res.status()} ${await res.text()}`);
  return res.status() === 204 ? null : res.json();
}

/** A draft that passes every rule for the 电子商务师 plan under condition （三） 中级职称
 * (as conformance/src/checks/applications.rs complete_draft). */
function completeDraft(phone) {
  const now = new Date();
  const start = `${now.getFullYear() - 2}-${String(now.getMonth() + 1).padStart(2, "0")}`;
  return {
    identity: "employee",
    condition: "intermediate_title",
    name: "张三",
    gender: "female",
    id_number: "11010519491231002X",
    education: "bachelor",
    phone,
    employer: "石家庄某某电子商务有限公司",
    employer_address: "河北省石家庄市长安区中山东路1号",
    employer_hr_phone: "0311-87654321",
    current_post: "网店运营",
    current_post_years: 2,
    history: [{ start, end: "", unit: "石家庄某某电子商务有限公司", occupation: "电子商务师", witness: "王经理" }],
  };
}

const CONDITION_THREE_MATERIALS = [
  "portrait",
  "id_card_front",
  "id_card_back",
  "application_form",
  "intermediate_title_proof",
  "social_insurance_proof",
];

/** Registers a candidate and prepares an approved application (to pay) and a draft one (to
 * fill in). Returns { phone, payId, draftId }. */
export async function prepareCandidate(api) {
  const ctx = await apiRequest.newContext({ baseURL: `${api}/api/v1/` });
  try {
    const phone = freshPhone();
    await ok(await ctx.post("sms-codes", { data: { phone, purpose: "register" } }), "sms code");
    const outbox = await ok(await ctx.get(`dev/sms-outbox?phone=${phone}`), "sms outbox");
    const code = outbox.messages?.[0]?.code;
    if (!/^\d{6}$/.test(code ?? "")) throw new Error(`no code in the outbox for ${phone}: ${JSON.stringify(outbox)}`);
    await ok(await ctx.post("accounts", { data: { phone, code, password: PASSWORD } }), "register");

    const { plans } = await ok(await ctx.get("plans"), "plans");
    const open = plans.filter((p) => p.state === "open");
    const ecommerce = open.find((p) => p.occupation === "ecommerce_specialist");
    const other = open.find((p) => p !== ecommerce);
    if (!ecommerce || !other) throw new Error(`two open plans are needed, one of 电子商务师: ${JSON.stringify(plans)}`);

    // To pay: complete, every document, submitted, approved.
    let app = await ok(await ctx.post(`plans/${ecommerce.id}/applications`), "create application");
    app = await ok(
      await ctx.put(`applications/${app.id}/draft`, { data: { base_version: app.version, draft: completeDraft(phone) } }),
      "save draft",
    );
    for (const [i, material] of CONDITION_THREE_MATERIALS.entries()) {
      const body = material === "portrait" ? noiseJpeg(295, 413, 41_000, 79_000, 7) : noiseJpeg(320, 200, 1_000, 500_000, i + 11);
      await ok(
        await ctx.put(`applications/${app.id}/documents/${material}`, { headers: { "Content-Type": "image/jpeg" }, data: body }),
        `upload ${material}`,
      );
    }
    await ok(
      await ctx.post(`applications/${app.id}/submit`, { headers: { "Idempotency-Key": `lighthouse-${phone}` } }),
      "submit",
    );
    await ok(
      await ctx.post(`admin/applications/${app.id}/decision`, { headers: REVIEWER, data: { decision: "approve", reasons: [] } }),
      "approve",
    );
    const payId = app.id;

    // To fill in: a draft of the other plan, with the first step begun.
    const draft = await ok(await ctx.post(`plans/${other.id}/applications`), "create the second application");
    await ok(
      await ctx.put(`applications/${draft.id}/draft`, {
        data: { base_version: draft.version, draft: { name: "张三", gender: "female", phone } },
      }),
      "save the second draft",
    );
    return { phone, payId, draftId: draft.id };
  } finally {
    await ctx.dispose();
  }
}

/** Logs in through the 登录 page of the shared browser, so that its cookie jar holds the
 * session the backend sets. */
export async function logInThroughPage(context, app, phone) {
  const page = await context.newPage();
  try {
    await page.goto(new URL("login", app).toString());
    await page.getByRole("textbox", { name: "手机号", exact: true }).fill(phone);
    await page.getByRole("textbox", { name: "密码", exact: true }).fill(PASSWORD);
    await page.locator("form").getByRole("button", { name: "登录", exact: true }).click();
    await page.getByRole("button", { name: "退出登录" }).waitFor({ timeout: 30_000 });
  } finally {
    await page.close();
  }
}
