// Step ④ and 报名: uploads checked in the browser before sending, then a submission that a
// double click cannot make twice, against the real reference backend.
import { expect, test } from "@playwright/test";
import { apiOrigin, appUrl } from "./support/env";
import { freshPhone, registerThroughPage } from "./support/accounts";
import { fillSteps, jpeg, slot, upload } from "./support/wizard";

test("uploads are checked before sending, and 报名 submits once", async ({ page, request }) => {
  test.setTimeout(90_000);
  await registerThroughPage(page, request, appUrl(), freshPhone());
  await fillSteps(page);
  const id = page.url().match(/applications\/([^/]+)\/step/)![1];

  // Wrong files are explained, not sent.
  const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypheic"), Buffer.alloc(64)]);
  await upload(page, "身份证人像面照片", { name: "IMG_0001.HEIC", mimeType: "image/heic", buffer: heic });
  await expect(slot(page, "身份证人像面照片").getByRole("alert")).toContainText("HEIC");
  await upload(page, "个人照片", { name: "photo.jpg", mimeType: "image/jpeg", buffer: jpeg(30 * 1024) });
  await expect(slot(page, "个人照片").getByRole("alert")).toContainText("个人照片须为 40–80 KB，当前为 30 KB");
  await upload(page, "申报表", { name: "form.gif", mimeType: "image/jpeg", buffer: Buffer.from("GIF89a" + " ".repeat(100)) });
  await expect(slot(page, "申报表").getByRole("alert")).toContainText("只能上传 JPG 或 PNG");

  // 报名 before everything is uploaded says what is missing.
  await page.getByRole("button", { name: "报名", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "请上传此材料" })).toContainText("身份证国徽面照片");

  for (const name of ["身份证人像面照片", "身份证国徽面照片", "申报表", "中级职称/专业技术人员职业资格证明", "社保证明"]) {
    await upload(page, name, { name: "doc.jpg", mimeType: "image/jpeg", buffer: jpeg(120 * 1024) });
    await expect(slot(page, name)).toHaveAttribute("data-state", "uploaded");
  }
  await upload(page, "个人照片", { name: "photo.jpg", mimeType: "image/jpeg", buffer: jpeg(60 * 1024) });
  await expect(slot(page, "个人照片")).toHaveAttribute("data-state", "uploaded");

  // An uploaded file survives a reload.
  await page.reload();
  await expect(slot(page, "社保证明")).toHaveAttribute("data-state", "uploaded");

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
