// The contract's rules the browser checks before sending (as contract/src/*.rs).

export function checkPhone(phone) {
  if (!phone) return "errRequired";
  if (!/^\d*$/.test(phone)) return "errPhoneDigits";
  if (phone.length !== 11) return "errPhoneLength";
  if (!/^1[3-9]\d{9}$/.test(phone)) return "errPhoneFormat";
  return null;
}

export function checkCode(code) {
  if (!code) return "errRequired";
  return /^\d{6}$/.test(code) ? null : "errCode";
}

export function checkPassword(pw) {
  if (!pw) return "errRequired";
  if ([...pw].length < 8) return "errPwShort";
  if (new TextEncoder().encode(pw).length > 72) return "errPwLong";
  if (!/[A-Za-z]/.test(pw) || !/\d/.test(pw)) return "errPwMix";
  return null;
}

export function checkConfirmation(pw, confirm) {
  if (!confirm) return "errRequired";
  return pw === confirm ? null : "errPwMismatch";
}

export function passwordStrength(pw) {
  let classes = 0;
  for (const re of [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/]) if (re.test(pw)) classes++;
  if (pw.length >= 12 && classes >= 3) return "pwStrong";
  if (pw.length >= 8 && classes >= 2) return "pwFair";
  return "pwWeak";
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

/** GB 11643: 18 characters, a real birth date, the check digit; returns the sex it encodes. */
export function parseIdNumber(id) {
  const s = id.trim().toUpperCase();
  if (s.length !== 18 || !/^\d{17}[\dX]$/.test(s)) return { error: "errIdLength" };
  const y = +s.slice(6, 10), m = +s.slice(10, 12), d = +s.slice(12, 14);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || date > new Date()) return { error: "errIdDate" };
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += +s[i] * WEIGHTS[i];
  if (CHECK[sum % 11] !== s[17]) return { error: "errIdChecksum" };
  return { gender: +s[16] % 2 === 1 ? "male" : "female", birth: `${y}-${s.slice(10, 12)}-${s.slice(12, 14)}` };
}

/** Years between two `YYYY-MM` months, an empty end meaning this month. */
export function monthsBetween(start, end) {
  const [y0, m0] = start.split("-").map(Number);
  const now = new Date();
  const [y1, m1] = end ? end.split("-").map(Number) : [now.getFullYear(), now.getMonth() + 1];
  return (y1 - y0) * 12 + (m1 - m0);
}

export const YEARS_REQUIRED = {
  level3_plus_five_years: 5,
  junior_title: 5,
  intermediate_title: 1,
  technician_college_graduate: 0,
  technician_class_student: 0,
};

export function checkStep(step, draft) {
  const errors = {};
  if (step === 1) {
    if (!draft.name?.trim()) errors.name = "errRequired";
    const id = parseIdNumber(draft.id_number || "");
    if (!draft.id_number) errors.id_number = "errRequired";
    else if (id.error) errors.id_number = id.error;
    if (!draft.gender) errors.gender = "errRequired";
    else if (!id.error && id.gender !== draft.gender) errors.gender = "errIdGender";
    if (!draft.education) errors.education = "errRequired";
    const phone = checkPhone(draft.phone || "");
    if (phone) errors.phone = phone;
  } else if (step === 2) {
    if (!draft.identity) errors.identity = "errRequired";
  } else if (step === 3) {
    if (!draft.condition) errors.condition = "errRequired";
    for (const f of ["employer", "employer_address", "employer_hr_phone", "current_post"]) if (!draft[f]?.trim()) errors[f] = "errRequired";
    if (draft.current_post_years == null || draft.current_post_years === "") errors.current_post_years = "errRequired";
    if (draft.condition === "level3_plus_five_years") {
      for (const f of ["name_and_level", "number", "issued_on", "issuer"]) if (!draft.certificate?.[f]) errors[`certificate.${f}`] = "errRequired";
    }
    const months = (draft.history || []).reduce((sum, row) => sum + (row.start ? monthsBetween(row.start, row.end) : 0), 0);
    (draft.history || []).forEach((row, i) => {
      for (const f of ["start", "unit", "occupation", "witness"]) if (!row[f]) errors[`history.${i}.${f}`] = "errRequired";
    });
    if (months < 12 * (YEARS_REQUIRED[draft.condition] ?? 0)) errors.history = "errRequired";
  }
  return errors;
}

export const PORTRAIT_MIN = 40 * 1024;
export const PORTRAIT_MAX = 80 * 1024;
export const DOCUMENT_MAX = 10 * 1024 * 1024;

/** JPEG or PNG by their first bytes. */
export async function sniff(file) {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return "image/png";
  return null;
}

export async function checkUpload(material, file) {
  if (file.size > DOCUMENT_MAX) return "errTooLarge";
  const type = await sniff(file);
  if (!type) return "errNotImage";
  if (material === "portrait" && (type !== "image/jpeg" || file.size < PORTRAIT_MIN || file.size > PORTRAIT_MAX)) return "errPortraitSize";
  return null;
}
