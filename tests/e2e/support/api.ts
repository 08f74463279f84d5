// What journeys that prepare candidates through the API share: the plans, the reviewer's
// dev token, a complete draft and the files condition （三） asks for, and a checked answer.
import { expect, type APIRequestContext, type APIResponse } from "@playwright/test";
import { documentJpeg, idCardJpeg, portraitJpeg } from "./images";

export const ECOMMERCE = "ecommerce-l2-2026q4";
export const MARKETER = "marketer-l2-2026q4";
export const REVIEWER = { Authorization: "Bearer dev-reviewer-token" };

export type Cookie = Awaited<ReturnType<APIRequestContext["storageState"]>>["cookies"][number];

/** A complete draft for condition （三）, as the API takes it. */
export function draftFor(phone: string, occupation: string) {
  return {
    identity: "employee",
    condition: "intermediate_title",
    name: "王五",
    gender: "female",
    id_number: "11010519491231002X",
    education: "bachelor",
    phone,
    employer: "石家庄某某网络科技有限公司",
    employer_address: "河北省石家庄市裕华区槐安东路100号",
    employer_hr_phone: "0311-66668888",
    current_post: "直播运营",
    current_post_years: 3,
    history: [{ start: "2022-03", end: "", unit: "石家庄某某网络科技有限公司", occupation, witness: "赵主管" }],
  };
}

/** The documents condition （三） asks for, as real photos that pass every check. */
export const GOOD_FILES: Record<string, () => Buffer> = {
  id_card_front: () => idCardJpeg(1712, 1080, "front"),
  id_card_back: () => idCardJpeg(1712, 1080, "back"),
  application_form: () => documentJpeg(),
  intermediate_title_proof: () => documentJpeg(1240, 1754, 11),
  social_insurance_proof: () => documentJpeg(1240, 1754, 12),
  portrait: () => portraitJpeg(),
};

/** Fails with the answer's text unless it is 2xx; returns its JSON (null for 204). */
export async function ok(res: APIResponse, what: string) {
  expect(res.ok(), `${what}: HTTP ${res.status()} ${await res.text()}`).toBeTruthy();
  return res.status() === 204 ? null : res.json();
}
