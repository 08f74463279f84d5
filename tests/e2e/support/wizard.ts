// Filling the wizard and its uploads, shared by the journeys that need a submitted application.
import { expect, type Page } from "@playwright/test";
import { appUrl } from "./env";
import { field } from "./accounts";
import { documentJpeg, idCardJpeg, portraitJpeg, type UploadFile } from "./images";

/**
 * Fills steps ① to ③ and lands on ④. Condition （三）中级职称 (the default) needs no
 * certificate and one year of related work; （一） needs the level-3 certificate (its number,
 * date and issuer) and five years of related work after it.
 */
export async function fillSteps(page: Page, { condition = 3 }: { condition?: 1 | 3 } = {}) {
  await page.goto(appUrl());
  await page.getByRole("article", { name: /电子商务师/ }).getByRole("link", { name: "报名" }).click();
  await field(page, "姓名").fill("王五");
  await page.getByRole("radio", { name: "女" }).check();
  await field(page, "身份证号").fill("11010519491231002X");
  await page.getByLabel("文化程度").selectOption({ label: "本科" });
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByRole("radio", { name: "职工身份" }).check();
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByRole("radio", { name: condition === 1 ? /（一）/ : /（三）/ }).check();
  await field(page, "工作单位").fill("石家庄某某网络科技有限公司");
  await field(page, "单位地址").fill("河北省石家庄市裕华区槐安东路100号");
  await field(page, "单位人资部门电话").fill("0311-66668888");
  await field(page, "现从事岗位").fill("直播运营");
  await field(page, "现从事岗位年限").fill(condition === 1 ? "6" : "3");
  if (condition === 1) {
    await field(page, "证书名称及等级").fill("电子商务师 三级");
    await field(page, "证书编号").fill("S000013000000123");
    await page.getByLabel("取证时间").fill("2019-06-30");
    await field(page, "发证机构名称").fill("河北省人力资源和社会保障厅");
  }
  await page.getByRole("button", { name: "添加一段经历" }).click();
  const row = page.getByRole("group", { name: "经历 1" });
  // An open row (no end month) runs to this month.
  await row.getByLabel("起始年月").fill(condition === 1 ? "2019-07" : "2022-03");
  await row.getByRole("textbox", { name: "单位或学校" }).fill("石家庄某某网络科技有限公司");
  await row.getByLabel("从事职业(工种)").selectOption("营销员");
  await row.getByRole("textbox", { name: "证明人" }).fill("赵主管");
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page).toHaveURL(/step\/4$/);
}

export function slot(page: Page, name: string) {
  return page.getByRole("region", { name: new RegExp(`^\\*?${name}$`) });
}

/** A slot by its material's slug (`data-material`). */
export function slotOf(page: Page, slug: string) {
  return page.locator(`section.bm-slot[data-material="${slug}"]`);
}

export async function upload(page: Page, name: string, file: UploadFile) {
  await slot(page, name).locator('input[type="file"]').setInputFiles(file);
}

const ID_CARD_LABELS: Record<string, "front" | "back"> = { 身份证人像面照片: "front", 身份证国徽面照片: "back" };

/** A real photo that passes every check of the slot named `name` (its Chinese label). */
export function goodFileFor(name: string): UploadFile {
  if (name === "个人照片") return { name: "photo.jpg", mimeType: "image/jpeg", buffer: portraitJpeg() };
  const side = ID_CARD_LABELS[name];
  if (side) return { name: `id-${side}.jpg`, mimeType: "image/jpeg", buffer: idCardJpeg(1712, 1080, side) };
  return { name: "doc.jpg", mimeType: "image/jpeg", buffer: documentJpeg() };
}


/** Every material condition （三） requires besides the portrait (labels). */
export const CONDITION_THREE = ["身份证人像面照片", "身份证国徽面照片", "申报表", "中级职称/专业技术人员职业资格证明", "社保证明"];

/** From step ④ to 核对报名信息, which shows the answers grouped by step. */
export async function checkAnswers(page: Page) {
  await page.getByRole("button", { name: "下一步：核对信息" }).click();
  await expect(page.getByRole("heading", { name: "核对报名信息" })).toBeVisible();
  await expect(page).toHaveURL(/\/step\/check$/);
  for (const group of ["① 基础信息", "② 身份选择", "③ 报名信息", "④ 证件信息上传"]) {
    await expect(page.getByRole("region", { name: group })).toBeVisible();
  }
}

/** Fills steps ① to ③, uploads everything and submits; returns the application id. */
export async function submitApplication(page: Page): Promise<string> {
  await fillSteps(page);
  const id = page.url().match(/applications\/([^/]+)\/step/)![1];
  for (const name of CONDITION_THREE) {
    await upload(page, name, goodFileFor(name));
    await expect(slot(page, name)).toHaveAttribute("data-state", "uploaded");
  }
  await upload(page, "个人照片", goodFileFor("个人照片"));
  await expect(slot(page, "个人照片")).toHaveAttribute("data-state", "uploaded");
  await checkAnswers(page);
  await page.getByRole("button", { name: "报名", exact: true }).click();
  await expect(page.getByText("报名已提交，状态：审核中。")).toBeVisible();
  return id;
}
