// Filling the wizard and its uploads, shared by the journeys that need a submitted application.
import { expect, type Page } from "@playwright/test";
import { appUrl } from "./env";
import { field } from "./accounts";

/** Bytes that start like a JPEG (the checks read the type from the bytes), padded to `size`. */
export function jpeg(size: number): Buffer {
  const b = Buffer.alloc(size, 0x20);
  b.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00], 0);
  return b;
}

export async function fillSteps(page: Page) {
  await page.goto(appUrl());
  await page.getByRole("article", { name: /电子商务师/ }).getByRole("link", { name: "报名" }).click();
  await field(page, "姓名").fill("王五");
  await page.getByRole("radio", { name: "女" }).check();
  await field(page, "身份证号").fill("11010519491231002X");
  await page.getByLabel("文化程度").selectOption({ label: "本科" });
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByRole("radio", { name: "职工身份" }).check();
  await page.getByRole("button", { name: "下一步" }).click();
  // （三）中级职称: no certificate, one year of related work.
  await page.getByRole("radio", { name: /（三）/ }).check();
  await field(page, "工作单位").fill("石家庄某某网络科技有限公司");
  await field(page, "单位地址").fill("河北省石家庄市裕华区槐安东路100号");
  await field(page, "单位人资部门电话").fill("0311-66668888");
  await field(page, "现从事岗位").fill("直播运营");
  await field(page, "现从事岗位年限").fill("3");
  await page.getByRole("button", { name: "添加一段经历" }).click();
  const row = page.getByRole("group", { name: "经历 1" });
  await row.getByLabel("起始年月").fill("2022-03");
  await row.getByRole("textbox", { name: "单位或学校" }).fill("石家庄某某网络科技有限公司");
  await row.getByLabel("从事职业(工种)").selectOption("营销员");
  await row.getByRole("textbox", { name: "证明人" }).fill("赵主管");
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page).toHaveURL(/step\/4$/);
}

export function slot(page: Page, name: string) {
  return page.getByRole("region", { name: new RegExp(`^\\*?${name}$`) });
}

export async function upload(page: Page, name: string, file: { name: string; mimeType: string; buffer: Buffer }) {
  await slot(page, name).locator('input[type="file"]').setInputFiles(file);
}


/** Every material condition （三） requires, as valid-looking files. */
export const CONDITION_THREE = ["身份证人像面照片", "身份证国徽面照片", "申报表", "中级职称/专业技术人员职业资格证明", "社保证明"];

/** Fills steps ① to ③, uploads everything and submits; returns the application id. */
export async function submitApplication(page: Page): Promise<string> {
  await fillSteps(page);
  const id = page.url().match(/applications\/([^/]+)\/step/)![1];
  for (const name of CONDITION_THREE) {
    await upload(page, name, { name: "doc.jpg", mimeType: "image/jpeg", buffer: jpeg(120 * 1024) });
    await expect(slot(page, name)).toHaveAttribute("data-state", "uploaded");
  }
  await upload(page, "个人照片", { name: "photo.jpg", mimeType: "image/jpeg", buffer: jpeg(60 * 1024) });
  await expect(slot(page, "个人照片")).toHaveAttribute("data-state", "uploaded");
  await page.getByRole("button", { name: "报名", exact: true }).click();
  await expect(page.getByText("报名已提交，状态：审核中。")).toBeVisible();
  return id;
}
