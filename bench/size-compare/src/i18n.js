// Every user-visible string, Chinese first and English second (as src/i18n.rs).
import { createContext, useContext } from "react";

const T = {
  appTitle: ["职业技能等级认定报名", "Skill Certificate Registration"],
  appSub: ["二级 / 技师", "Level 2 / Technician"],
  switchLang: ["English", "中文"],
  navPlans: ["考试报名", "Exams"],
  navApplications: ["报名信息", "My applications"],
  navLogin: ["登录", "Log in"],
  navRegister: ["注册", "Register"],
  logout: ["退出登录", "Log out"],
  skip: ["跳到主要内容", "Skip to content"],
  loading: ["正在加载…", "Loading…"],
  retry: ["重试", "Retry"],
  plansTitle: ["考试报名", "Exams"],
  plansIntro: ["请选择认定计划，在报名时间内完成报名。", "Choose a certification plan and apply within its window."],
  plansEmpty: ["暂无认定计划。", "No plans yet."],
  planOccupation: ["职业", "Occupation"],
  planLevel: ["等级", "Level"],
  planWindow: ["报名时间", "Window"],
  planFee: ["报名费", "Fee"],
  apply: ["报名", "Apply"],
  stateUpcoming: ["未开始", "Not open yet"],
  stateOpen: ["报名中", "Open"],
  stateClosed: ["已截止", "Closed"],
  registerTitle: ["考生注册", "Register"],
  loginTitle: ["登录", "Log in"],
  forgotTitle: ["忘记密码", "Forgot password"],
  fieldPhone: ["手机号", "Mobile number"],
  fieldCode: ["验证码", "SMS code"],
  fieldPassword: ["密码", "Password"],
  fieldConfirm: ["确认密码", "Confirm password"],
  fieldNewPassword: ["新密码", "New password"],
  sendCode: ["获取验证码", "Send code"],
  resendIn: ["{s} 秒后重新获取", "Resend in {s} s"],
  registerButton: ["注册", "Register"],
  loginButton: ["登录", "Log in"],
  resetButton: ["重置密码", "Reset password"],
  noAccount: ["没有帐号？立即注册", "No account? Register"],
  forgotLink: ["忘记密码", "Forgot password"],
  hasAccount: ["已有帐号？去登录", "Have an account? Log in"],
  errRequired: ["此项必填。", "Required."],
  errPhoneLength: ["手机号应为 11 位数字。", "A mobile number has 11 digits."],
  errPhoneFormat: ["请输入正确的手机号（1 开头，第二位为 3–9）。", "Enter a valid mobile number."],
  errPhoneDigits: ["手机号只能包含数字。", "Digits only."],
  errCode: ["验证码为 6 位数字。", "The code has 6 digits."],
  errPwShort: ["密码至少 8 位。", "At least 8 characters."],
  errPwLong: ["密码过长。", "Too long."],
  errPwMix: ["密码需同时包含字母和数字。", "Use letters and digits."],
  errPwMismatch: ["两次输入的密码不一致。", "The passwords differ."],
  errIdLength: ["身份证号应为 18 位。", "An ID number has 18 characters."],
  errIdChecksum: ["身份证号校验位不正确。", "The check digit is wrong."],
  errIdDate: ["身份证号中的出生日期不正确。", "The birth date is wrong."],
  errIdGender: ["性别与身份证号不一致。", "The sex does not match the ID number."],
  errNetwork: ["网络异常，请稍后重试。", "Network error, try again."],
  errServer: ["服务暂时不可用。", "Service unavailable."],
  errRateLimited: ["操作过于频繁，请 {s} 秒后再试。", "Too many attempts; wait {s} s."],
  errBadCredentials: ["手机号或密码不正确。", "Wrong number or password."],
  errCodeWrong: ["验证码不正确或已过期。", "Wrong or expired code."],
  errPhoneTaken: ["该手机号已注册。", "This number is registered."],
  pwWeak: ["弱", "Weak"],
  pwFair: ["中", "Fair"],
  pwStrong: ["强", "Strong"],
  wizardTitle: ["填写报名信息", "Application"],
  step1: ["基础信息", "Basic information"],
  step2: ["身份选择", "Identity"],
  step3: ["报名信息", "Eligibility"],
  step4: ["证件信息上传", "Documents"],
  next: ["下一步", "Next"],
  prev: ["上一步", "Back"],
  submit: ["报名", "Submit"],
  saved: ["已保存", "Saved"],
  saving: ["正在保存…", "Saving…"],
  saveFailed: ["保存失败，将自动重试。", "Not saved; retrying."],
  fieldName: ["姓名", "Name"],
  fieldGender: ["性别", "Sex"],
  male: ["男", "Male"],
  female: ["女", "Female"],
  fieldIdNumber: ["身份证号", "ID number"],
  fieldEducation: ["文化程度", "Education"],
  fieldContact: ["联系电话", "Phone"],
  identityEmployee: ["职工身份", "Employee"],
  fieldCondition: ["申报条件", "Condition"],
  fieldEmployer: ["工作单位", "Employer"],
  fieldEmployerAddress: ["单位地址", "Employer address"],
  fieldHrPhone: ["单位人资部门电话", "HR phone"],
  fieldPost: ["现从事岗位", "Current post"],
  fieldPostYears: ["现从事岗位年限", "Years in post"],
  fieldCertName: ["证书名称及等级", "Certificate"],
  fieldCertNo: ["证书编号", "Certificate number"],
  fieldCertDate: ["取证时间", "Issued on"],
  fieldCertIssuer: ["发证机构名称", "Issuer"],
  history: ["工作经历", "Work history"],
  addHistory: ["添加一段经历", "Add a row"],
  removeHistory: ["删除", "Remove"],
  historyRow: ["经历 {n}", "Row {n}"],
  historyStart: ["起始年月", "From"],
  historyEnd: ["终止年月", "To"],
  historyUnit: ["单位或学校", "Employer or school"],
  historyOccupation: ["从事职业(工种)", "Occupation"],
  historyWitness: ["证明人", "Witness"],
  uploadChoose: ["选择照片", "Choose a photo"],
  uploadReplace: ["重新上传", "Replace"],
  uploadUploading: ["正在上传…", "Uploading…"],
  uploadDone: ["已上传", "Uploaded"],
  errNotImage: ["只接受 JPG 或 PNG 照片。", "JPEG or PNG only."],
  errTooLarge: ["照片不能超过 10 MB。", "At most 10 MB."],
  errPortraitSize: ["个人照片须为 40–80 KB 的 JPG。", "The portrait must be a 40–80 KB JPEG."],
  submitted: ["报名已提交，状态：审核中。", "Submitted; under review."],
  applicationsTitle: ["报名信息", "My applications"],
  applicationsEmpty: ["还没有报名。", "No applications yet."],
  details: ["报名详情", "Details"],
  continueEdit: ["继续填写", "Continue"],
  toPay: ["待缴费", "Pay"],
  resubmit: ["重新提交", "Resubmit"],
  viewReasons: ["查看原因", "Reasons"],
  goFix: ["去修改", "Fix"],
  expected: ["预计审核完成：{d}", "Decision expected by {d}"],
  payTitle: ["微信缴费", "WeChat Pay"],
  payAmount: ["金额", "Amount"],
  payOrder: ["订单号", "Order"],
  payScan: ["请使用微信扫一扫", "Scan with WeChat"],
  payHint: ["在手机上：请长按二维码识别，或截屏保存后在微信“扫一扫”中从相册选取。", "On a phone: long-press the code, or save a screenshot and open it in WeChat's scanner."],
  payExpires: ["二维码 {m}:{s} 后失效", "Expires in {m}:{s}"],
  payRefresh: ["刷新二维码", "New code"],
  payCheck: ["我已支付", "I have paid"],
  payNotYet: ["尚未收到支付结果，请稍候。", "No payment received yet."],
  paid: ["缴费成功", "Paid"],
  noPayment: ["这份报名当前无需缴费", "Nothing to pay for this application"],
  notFound: ["页面不存在", "Page not found"],
  backHome: ["返回首页", "Home"],
};

const STATUS = {
  draft: ["草稿", "Draft"],
  under_review: ["审核中", "Under review"],
  rejected: ["审核不通过", "Rejected"],
  approved: ["待缴费", "To pay"],
  paid: ["已缴费", "Paid"],
  ticket_ready: ["准考证已生成", "Ticket ready"],
};

const EDUCATION = {
  junior_high_or_below: ["初中及以下", "Junior high or below"],
  senior_high: ["高中", "Senior high"],
  secondary_vocational: ["中专/中技", "Secondary vocational"],
  technician_college: ["技工院校", "Technician college"],
  junior_college: ["大专", "Junior college"],
  bachelor: ["本科", "Bachelor"],
  master_or_above: ["硕士及以上", "Master or above"],
};

const CONDITIONS = {
  level3_plus_five_years: ["（一）取得三级证书后，累计从事本职业或相关职业工作满5年", "(1) Level 3 + 5 years"],
  junior_title: ["（二）取得初级职称后累计满5年，且取得三级证书后满1年", "(2) Junior title"],
  intermediate_title: ["（三）取得中级职称，累计从事本职业或相关职业工作满1年", "(3) Intermediate title"],
  technician_college_graduate: ["（四）技工院校预备技师班毕业", "(4) Technician college graduate"],
  technician_class_student: ["（五）预备技师班在读", "(5) Technician class student"],
};

const MATERIALS = {
  portrait: ["个人照片", "Portrait"],
  id_card_front: ["身份证人像面照片", "ID card (photo side)"],
  id_card_back: ["身份证国徽面照片", "ID card (emblem side)"],
  application_form: ["申报表", "Application form"],
  level3_certificate: ["三级证书", "Level 3 certificate"],
  level4_certificate: ["四级证书", "Level 4 certificate"],
  junior_title_proof: ["初级职称证明", "Junior title proof"],
  intermediate_title_proof: ["中级职称/专业技术人员职业资格证明", "Intermediate title proof"],
  social_insurance_proof: ["社保证明", "Social insurance proof"],
  graduation_certificate: ["毕业证书", "Graduation certificate"],
  education_verification_report: ["学历认证报告", "Education verification"],
};

export const REQUIRED_MATERIALS = {
  level3_plus_five_years: ["portrait", "id_card_front", "id_card_back", "application_form", "level3_certificate", "social_insurance_proof"],
  junior_title: ["portrait", "id_card_front", "id_card_back", "application_form", "junior_title_proof", "level3_certificate", "social_insurance_proof"],
  intermediate_title: ["portrait", "id_card_front", "id_card_back", "application_form", "intermediate_title_proof", "social_insurance_proof"],
  technician_college_graduate: ["portrait", "id_card_front", "id_card_back", "application_form", "graduation_certificate"],
  technician_class_student: ["portrait", "id_card_front", "id_card_back", "application_form", "education_verification_report"],
};

export const OCCUPATIONS = ["电子商务师", "互联网营销师", "营销员", "商务策划师", "网络与信息安全管理员"];

export const LangContext = createContext({ lang: "zh", setLang: () => {} });

export function detectLang() {
  const stored = localStorage.getItem("baoming.lang");
  const tag = stored || navigator.language || "zh";
  return tag.toLowerCase().startsWith("en") ? "en" : "zh";
}

function pick(entry, lang, vars) {
  let s = entry ? entry[lang === "en" ? 1 : 0] : "";
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, String(v));
  return s;
}

export function useT() {
  const { lang } = useContext(LangContext);
  const t = (key, vars) => pick(T[key], lang, vars);
  t.status = (s) => pick(STATUS[s], lang);
  t.education = (e) => pick(EDUCATION[e], lang);
  t.condition = (c) => pick(CONDITIONS[c], lang);
  t.material = (m) => pick(MATERIALS[m], lang);
  t.lang = lang;
  return t;
}

export const EDUCATION_KEYS = Object.keys(EDUCATION);
export const CONDITION_KEYS = Object.keys(CONDITIONS);
