// Step ④ and 报名: uploads checked in the browser before sending, then a submission that a
// double click cannot make twice, against the real reference backend.
import { expect, test } from "@playwright/test";
import { apiOrigin, appUrl } from "./support/env";
import { field, freshPhone, registerThroughPage } from "./support/accounts";
import { CONDITION_THREE, checkAnswers, fillSteps, goodFileFor, slot, upload } from "./support/wizard";
import { smallPortraitJpeg } from "./support/images";

test("uploads are checked before sending, and 报名 submits once", async ({ page, request }) => {
  test.setTimeout(90_000);
  await registerThroughPage(page, request, appUrl(), freshPhone());
  await fillSteps(page);
  const id = page.url().match(/applications\/([^/]+)\/step/)![1];

  // Wrong files are explained, not sent.
  const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypheic"), Buffer.alloc(64)]);
  await upload(page, "身份证人像面照片", { name: "IMG_0001.HEIC", mimeType: "image/heic", buffer: heic });
  await expect(slot(page, "身份证人像面照片").locator('li[data-problem="type_heic"]')).toContainText("HEIC");
  await expect(slot(page, "身份证人像面照片")).toHaveAttribute("data-state", "problem");
  const small = smallPortraitJpeg();
  await upload(page, "个人照片", { name: "photo.jpg", mimeType: "image/jpeg", buffer: small });
  await expect(slot(page, "个人照片").locator('li[data-problem="portrait_size"]')).toContainText(
    `个人照片须为 40–80 KB，当前为 ${Math.ceil(small.length / 1024)} KB`,
  );
  await expect(slot(page, "个人照片")).toHaveAttribute("data-state", "problem");
  await upload(page, "申报表", { name: "form.gif", mimeType: "image/jpeg", buffer: Buffer.from("GIF89a" + " ".repeat(100)) });
  await expect(slot(page, "申报表").locator('li[data-problem="type_gif"]')).toBeVisible();
  await expect(slot(page, "申报表")).toHaveAttribute("data-state", "problem");

  // 核对报名信息 before everything is uploaded shows what is missing, and 报名 brings the
  // candidate back to ④ with the list.
  await checkAnswers(page);
  const uploads = page.getByRole("region", { name: "④ 证件信息上传" });
  await expect(uploads.getByRole("definition").filter({ hasText: "未上传" }).first()).toBeVisible();
  await page.getByRole("button", { name: "报名", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "请上传此材料" })).toContainText("身份证国徽面照片");
  await expect(page).toHaveURL(/\/step\/4$/);

  for (const name of CONDITION_THREE) {
    await upload(page, name, goodFileFor(name));
    await expect(slot(page, name)).toHaveAttribute("data-state", "uploaded");
  }
  await upload(page, "个人照片", goodFileFor("个人照片"));
  await expect(slot(page, "个人照片")).toHaveAttribute("data-state", "uploaded");

  // An uploaded file survives a reload.
  await page.reload();
  await expect(slot(page, "社保证明")).toHaveAttribute("data-state", "uploaded");

  // 核对报名信息: every answer, each material with its thumbnail; 修改 goes back to its
  // step and the change shows when the candidate returns.
  await checkAnswers(page);
  await expect(page.getByRole("region", { name: "④ 证件信息上传" }).locator("img.bm-check__thumb")).toHaveCount(6);
  await expect(page.getByRole("region", { name: "① 基础信息" })).toContainText("王五");
  await page.getByRole("region", { name: "③ 报名信息" }).getByRole("link", { name: /修改/ }).click();
  await expect(page).toHaveURL(/\/step\/3$/);
  await field(page, "现从事岗位").fill("直播运营主管");
  await page.getByRole("button", { name: "下一步" }).click();
  await checkAnswers(page);
  await expect(page.getByRole("region", { name: "③ 报名信息" })).toContainText("直播运营主管");

  // A double click submits once.
  await page.getByRole("button", { name: "报名", exact: true }).dblclick();
  await expect(page.getByText("报名已提交，状态：审核中。")).toBeVisible();
  const res = await page.request.get(`${apiOrigin()}/api/v1/applications/${id}`);
  const app = await res.json();
  expect(app.status).toBe("under_review");
  expect(app.events.filter((e: { status: string }) => e.status === "under_review")).toHaveLength(1);
  expect(app.expected_decision_by).toBeTruthy();
  expect(app.documents).toHaveLength(6);
});
