// The wizard on WebKit, as the candidate fills it: shared by the WebKit journeys.
import type { APIRequestContext } from "@playwright/test";
import jpeg from "jpeg-js";
import { apiOrigin, appUrl } from "../../e2e/support/env";
import { PASSWORD, codeSentBy } from "../../e2e/support/accounts";
import { PORTRAIT_MAX_BYTES, PORTRAIT_MIN_BYTES, type UploadFile } from "../../e2e/support/images";
import { expect, type Wk } from "./webkit";

/** Registers `phone` through 考生注册 and waits until logged in. */
export async function register(wk: Wk, request: APIRequestContext, phone: string) {
  await wk.goto(new URL("register", appUrl()).toString());
  await wk.fill("手机号", phone);
  const code = await codeSentBy(request, phone, () => wk.click("获取验证码"));
  await wk.fill("验证码", code);
  await wk.fill("密码", PASSWORD);
  await wk.fill("确认密码", PASSWORD);
  await wk.click("注册", { css: "button" });
  await wk.control("退出登录");
}

/** Steps ① to ③ for condition （三）, landing on ④; returns the application id. */
export async function fillSteps(wk: Wk): Promise<string> {
  await wk.goto(appUrl());
  const plan = await wk.shown("article", { text: "电子商务师" });
  await wk.click("报名", { within: plan, css: "a" });
  await wk.fill("姓名", "王五");
  await wk.radio("女");
  await wk.fill("身份证号", "11010519491231002X");
  await wk.select("文化程度", "本科");
  await wk.click("下一步");
  await wk.radio("职工身份");
  await wk.click("下一步");
  await wk.radio(/（三）/);
  await wk.fill("工作单位", "石家庄某某网络科技有限公司");
  await wk.fill("单位地址", "河北省石家庄市裕华区槐安东路100号");
  await wk.fill("单位人资部门电话", "0311-66668888");
  await wk.fill("现从事岗位", "直播运营");
  await wk.fill("现从事岗位年限", "3");
  await wk.click("添加一段经历");
  const row = await wk.shown('[role="group"][aria-label="经历 1"]');
  await wk.setValue("起始年月", "2022-03", row);
  await wk.fill("单位或学校", "石家庄某某网络科技有限公司", row);
  await wk.select("从事职业(工种)", "营销员", row);
  await wk.fill("证明人", "赵主管", row);
  await wk.click("下一步");
  await wk.at(/step\/4$/);
  return (await wk.url()).match(/applications\/([^/]+)\/step/)![1];
}

export const slot = (wk: Wk, material: string) => wk.shown(`section.bm-slot[data-material="${material}"]`);

/** Picks `file` for the slot of `material` (its slug). */
export async function pick(wk: Wk, material: string, file: UploadFile) {
  const input = await wk.driver.findElement({ css: `section.bm-slot[data-material="${material}"] input[type="file"]` });
  await wk.setFile(input, file);
}

/** The slugs (`data-material`) of condition （三）'s materials, by label. */
export const SLUGS: Record<string, string> = {
  身份证人像面照片: "id_card_front",
  身份证国徽面照片: "id_card_back",
  申报表: "application_form",
  "中级职称/专业技术人员职业资格证明": "intermediate_title_proof",
  社保证明: "social_insurance_proof",
};

/** The application as its candidate sees it through the API, with the browser's session. */
export async function stored(wk: Wk, request: APIRequestContext, id: string, what = "") {
  const res = await request.get(`${apiOrigin()}/api/v1/applications/${id}${what}`, { headers: { Cookie: await wk.cookieHeader() } });
  expect(res.status(), await res.text()).toBe(200);
  return res;
}


/** Picks an oversized `file` for 个人照片 and makes it a one-inch photo with 自动处理 (the
 * frame as the page puts it), then uses it; checks the stored file is the one rendered, 25:35,
 * at least 295 × 413 and inside 40–80 KB. Returns what was rendered. */
export async function autoFix(wk: Wk, request: APIRequestContext, id: string, file: UploadFile) {
  await pick(wk, "portrait", file);
  const portrait = await slot(wk, "portrait");
  await wk.shown('li[data-problem="portrait_size"]', { within: portrait, timeout: 20_000 });
  await wk.click(await wk.shown('button[data-action="fix"]', { within: portrait }));
  await wk.attribute(portrait, "data-state", "fixing");
  await wk.click(await wk.shown('.bm-fixer button[data-action="render"]', { within: portrait }));
  const result = await wk.shown(".bm-fixer__result", { within: portrait, timeout: 30_000 });
  const rendered = {
    bytes: Number(await result.getAttribute("data-bytes")),
    width: Number(await result.getAttribute("data-width")),
    height: Number(await result.getAttribute("data-height")),
  };
  expect(rendered.bytes, `${file.name} fixed on WebKit: ${JSON.stringify(rendered)}`).toBeGreaterThanOrEqual(PORTRAIT_MIN_BYTES);
  expect(rendered.bytes).toBeLessThanOrEqual(PORTRAIT_MAX_BYTES);
  await wk.click(await wk.shown('button[data-action="use"]', { within: portrait }));
  await wk.attribute(portrait, "data-state", "uploaded", 20_000);
  const body = await (await stored(wk, request, id, "/documents/portrait")).body();
  expect(body.length).toBe(rendered.bytes);
  const image = jpeg.decode(body, { useTArray: true });
  expect([image.width, image.height]).toEqual([rendered.width, rendered.height]);
  expect(image.width).toBeGreaterThanOrEqual(295);
  expect(Math.abs(image.width / image.height - 25 / 35)).toBeLessThan(0.01);
  return rendered;
}
