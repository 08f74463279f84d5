//! Every user-visible string, in Chinese first and English second. Views ask for a
//! [`Msg`]; they never write text inline.

use baoming_contract::draft_field::{CertificateField, DraftField, Field, HistoryField};
use baoming_contract::occupation::Occupation;
use baoming_contract::plan::PlanState;
use baoming_contract::reason::Reason;
use leptos::prelude::*;

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The stored or browser-preferred language; Chinese unless the browser asks for another.
    pub fn detect() -> Lang {
        let stored = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let preferred = stored.or_else(|| window().navigator().language());
        Lang::from_tag(preferred.as_deref().unwrap_or("zh"))
    }

    /// `en-US` → English; anything else (including `zh-*`) → Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// Remembers the choice across visits and updates `<html lang>`.
    pub fn persist(self) {
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(STORAGE_KEY, self.code());
        }
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", self.code());
        }
    }
}

const STORAGE_KEY: &str = "baoming.lang";

// The contract's limits, as messages state them.
use baoming_contract::auth::SMS_CODE_LEN;
use baoming_contract::id_card::LEN as ID_LEN;
use baoming_contract::password::MIN_CHARS;
use baoming_contract::phone::DIGITS as PHONE_LEN;
use baoming_contract::photo::{DOCUMENT_MAX_BYTES, PORTRAIT_MAX_BYTES, PORTRAIT_MIN_BYTES};
use const_format::formatcp;
const DOCUMENT_MAX_MB: u64 = DOCUMENT_MAX_BYTES / (1024 * 1024);
/// "40–80 KB".
const PORTRAIT_KB: &str = formatcp!(
    "{}–{} KB",
    PORTRAIT_MIN_BYTES / 1024,
    PORTRAIT_MAX_BYTES / 1024
);

/// Message keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    AppTitle,
    AppSubtitle,
    SwitchLanguage,
    NavPlans,
    NavApplications,
    NavLogin,
    NavRegister,
    SkipToContent,
    Loading,
    Retry,
    ChunkFailedTitle,
    ChunkFailedText,
    // Plans (考试报名)
    PlansTitle,
    PlansIntro,
    PlansEmpty,
    PlanOccupation,
    PlanLevel,
    PlanWindow,
    PlanFee,
    PlanWindowTo,
    Apply,
    PlanNotOpenYet,
    PlanClosed,
    PlanCorrections,
    WizardRegistrationUntil,
    RegistrationClosedOn,
    CorrectionsClosedOn,
    // Errors
    ErrorNetwork,
    ErrorTimeout,
    ErrorServer,
    ErrorUnexpected,
    ErrorNotFound,
    ErrorLoadPlans,
    // Placeholders for pages later issues fill in
    PageRegisterTitle,
    PageLoginTitle,
    PageForgotTitle,
    PageApplyTitle,
    PageApplicationsTitle,
    PageApplicationTitle,
    NotFoundTitle,
    NotFoundBody,
    BackToPlans,
    // Accounts
    NavLogout,
    FieldPhone,
    FieldCode,
    FieldPassword,
    FieldConfirmPassword,
    FieldNewPassword,
    SendCode,
    SendingCode,
    CodeSentRegister,
    CodeSentReset,
    RegisterButton,
    RegisteringButton,
    HaveAccountLogin,
    LoginButton,
    LoggingInButton,
    NoAccountRegister,
    ForgotPasswordLink,
    ResetButton,
    ResettingButton,
    ResetDone,
    PasswordHint,
    StrengthWeak,
    StrengthFair,
    StrengthStrong,
    ErrPhoneRequired,
    ErrPhoneLength,
    ErrPhoneNotMobile,
    ErrPhoneChars,
    ErrPhoneRegistered,
    ErrPhoneNotRegistered,
    ErrPhoneUnreachable,
    ErrCodeRequired,
    ErrCodeFormat,
    ErrCodeWrong,
    ErrCodeExpired,
    ErrCodeAttempts,
    ErrPasswordRequired,
    ErrPasswordShort,
    ErrPasswordLong,
    ErrPasswordLetterDigit,
    ErrPasswordMismatch,
    ErrConfirmRequired,
    ErrCredentials,
    ErrDailyLimit,
    ErrFormHasErrors,
    SessionExpired,
    LoginToContinue,
    // Wizard
    WizardTitle,
    StepBasic,
    StepIdentity,
    StepDetails,
    StepDocuments,
    PrevStep,
    NextStep,
    SubmitApplication,
    Submitting,
    Saved,
    Saving,
    SaveFailed,
    FieldName,
    FieldGender,
    GenderMale,
    GenderFemale,
    FieldIdNumber,
    FieldContactPhone,
    FieldEducation,
    ChooseOne,
    EduJuniorHigh,
    EduSeniorHigh,
    EduSecondaryVocational,
    EduTechnicianCollege,
    EduJuniorCollege,
    EduBachelor,
    EduMaster,
    IdentityEmployee,
    IdentityNote,
    FieldCondition,
    ConditionNote,
    MaterialsRequired,
    FieldEmployer,
    FieldEmployerAddress,
    FieldEmployerHrPhone,
    FieldCurrentPost,
    FieldCurrentPostYears,
    FieldOccupationApplied,
    FieldLevelApplied,
    CertificateSection,
    FieldCertName,
    FieldCertNumber,
    FieldCertDate,
    FieldCertIssuer,
    HistorySection,
    HistoryNote,
    HistoryStudentNote,
    FieldStart,
    FieldEnd,
    EndEmptyMeansNow,
    FieldUnit,
    FieldOccupation,
    FieldMajor,
    FieldWitness,
    AddHistoryRow,
    RemoveHistoryRow,
    HistoryRowN,
    UploadsIntro,
    PrintForm,
    ErrRequired,
    ErrTooLong,
    ErrInvalid,
    ErrGenderMismatch,
    ErrMonthFormat,
    ErrDateFormat,
    ErrEndBeforeStart,
    ErrInFuture,
    ErrOverlaps,
    ErrOccupationNotRelated,
    ErrNotEnoughYears,
    ErrCertTooRecent,
    ErrIdLength,
    ErrIdChars,
    ErrIdBirth,
    ErrIdCheckDigit,
    ErrDocumentMissing,
    /// `idempotency_key_reused`: the key went with another request; a new key is used next.
    ErrIdempotencyKeyReused,
    ErrPlanNotOpen,
    StepHasErrors,
    ConditionFullText,
    CheckTitle,
    CheckIntro,
    CheckIntroResubmit,
    CheckEdit,
    CheckNotFilled,
    CheckNotUploaded,
    CheckUploaded,
    /// Under a material's thumbnail on 核对报名信息: its photo checks found nothing.
    CheckPhotoPassed,
    CheckChanged,
    CheckStep,
    UntilNow,
    Submitted,
    // Uploads
    UploadChoose,
    Timeline,
    // 办理进度 stepper
    ProgressFill,
    ProgressSubmit,
    ProgressReview,
    ProgressPay,
    ProgressPaid,
    ProgressTicket,
    ProgressRefunded,
    ProgressDone,
    ProgressUpcoming,
    ProgressNowLabel,
    ProgressDraftNow,
    ProgressPayNow,
    ProgressSeeReasons,
    ProgressHistory,
    ExpectedDecision,
    ViewReasons,
    FixThis,
    Resubmit,
    CheckAndResubmit,
    Resubmitting,
    GoPay,
    PaidNotice,
    TicketReadyNotice,
    RefundedNotice,
    RefundPendingNotice,
    PaymentFailedNotice,
    CodeReplacedNotice,
    RefundedTitle,
    PayTitle,
    PayAmount,
    ScanWithWechat,
    PhoneQrHint,
    IPaid,
    Checking,
    NotPaidYet,
    PaySuccess,
    OrderNo,
    UnderReviewNotice,
    RejectedNotice,
    BackToApplication,
    NothingToPay,
    ChangedSince,
    ApplicationsEmpty,
    ContinueApplication,
    StatusLabel,
    UpdatedAt,
    UploadReplace,
    UploadDelete,
    UploadCancel,
    UploadRetry,
    UploadDone,
    UploadEmpty,
    UploadChecking,
    ErrTypeHeic,
    ErrTypePdf,
    ErrTypeOther,
    ErrFileTooLarge,
    ErrPortraitNotJpeg,
    PortraitRule,
    ViewApplication,
    PollRetrying,
    AlreadySubmitted,
    PayQrLabel,
    ErrEmptyFile,
    ErrTypeWebp,
    ErrTypeGif,
    ErrTypeBmp,
    ErrTruncated,
    ErrCorrupt,
    ErrTooManyPixels,
    WarnLowResolution,
    WarnTooDark,
    WarnTooBright,
    WarnBlurry,
    WarnIdNotLandscape,
    WarnIdProportion,
    WarnPortraitProportion,
    WarnPortraitBackground,
    WarnPortraitTooSmall,
    WarningsIntro,
    UploadAnyway,
    FixPortrait,
    FixTitle,
    FixHint,
    FixFaceSearching,
    FixFaceFound,
    FixFaceNotFound,
    FixZoom,
    FixFrameLabel,
    FixRender,
    FixRendering,
    FixUse,
    FixCancel,
    FixBefore,
    FixAfter,
    FixOutOfWindow,
    FixFailed,
    SlotRejected,
    // Deployment errors
    ConfigErrorTitle,
    ConfigErrorBody,
    ConfigErrorDetail,
}

impl Msg {
    /// The text in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        let (zh, en) = self.pair();
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn pair(self) -> (&'static str, &'static str) {
        use Msg::*;
        match self {
            AppTitle => ("职业技能等级认定报名", "Skill Certificate Registration"),
            AppSubtitle => ("二级 / 技师", "Level 2 (Technician)"),
            SwitchLanguage => ("English", "中文"),
            NavPlans => ("考试报名", "Exams"),
            NavApplications => ("报名信息", "My applications"),
            NavLogin => ("登录", "Log in"),
            NavRegister => ("注册", "Register"),
            SkipToContent => ("跳到正文", "Skip to content"),
            Loading => ("正在加载…", "Loading…"),
            Retry => ("重试", "Retry"),
            ChunkFailedTitle => ("页面没有加载完成", "This page did not finish loading"),
            ChunkFailedText => (
                "网络不稳定，这一页没有下载完成。请检查网络后点击“重试”，已填写和上传的内容不会丢失。",
                "The connection dropped before this page finished downloading. Check your connection and press Retry; nothing you entered or uploaded is lost.",
            ),
            PlansTitle => ("考试报名", "Exam registration"),
            PlansIntro => (
                "请核对认定计划名称，选择要报考的认定计划，点击“报名”。",
                "Check the plan's name, choose the plan you are applying for and click Apply.",
            ),
            PlansEmpty => (
                "目前没有可报名的认定计划，请稍后再来查看。",
                "There are no certification plans at the moment. Please check back later.",
            ),
            PlanOccupation => ("申报职业(工种)", "Occupation"),
            PlanLevel => ("申报等级", "Level"),
            PlanWindow => ("报名时间", "Registration"),
            PlanFee => ("报名费", "Fee"),
            PlanWindowTo => ("至", "to"),
            Apply => ("报名", "Apply"),
            PlanNotOpenYet => ("未开始", "Not open yet"),
            PlanClosed => ("已截止", "Closed"),
            PlanCorrections => ("补正截止", "Corrections until"),
            WizardRegistrationUntil => ("报名截止", "Registration until"),
            RegistrationClosedOn => (
                "报名已截止，这份报名不能再提交。截止日期：",
                "Registration has closed: this application can no longer be submitted. Last day:",
            ),
            CorrectionsClosedOn => (
                "补正已截止，这份报名不能再重新提交。截止日期：",
                "The time for corrections has ended: this application can no longer be resubmitted. Last day:",
            ),
            ErrorNetwork => (
                "网络连接失败，请检查网络后重试。",
                "Could not connect. Check your connection and try again.",
            ),
            ErrorTimeout => (
                "服务器响应超时，请稍后重试。",
                "The server took too long to answer. Please try again.",
            ),
            ErrorServer => (
                "服务器暂时出现问题，请稍后重试。",
                "The server had a problem. Please try again in a moment.",
            ),
            ErrorUnexpected => (
                "发生了意外错误，请稍后重试。",
                "Something unexpected went wrong. Please try again.",
            ),
            ErrorNotFound => (
                "没有找到要查看的内容。",
                "We could not find what you were looking for.",
            ),
            ErrorLoadPlans => ("认定计划加载失败", "Could not load the plans"),
            PageRegisterTitle => ("考生注册", "Create an account"),
            PageLoginTitle => ("登录", "Log in"),
            PageForgotTitle => ("忘记密码", "Forgot password"),
            PageApplyTitle => ("填写报名信息", "Application"),
            PageApplicationsTitle => ("报名信息", "My applications"),
            PageApplicationTitle => ("报名详情", "Application details"),
            NotFoundTitle => ("页面不存在", "Page not found"),
            NotFoundBody => (
                "您访问的页面不存在，可能是链接有误。",
                "This page does not exist; the link may be wrong.",
            ),
            BackToPlans => ("返回考试报名", "Back to exam registration"),
            NavLogout => ("退出登录", "Log out"),
            FieldPhone => ("手机号", "Mobile number"),
            FieldCode => ("验证码", "SMS code"),
            FieldPassword => ("密码", "Password"),
            FieldConfirmPassword => ("确认密码", "Confirm password"),
            FieldNewPassword => ("新密码", "New password"),
            SendCode => ("获取验证码", "Get code"),
            SendingCode => ("正在发送…", "Sending…"),
            CodeSentRegister => (
                "验证码已发送，5 分钟内有效。如该号码已注册，短信不含验证码而会提示您直接登录。",
                "Code sent. It is valid for 5 minutes. If this number is already registered, the SMS says so instead: log in.",
            ),
            CodeSentReset => (
                "验证码已发送，5 分钟内有效。如该号码尚未注册，短信不含验证码而会提示您先注册。",
                "Code sent. It is valid for 5 minutes. If this number has no account, the SMS says so instead: register first.",
            ),
            RegisterButton => ("注册", "Register"),
            RegisteringButton => ("正在注册…", "Registering…"),
            HaveAccountLogin => ("已有帐号,立即登录", "Already registered? Log in"),
            LoginButton => ("登录", "Log in"),
            LoggingInButton => ("正在登录…", "Logging in…"),
            NoAccountRegister => ("没有帐号？立即注册", "No account yet? Register"),
            ForgotPasswordLink => ("忘记密码", "Forgot password"),
            ResetButton => ("重设密码", "Reset password"),
            ResettingButton => ("正在重设…", "Resetting…"),
            ResetDone => (
                "密码已重设，请用新密码登录。",
                "Your password was reset. Log in with the new password.",
            ),
            PasswordHint => (
                formatcp!("至少 {MIN_CHARS} 位，须同时包含字母和数字。"),
                formatcp!("At least {MIN_CHARS} characters, with letters and digits."),
            ),
            StrengthWeak => ("密码强度：弱", "Strength: weak"),
            StrengthFair => ("密码强度：中", "Strength: fair"),
            StrengthStrong => ("密码强度：强", "Strength: strong"),
            ErrPhoneRequired => ("请输入手机号。", "Enter your mobile number."),
            ErrPhoneLength => (
                formatcp!("手机号应为 {PHONE_LEN} 位数字。"),
                formatcp!("A mobile number has {PHONE_LEN} digits."),
            ),
            ErrPhoneNotMobile => (
                "请输入正确的手机号（1 开头，第二位为 3–9）。",
                "Enter a mainland mobile number (1, then 3–9, then 9 digits).",
            ),
            ErrPhoneChars => (
                "手机号只能包含数字。",
                "A mobile number contains only digits.",
            ),
            ErrPhoneRegistered => (
                "该手机号已注册，请直接登录。",
                "This number is already registered. Please log in.",
            ),
            ErrPhoneNotRegistered => ("该手机号尚未注册。", "This number is not registered."),
            ErrPhoneUnreachable => (
                "该号码无法接收短信，请换一个手机号。",
                "This number cannot receive SMS. Please use another mobile number.",
            ),
            ErrCodeRequired => ("请输入短信验证码。", "Enter the SMS code."),
            ErrCodeFormat => (
                formatcp!("验证码为 {SMS_CODE_LEN} 位数字。"),
                formatcp!("The code has {SMS_CODE_LEN} digits."),
            ),
            ErrCodeWrong => (
                "验证码不正确，请核对短信。",
                "The code is not right. Check the SMS.",
            ),
            ErrCodeExpired => (
                "验证码已过期，请重新获取。",
                "The code has expired. Get a new one.",
            ),
            ErrCodeAttempts => (
                "验证码错误次数过多，请重新获取。",
                "Too many wrong tries. Get a new code.",
            ),
            ErrPasswordRequired => ("请输入密码。", "Enter a password."),
            ErrPasswordShort => (
                formatcp!("密码至少 {MIN_CHARS} 位。"),
                formatcp!("Use at least {MIN_CHARS} characters."),
            ),
            ErrPasswordLong => ("密码太长。", "The password is too long."),
            ErrPasswordLetterDigit => {
                ("密码须同时包含字母和数字。", "Use both letters and digits.")
            }
            ErrPasswordMismatch => ("两次输入的密码不一致。", "The passwords do not match."),
            ErrConfirmRequired => ("请再次输入密码。", "Enter the password again."),
            ErrCredentials => (
                "手机号或密码不正确。",
                "The number or the password is not right.",
            ),
            ErrDailyLimit => (
                "今天获取验证码的次数已用完，请明天再试。",
                "You have used up today's SMS codes. Please try again tomorrow.",
            ),
            ErrFormHasErrors => (
                "请按提示修改后再提交。",
                "Please correct the marked fields.",
            ),
            SessionExpired => (
                "登录已过期，请重新登录。",
                "Your session has expired. Please log in again.",
            ),
            LoginToContinue => ("请先登录。", "Please log in first."),
            WizardTitle => ("考试报名", "Application"),
            StepBasic => ("基础信息", "Basic information"),
            StepIdentity => ("身份选择", "Identity"),
            StepDetails => ("报名信息", "Application details"),
            StepDocuments => ("证件信息上传", "Documents"),
            PrevStep => ("上一步", "Back"),
            NextStep => ("下一步", "Next"),
            SubmitApplication => ("报名", "Submit"),
            Submitting => ("正在提交…", "Submitting…"),
            Saved => ("已保存", "Saved"),
            Saving => ("保存中", "Saving"),
            SaveFailed => (
                "未能保存，将自动重试",
                "Not saved yet; retrying automatically",
            ),
            FieldName => ("姓名", "Full name"),
            FieldGender => ("性别", "Sex"),
            GenderMale => ("男", "Male"),
            GenderFemale => ("女", "Female"),
            FieldIdNumber => ("身份证号", "ID card number"),
            FieldContactPhone => ("联系电话", "Contact phone"),
            FieldEducation => ("文化程度", "Education"),
            ChooseOne => ("请选择", "Choose…"),
            EduJuniorHigh => ("初中及以下", "Junior high or below"),
            EduSeniorHigh => ("高中", "Senior high"),
            EduSecondaryVocational => ("中专/职高", "Secondary vocational"),
            EduTechnicianCollege => ("技工院校", "Technician college"),
            EduJuniorCollege => ("大专", "Junior college"),
            EduBachelor => ("本科", "Bachelor"),
            EduMaster => ("研究生及以上", "Master or above"),
            IdentityEmployee => ("职工身份", "Employee"),
            IdentityNote => (
                "根据报考指南，所有报考人员均选择“职工身份”。",
                "Per the guide, every candidate chooses Employee.",
            ),
            FieldCondition => ("报考条件", "Eligibility condition"),
            ConditionNote => (
                "满足以下条件之一即可报名。所选条件决定需要上传的材料。",
                "Meeting one condition is enough. The condition decides which materials to upload.",
            ),
            MaterialsRequired => (
                "所选条件需要准备的材料",
                "Materials this condition requires",
            ),
            FieldEmployer => ("工作单位", "Employer (full name)"),
            FieldEmployerAddress => ("单位地址", "Employer address"),
            FieldEmployerHrPhone => ("单位人资部门电话", "Employer HR phone"),
            FieldCurrentPost => ("现从事岗位", "Current post"),
            FieldCurrentPostYears => ("现从事岗位年限", "Years in current post"),
            FieldOccupationApplied => ("申报职业(工种)", "Occupation applied for"),
            FieldLevelApplied => ("申报等级", "Level applied for"),
            CertificateSection => ("现有职业资格证书", "Existing certificate"),
            FieldCertName => ("证书名称及等级", "Certificate name and level"),
            FieldCertNumber => ("证书编号", "Certificate number"),
            FieldCertDate => ("取证时间", "Date obtained"),
            FieldCertIssuer => ("发证机构名称", "Issuing authority"),
            HistorySection => ("工作经历 / 培训经历", "Work and training history"),
            HistoryNote => (
                "每段经历一行，工作单位写全称；职业须为本职业或相关职业。",
                "One row per period; full employer name; the occupation must be this one or a related one.",
            ),
            HistoryStudentNote => (
                "技师班学生请填写学习经历：学校与专业。",
                "Technician-class students list their schooling: school and major.",
            ),
            FieldStart => ("起始年月", "From (month)"),
            FieldEnd => ("截止年月", "To (month)"),
            EndEmptyMeansNow => ("截止年月不填表示至今。", "Leave To empty for up to now."),
            FieldUnit => ("单位或学校", "Employer or school"),
            FieldOccupation => ("从事职业(工种)", "Occupation"),
            FieldMajor => ("专业", "Major"),
            FieldWitness => ("证明人", "Reference person"),
            AddHistoryRow => ("添加一段经历", "Add a period"),
            RemoveHistoryRow => ("删除这一段", "Remove this period"),
            HistoryRowN => ("经历", "Period"),
            UploadsIntro => (
                "请按所选报考条件上传下列材料。身份证需拍摄清晰、无遮挡且在有效期内；申报表等纸质材料请打印、填写、签字盖章后拍照上传，字迹工整、无明显涂改。",
                "Upload the materials the chosen condition requires. ID card photos must be sharp, unobstructed and valid; print, fill in, sign and stamp the paper forms, then photograph them neatly.",
            ),
            PrintForm => ("打印申报表", "Print the application form"),
            ErrRequired => ("此项为必填项。", "This field is required."),
            ErrTooLong => ("内容过长。", "This is too long."),
            ErrInvalid => ("格式不正确。", "This is not valid."),
            ErrGenderMismatch => (
                "性别与身份证号不一致。",
                "The sex does not match the ID number.",
            ),
            ErrMonthFormat => (
                "请按“年-月”填写，如 2019-07。",
                "Use year-month, e.g. 2019-07.",
            ),
            ErrDateFormat => (
                "请按“年-月-日”填写，如 2019-06-30。",
                "Use year-month-day, e.g. 2019-06-30.",
            ),
            ErrEndBeforeStart => ("截止年月早于起始年月。", "The end is before the start."),
            ErrInFuture => ("不能晚于当前日期。", "This cannot be in the future."),
            ErrOverlaps => (
                "与另一段经历的时间重叠。",
                "This period overlaps another one.",
            ),
            ErrOccupationNotRelated => (
                "须为本职业或相关职业。",
                "Must be this occupation or a related one.",
            ),
            ErrNotEnoughYears => (
                "工作年限不满足所选报考条件。",
                "The history does not reach the condition's years.",
            ),
            ErrCertTooRecent => (
                "取得证书未满 2 年。",
                "The certificate has not been held for 2 years.",
            ),
            ErrIdLength => (
                formatcp!("身份证号应为 {ID_LEN} 位。"),
                formatcp!("An ID number has {ID_LEN} characters."),
            ),
            ErrIdChars => (
                "身份证号只能包含数字，最后一位可以是 X。",
                "Digits only; the last may be X.",
            ),
            ErrIdBirth => (
                "身份证号中的出生日期不正确。",
                "The birth date in the ID number is not valid.",
            ),
            ErrIdCheckDigit => (
                "身份证号校验位不正确，请核对。",
                "The check digit does not match; please check the number.",
            ),
            ErrDocumentMissing => ("请上传此材料。", "Please upload this material."),
            ErrIdempotencyKeyReused => (
                "本次提交与之前的一次提交不一致，请再提交一次。",
                "This request did not match an earlier one. Submit again.",
            ),
            ErrPlanNotOpen => (
                "该认定计划当前不在报名时间内。",
                "This plan is not open for registration now.",
            ),
            ConditionFullText => ("条件全文", "Full condition"),
            CheckTitle => ("核对报名信息", "Check your answers"),
            CheckIntro => (
                "请逐项核对，审核人员看到的就是以下内容。需要改动时点“修改”，改完回到本页再报名。",
                "Check each item: this is exactly what the reviewer will see. Use Change to correct anything, then come back here to submit.",
            ),
            CheckIntroResubmit => (
                "请逐项核对，标有“已修改”的是上次提交后改动的内容。确认无误后重新提交。",
                "Check each item; those marked Changed differ from your last submission. Resubmit when everything is right.",
            ),
            CheckEdit => ("修改", "Change"),
            CheckNotFilled => ("未填写", "Not filled in"),
            CheckNotUploaded => ("未上传", "Not uploaded"),
            CheckUploaded => ("已上传", "Uploaded"),
            CheckPhotoPassed => ("照片检查通过", "Photo checks passed"),
            CheckChanged => ("已修改", "Changed"),
            CheckStep => ("下一步：核对信息", "Next: check your answers"),
            UntilNow => ("至今", "now"),
            StepHasErrors => (
                "请先修改本步骤中标出的内容。",
                "Please fix the marked fields on this step first.",
            ),
            Submitted => ("报名已提交，状态：审核中。", "Submitted: under review."),
            UploadChoose => ("选择照片", "Choose a photo"),
            Timeline => ("办理进度", "Timeline"),
            ProgressFill => ("填写报名信息", "Fill in the application"),
            ProgressSubmit => ("提交报名", "Submit"),
            ProgressReview => ("审核", "Review"),
            ProgressPay => ("缴费", "Pay the fee"),
            ProgressPaid => ("缴费成功", "Payment received"),
            ProgressTicket => ("准考证", "Admission ticket"),
            ProgressRefunded => ("已退款", "Refunded"),
            ProgressDone => ("已完成", "Done"),
            ProgressUpcoming => ("未开始", "Not yet"),
            ProgressNowLabel => ("当前步骤", "Current step"),
            ProgressDraftNow => (
                "请填写报名信息、上传证件材料，然后点击“报名”提交。",
                "Fill in the form, upload the documents, then press Submit.",
            ),
            ProgressPayNow => (
                "审核已通过，请用微信支付缴纳报名费。",
                "Approved. Pay the fee with WeChat Pay.",
            ),
            ProgressSeeReasons => ("查看原因并修改", "See why and fix it"),
            ProgressHistory => ("全部办理记录", "Full history"),
            ExpectedDecision => ("预计审核完成", "Decision expected by"),
            ViewReasons => ("查看原因", "See why"),
            FixThis => ("去修改", "Fix this"),
            Resubmit => ("重新提交", "Resubmit"),
            CheckAndResubmit => ("核对并重新提交", "Check and resubmit"),
            Resubmitting => ("正在提交…", "Resubmitting…"),
            GoPay => ("待缴费", "Pay now"),
            PaidNotice => (
                "缴费成功，请等待准考证打印通知。",
                "Paid. Please wait for the admission ticket.",
            ),
            RefundedNotice => (
                "报名费已退回您的微信支付账户（或原银行卡），本次报名已取消。如有疑问请联系考务机构。",
                "The fee has been returned to your WeChat Pay account (or the card you paid with); this registration is cancelled. Contact the assessment office with any questions.",
            ),
            RefundPendingNotice => (
                "退款处理中：退回微信零钱一般几分钟到账，退回银行卡可能需要 1–3 个工作日。",
                "Refund in progress: it usually reaches WeChat Pay balance within minutes, a bank card within 1–3 working days.",
            ),
            PaymentFailedNotice => (
                "上次支付没有成功，未扣款。请扫描下面的新二维码重新支付，或换一张银行卡。",
                "The last payment did not go through and nothing was charged. Scan the new code below to pay again, or use another card.",
            ),
            CodeReplacedNotice => (
                "原来的二维码已失效，请扫描下面的新二维码支付，订单号不变。",
                "The previous code has expired. Scan the new code below; the order number stays the same.",
            ),
            RefundedTitle => ("已退款", "Refunded"),
            TicketReadyNotice => (
                "准考证已可打印。",
                "The admission ticket is ready to print.",
            ),
            PayTitle => ("微信缴费", "Pay with WeChat"),
            PayAmount => ("应缴金额", "Amount"),
            ScanWithWechat => ("请使用微信扫一扫", "Scan with WeChat"),
            PhoneQrHint => (
                "在手机上：请长按二维码识别，或截屏保存后在微信“扫一扫”中从相册选取。",
                "On a phone: long-press the code, or save a screenshot and open it from the album in WeChat Scan.",
            ),
            IPaid => ("我已支付", "I have paid"),
            Checking => ("正在查询…", "Checking…"),
            NotPaidYet => (
                "尚未收到支付结果。如已扣款，请稍候再点“我已支付”，不要重复支付。",
                "No payment received yet. If you were charged, wait and press “I have paid” again; do not pay twice.",
            ),
            PaySuccess => ("缴费成功", "Payment successful"),
            OrderNo => ("订单号", "Order number"),
            UnderReviewNotice => (
                "审核中，期间仍可修改报名信息。审核结果将以短信通知。",
                "Under review. You may still edit; the result comes by SMS.",
            ),
            RejectedNotice => (
                "审核不通过。请查看原因，修改后重新提交。",
                "Not approved. See why, fix it and resubmit.",
            ),
            BackToApplication => ("返回报名详情", "Back to the application"),
            ChangedSince => ("自上次提交后修改了", "Changed since the last submission"),
            NothingToPay => (
                "这份报名当前无需缴费（可能已缴费成功，或尚未审核通过）。",
                "Nothing to pay for this application now (already paid, or not approved yet).",
            ),
            ApplicationsEmpty => (
                "还没有报名。请在“考试报名”中选择认定计划。",
                "No applications yet. Choose a plan under Exams.",
            ),
            ContinueApplication => ("继续填写 / 修改", "Continue / edit"),
            StatusLabel => ("报名状态", "Status"),
            UpdatedAt => ("最近更新", "Last updated"),
            UploadReplace => ("重新上传", "Replace"),
            UploadDelete => ("删除", "Delete"),
            UploadCancel => ("取消", "Cancel"),
            UploadRetry => ("重试上传", "Retry upload"),
            UploadDone => ("已上传", "Uploaded"),
            UploadEmpty => ("未上传", "Not uploaded"),
            UploadChecking => ("正在检查…", "Checking…"),
            ErrTypeHeic => (
                "这是 HEIC 格式（苹果手机默认格式），无法上传。请在“设置 > 相机 > 格式”中选择“兼容性最佳”后重新拍照，或截屏后上传。",
                "This is a HEIC photo (the iPhone default) and cannot be uploaded. Set Settings > Camera > Formats to Most Compatible and take it again, or upload a screenshot.",
            ),
            ErrTypePdf => (
                "请上传照片（JPG 或 PNG），不能上传 PDF。可将 PDF 页面截屏后上传。",
                "Upload a photo (JPG or PNG), not a PDF. Take a screenshot of the page and upload that.",
            ),
            ErrTypeOther => (
                "只能上传 JPG 或 PNG 格式的照片。请用手机相机直接拍照，或截屏后上传。",
                "Only JPG or PNG photos can be uploaded. Take the photo with the phone's camera, or upload a screenshot.",
            ),
            ErrFileTooLarge => (
                formatcp!("文件超过 {DOCUMENT_MAX_MB} MB，请降低照片尺寸后再上传。"),
                formatcp!("The file is over {DOCUMENT_MAX_MB} MB. Please use a smaller photo."),
            ),
            // Says PNG: the only other type uploads accept (a test holds it).
            ErrPortraitNotJpeg => (
                "这张照片实际是 PNG 格式（与文件名无关），个人照片须为 JPG 格式，可用“自动处理”转换。",
                "This photo is really a PNG file, whatever its name says; the portrait must be a JPG. Auto-fix can convert it.",
            ),
            PortraitRule => (
                formatcp!("请上传 JPG 格式一寸白底证件照，大小为 {PORTRAIT_KB}。"),
                formatcp!("Upload a one-inch white-background ID photo, JPG, {PORTRAIT_KB}."),
            ),
            ErrEmptyFile => (
                "文件是空的（0 字节），可能没有下载或保存完整。请重新拍摄，或从相册重新选择。",
                "The file is empty (0 bytes); it may not have finished downloading or saving. Take the photo again, or pick it again from your album.",
            ),
            ErrTypeWebp => (
                "这是 WebP 图片，无法上传。请截屏（截屏保存为 PNG/JPG）后上传，或在相册中导出为 JPG。",
                "This is a WebP image and cannot be uploaded. Take a screenshot of it (saved as PNG/JPG), or export it as JPG from your album.",
            ),
            ErrTypeGif => (
                "这是 GIF 动图，无法上传。请上传用相机拍摄的 JPG 或 PNG 照片。",
                "This is a GIF animation and cannot be uploaded. Upload a JPG or PNG photo taken with the camera.",
            ),
            ErrTypeBmp => (
                "这是 BMP 图片，无法上传。请用“画图”或手机相册另存为 JPG 后再上传。",
                "This is a BMP image and cannot be uploaded. Save it as JPG (in Paint or your phone's album) and upload that.",
            ),
            ErrTruncated => (
                "文件不完整（保存或传输时中断），只有部分图片。请重新拍摄或重新保存后再上传。",
                "The file is incomplete (saving or copying was interrupted): only part of the picture is there. Take or save the photo again and upload that.",
            ),
            ErrCorrupt => (
                "文件已损坏，无法作为图片打开。请换一张照片或重新拍摄。",
                "The file is damaged and cannot be opened as a picture. Choose another photo or take it again.",
            ),
            ErrTooManyPixels => (
                "图片像素过多（超过 5000 万像素），手机无法安全处理。请用普通拍照模式重新拍摄，或先缩小尺寸。",
                "The picture has too many pixels (over 50 megapixels) for a phone to handle safely. Take it again in the normal camera mode, or make it smaller first.",
            ),
            WarnLowResolution => (
                "图片分辨率太低，审核时看不清文字。请靠近拍摄，让材料占满画面；不要上传缩略图。",
                "The resolution is too low to read. Take the photo closer, with the document filling the frame; don't upload a thumbnail.",
            ),
            WarnTooDark => (
                "照片太暗，看不清内容。请在光线充足的地方重新拍摄，避免阴影。",
                "The photo is too dark to read. Take it again in good light, without shadows.",
            ),
            WarnTooBright => (
                "照片过亮（曝光过度），内容发白看不清。请避开强光和闪光灯反光后重新拍摄。",
                "The photo is overexposed and washed out. Take it again away from strong light and flash glare.",
            ),
            WarnBlurry => (
                "照片模糊，文字或面部不清晰。请对焦后拿稳手机重新拍摄。",
                "The photo is blurred. Tap to focus, hold the phone still and take it again.",
            ),
            WarnIdNotLandscape => (
                "身份证照片应横向拍摄。请把手机横过来，让证件横向占满画面后重拍。",
                "Take the ID card photo in landscape: turn the phone sideways so the card fills the frame.",
            ),
            WarnIdProportion => (
                "照片比例与身份证（85.6 × 54 毫米）相差较大，可能拍进了过多背景。请让证件四边贴近画面边缘后重拍。",
                "The photo's proportions are far from an ID card's (85.6 × 54 mm): too much background. Take it again with the card's edges close to the frame.",
            ),
            WarnPortraitProportion => (
                "个人照片应为一寸比例（宽:高 = 25:35，即 295 × 413 像素）。可用“自动处理”裁剪。",
                "The portrait must be one-inch proportions (25:35, 295 × 413 px). Use Auto-fix to crop it.",
            ),
            WarnPortraitBackground => (
                "个人照片背景不是白色，审核会退回。请在白墙前重新拍摄（本页不会替换背景）。",
                "The portrait's background is not white and will be rejected. Take it again in front of a white wall (this page does not replace backgrounds).",
            ),
            WarnPortraitTooSmall => (
                "照片像素太小（一寸照至少需要 295 × 413 像素），放大会变模糊。请用手机后置摄像头重新拍摄。",
                "The photo is too small (a one-inch photo needs at least 295 × 413 px); enlarging would blur it. Take it again with the phone's rear camera.",
            ),
            WarningsIntro => (
                "这张照片可能导致审核不通过：",
                "This photo may be rejected at review:",
            ),
            UploadAnyway => ("仍然上传", "Upload anyway"),
            FixPortrait => ("自动处理", "Auto-fix"),
            FixTitle => ("调整一寸照", "Adjust the one-inch photo"),
            FixHint => (
                "拖动照片调整位置，用滑块或双指缩放，让头部（含头发）填满虚线框、露出双肩。",
                "Drag the photo to position it and zoom with the slider or two fingers, so the head (with the hair) fills the dashed outline and the shoulders show.",
            ),
            FixFaceSearching => ("正在查找头部位置…", "Finding the head…"),
            FixFaceFound => (
                "已按头部位置取景，可拖动或缩放微调。",
                "Framed around the head; drag or zoom to adjust.",
            ),
            FixFaceNotFound => (
                "没有找到人脸，请拖动、缩放照片，让头部填满虚线框。",
                "No face found: drag and zoom the photo so the head fills the dashed outline.",
            ),
            FixZoom => ("缩放", "Zoom"),
            FixFrameLabel => (
                "一寸照取景框：方向键移动，加号、减号缩放",
                "One-inch frame: arrow keys move, plus and minus zoom",
            ),
            FixRender => ("生成一寸照", "Make the one-inch photo"),
            FixRendering => ("正在生成…", "Working…"),
            FixUse => ("使用这张照片", "Use this photo"),
            FixCancel => ("取消", "Cancel"),
            FixBefore => ("处理前", "Before"),
            FixAfter => ("处理后", "After"),
            FixOutOfWindow => (
                formatcp!(
                    "这张照片无法压缩到 {PORTRAIT_KB}（画面过于简单或过于复杂），请换一张照片。"
                ),
                formatcp!(
                    "This photo cannot be brought to {PORTRAIT_KB} (too plain or too detailed); please choose another."
                ),
            ),
            FixFailed => (
                "处理失败，浏览器无法处理这张照片。请换一张照片，或换用其他浏览器。",
                "The browser could not process this photo. Choose another photo, or try another browser.",
            ),
            SlotRejected => ("审核意见：", "Reviewer's note: "),
            PayQrLabel => ("微信支付二维码", "WeChat Pay QR code"),
            AlreadySubmitted => (
                "这份报名已经提交，请刷新页面查看状态。",
                "This application has already been submitted; reload the page to see its status.",
            ),
            PollRetrying => ("正在继续查询支付结果。", "Still checking for your payment."),
            ViewApplication => ("报名详情", "Application details"),
            ConfigErrorTitle => ("站点配置有误，暂时无法使用", "This site is misconfigured"),
            ConfigErrorBody => (
                "报名系统无法读取站点配置文件 config.json。请稍后刷新重试；如果问题持续，请联系考试机构。",
                "The registration site could not read its configuration file, config.json. Please reload later; if the problem persists, contact the assessment organisation.",
            ),
            ConfigErrorDetail => (
                "技术信息（供网站管理员）",
                "Technical details (for the site administrator)",
            ),
        }
    }
}

/// The occupation as the plan lists it.
pub fn occupation_name(o: Occupation, lang: Lang) -> String {
    match lang {
        Lang::Zh => o.with_work_type_zh(),
        Lang::En => match o {
            Occupation::EcommerceSpecialist => {
                "E-commerce Specialist (Online Merchant)".to_string()
            }
            Occupation::InternetMarketer => "Internet Marketer (Live-stream Sales)".to_string(),
        },
    }
}

pub fn level_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "二级 / 技师",
        Lang::En => "Level 2 / Technician",
    }
}

/// The printable 申报表's words. The form is an official paper form and is always printed in
/// Chinese, whatever the page's language.
pub mod sheet {
    pub const TITLE: &str = "职业技能等级认定申报表";
    pub const NUMBER: &str = "编号：";
    pub const NAME: &str = "姓名";
    pub const GENDER: &str = "性别";
    pub const PHONE: &str = "联系电话";
    pub const PHOTO: &str = "一寸照片";
    pub const PHOTO_NOTE: &str = "(彩色白底)";
    pub const EDUCATION: &str = "文化程度";
    pub const ID_NUMBER: &str = "身份证号";
    pub const EMPLOYER: &str = "工作单位";
    pub const POST: &str = "现从事岗位(年限)";
    pub const EMPLOYER_ADDRESS: &str = "单位地址";
    pub const HR_PHONE: &str = "单位人资部门电话";
    pub const OCCUPATION: &str = "申报职业(工种)";
    pub const LEVEL: &str = "申报等级";
    pub const LEVEL_2: &str = "二级";
    pub const CERT_NAME: &str = "现有职业资格证书名称等级";
    pub const CERT_NUMBER: &str = "证书编号";
    pub const CERT_DATE: &str = "取证时间";
    pub const CERT_ISSUER: &str = "发证机构名称";
    pub const HISTORY: &str = "工作经历";
    pub const TRAINING: &str = "培训经历";
    pub const PERIOD: &str = "起止年月";
    pub const WHERE_WHAT: &str = "在何单位从事何种职业(工种)或学习";
    pub const WITNESS: &str = "证明人";
    pub const PLEDGE: &str = "本人承诺";
    pub const PLEDGE_SIGN: &str =
        "本人承诺签字：＿＿＿＿（按手印）　承诺日期：＿＿＿＿年＿＿月＿＿日";
    pub const EMPLOYER_OPINION: &str = "工作单位意见";
    pub const EMPLOYER_SIGN: &str = "(单位公章或人力资源部门印章)　＿＿＿＿年＿＿月＿＿日";
    pub const RESULT: &str = "评价机构考评结果";
    pub const RESULT_SIGN: &str = "年　月　日(章)";
    pub const NOTE: &str = "申报表一式两份。签字使用黑色签字笔、手印使用红色印泥，不可涂改；工作经历处需加盖单位公章或人力资源部门印章。";
    pub const MALE: &str = "男";
    pub const FEMALE: &str = "女";
    pub const UNTIL_NOW: &str = "至今";

    /// "石家庄某某网络科技有限公司，营销员".
    pub fn unit_and_occupation(unit: &str, occupation: &str) -> String {
        format!("{unit}，{occupation}")
    }

    /// "直播运营(3年)".
    pub fn post_with_years(post: &str, years: u8) -> String {
        format!("{post}({years}年)")
    }
}

/// After a label: "：" in Chinese, ":" in English.
pub fn label_colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "：",
        Lang::En => ":",
    }
}

/// Between the items of an inline list: "、" in Chinese, ", " in English.
pub fn list_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// An occupation's name (电子商务师 or one of the 相关职业) as the select shows it; the stored
/// value stays the seed's Chinese name.
pub fn occupation_label(name_zh: &'static str, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => name_zh,
        Lang::En => match name_zh {
            "电子商务师" => "E-commerce specialist",
            "营销员" => "Salesperson",
            "商品营业员" => "Shop assistant",
            "摊商" => "Stall trader",
            "互联网营销师" => "Internet marketer",
            "连锁经营管理师" => "Chain store manager",
            "采购员" => "Purchaser",
            "市场营销专业人员" => "Marketing professional",
            "商务策划专业人员" => "Business planning professional",
            "全媒体运营师" => "Omni-media operator",
            "数字化管理师" => "Digital management specialist",
            "物流服务师" => "Logistics specialist",
            "广告设计师" => "Advertising designer",
            "商业摄影师" => "Commercial photographer",
            "客户服务管理员" => "Customer service manager",
            "呼叫中心服务员" => "Call centre agent",
            "网约配送员" => "Online delivery courier",
            "易货师" => "Barter specialist",
            "品牌专业人员" => "Brand professional",
            "文化经纪人" => "Cultural agent",
            "播音员" => "Announcer",
            "讲解员" => "Guide lecturer",
            "节目主持人" => "Presenter",
            "数字媒体艺术专业人员" => "Digital media artist",
            "网络编辑" => "Web editor",
            "经济与代理专业人员" => "Economic and agency professional",
            "管理咨询专业人员" => "Management consultant",
            "数据分析处理工程技术人员" => "Data analysis engineer",
            "装饰美工" => "Decorative artist",
            "印前处理和制作员" => "Prepress technician",
            "制图员" => "Draughtsperson",
            "演出监督" => "Performance supervisor",
            "陈列展览设计人员" => "Display and exhibition designer",
            "导游" => "Tour guide",
            "会展策划专业人员" => "Exhibition planner",
            "会展设计师" => "Exhibition designer",
            other => other,
        },
    }
}

/// An upload slot's material, in two parts for text on a page: its name, and in English the
/// Chinese title it keeps beside the translation (the candidate prints and signs a form
/// titled 申报表), which the page marks as Chinese ([`crate::components::text::MaterialName`]).
/// [`material_label`] is both in one string, for attributes.
pub fn material_name(
    m: baoming_contract::eligibility::Material,
    lang: Lang,
) -> (&'static str, Option<&'static str>) {
    use baoming_contract::eligibility::Material::ApplicationForm;
    match (m, lang) {
        (ApplicationForm, Lang::En) => ("Application form", Some(m.label_zh())),
        _ => (material_label(m, lang), None),
    }
}

/// The `lang` of text that people wrote rather than the app's messages (plan names, the
/// candidate's answers, reviewers' reasons): Chinese when it has Chinese characters, so that
/// on an English page a screen reader reads it with a Chinese voice; otherwise none (the
/// page's own).
pub fn lang_of(text: &str) -> Option<&'static str> {
    text.chars()
        .any(|c| {
            matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
        })
        .then_some(Lang::Zh.code())
}

/// An upload slot's material: the seed's Chinese words, or English.
pub fn material_label(m: baoming_contract::eligibility::Material, lang: Lang) -> &'static str {
    use baoming_contract::eligibility::Material::*;
    match lang {
        Lang::Zh => m.label_zh(),
        Lang::En => match m {
            Portrait => "Portrait photo",
            IdCardFront => "ID card, photo side",
            IdCardBack => "ID card, national emblem side",
            ApplicationForm => "Application form (申报表)",
            Level3Certificate => "Level 3 vocational qualification / skill certificate",
            Level4Certificate => "Level 4 vocational qualification / skill certificate",
            JuniorTitleProof => "Junior professional title proof",
            IntermediateTitleProof => "Intermediate professional title proof",
            SocialInsuranceProof => "Social insurance record",
            GraduationCertificate => "Graduation certificate",
            EducationVerificationReport => "CHSI education verification report",
        },
    }
}

/// A condition's short title for the radio button ("（三）中级职称，工作满 1 年"): the five fit
/// on a phone's screen, the full text ([`condition_text`]) is a tap away.
pub fn condition_title(c: baoming_contract::eligibility::Condition, lang: Lang) -> &'static str {
    use baoming_contract::eligibility::Condition::*;
    match (c, lang) {
        (Level3PlusFiveYears, Lang::Zh) => "（一）三级证书，工作满 5 年",
        (JuniorTitle, Lang::Zh) => "（二）初级职称，工作满 5 年",
        (IntermediateTitle, Lang::Zh) => "（三）中级职称，工作满 1 年",
        (TechnicianCollegeGraduate, Lang::Zh) => "（四）技师学院毕业，工作满 2 年",
        (TechnicianClassStudent, Lang::Zh) => "（五）预备技师班、技师班学生",
        (Level3PlusFiveYears, Lang::En) => "(1) Level 3 certificate, 5 years of work",
        (JuniorTitle, Lang::En) => "(2) Junior title, 5 years of work",
        (IntermediateTitle, Lang::En) => "(3) Intermediate title, 1 year of work",
        (TechnicianCollegeGraduate, Lang::En) => "(4) Technician college graduate, 2 years of work",
        (TechnicianClassStudent, Lang::En) => {
            "(5) Preparatory technician or technician class student"
        }
    }
}

/// An application status: the seed's Chinese words, or English.
pub fn status_label(s: baoming_contract::status::ApplicationStatus, lang: Lang) -> &'static str {
    use baoming_contract::status::ApplicationStatus::*;
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => match s {
            Draft => "Draft",
            UnderReview => "Under review",
            Rejected => "Not approved",
            AwaitingPayment => "Awaiting payment",
            Paid => "Paid",
            TicketReady => "Admission ticket ready",
            Refunded => "Refunded",
        },
    }
}

/// An eligibility condition: the seed's Chinese words, or English.
pub fn condition_text(c: baoming_contract::eligibility::Condition, lang: Lang) -> &'static str {
    use baoming_contract::eligibility::Condition::*;
    match lang {
        Lang::Zh => c.text_zh(),
        Lang::En => match c {
            Level3PlusFiveYears => {
                "Holds a level 3 (senior worker) certificate in this or a related occupation, and has since worked 5 years in total in this or a related occupation."
            }
            JuniorTitle => {
                "Holds a matching junior professional title, has since worked 5 years in total in this or a related occupation, and at least 1 year since obtaining a level 3 certificate in it."
            }
            IntermediateTitle => {
                "Holds a matching intermediate professional title and has since worked 1 year in total in this or a related occupation."
            }
            TechnicianCollegeGraduate => {
                "Graduated from a senior technical school or technician college with a level 3 certificate in this or a related occupation, and has worked 2 years in total in it."
            }
            TechnicianClassStudent => {
                "A student of a technician college's preparatory technician or technician class who has held a level 3 certificate in this or a related occupation for 2 years."
            }
        },
    }
}

pub fn plan_state_name(s: PlanState, lang: Lang) -> &'static str {
    match (s, lang) {
        (PlanState::Upcoming, Lang::Zh) => "未开始",
        (PlanState::Upcoming, Lang::En) => "Not open yet",
        (PlanState::Open, Lang::Zh) => "报名中",
        (PlanState::Open, Lang::En) => "Open",
        (PlanState::Closed, Lang::Zh) => "已截止",
        (PlanState::Closed, Lang::En) => "Closed",
    }
}

/// "请 42 秒后再试" / "Please wait 42 s".
pub fn wait_seconds(lang: Lang, seconds: u64) -> String {
    match lang {
        Lang::Zh => format!("请 {seconds} 秒后再试。"),
        Lang::En => format!("Please try again in {seconds} s."),
    }
}

/// The 获取验证码 button during the countdown.
pub fn resend_in(lang: Lang, seconds: u64) -> String {
    match lang {
        Lang::Zh => format!("{seconds} 秒后重新获取"),
        Lang::En => format!("Resend in {seconds} s"),
    }
}

/// Log-in slowed down or locked.
pub fn login_locked(lang: Lang, seconds: u64) -> String {
    let minutes = seconds.div_ceil(60);
    match lang {
        Lang::Zh => format!(
            "登录失败次数过多，帐号已暂时锁定，请 {minutes} 分钟后再试，或通过“忘记密码”重设密码。"
        ),
        Lang::En => format!(
            "Too many failed log-ins: the account is locked. Try again in {minutes} min, or reset your password."
        ),
    }
}

/// "累计从事本职业或相关职业工作 5 年 3 个月，满足 5 年要求".
pub fn work_summary_text(lang: Lang, months: u32, required_months: u32) -> String {
    let (y, m) = (months / 12, months % 12);
    let req = required_months / 12;
    let ok = months >= required_months;
    match lang {
        Lang::Zh => format!(
            "累计从事本职业或相关职业工作 {y} 年 {m} 个月，{}满足 {req} 年要求",
            if ok { "" } else { "不" }
        ),
        Lang::En => format!(
            "{y} years {m} months in this or a related occupation: {} the {req}-year requirement",
            if ok { "meets" } else { "does not meet" }
        ),
    }
}

/// The message for a wizard field reason as it came on the wire (see
/// `baoming_contract::application::reason`). A reason this version does not know (a newer
/// backend's) gets the generic [`Msg::ErrInvalid`].
pub fn wizard_reason(reason: &str) -> Msg {
    Reason::from_code(reason).map_or(Msg::ErrInvalid, wizard_reason_msg)
}

/// The message for a wizard field reason.
pub fn wizard_reason_msg(reason: Reason) -> Msg {
    match reason {
        Reason::Required => Msg::ErrRequired,
        Reason::TooLong => Msg::ErrTooLong,
        Reason::GenderMismatchId => Msg::ErrGenderMismatch,
        Reason::MonthFormat => Msg::ErrMonthFormat,
        Reason::DateFormat => Msg::ErrDateFormat,
        Reason::EndBeforeStart => Msg::ErrEndBeforeStart,
        Reason::InFuture => Msg::ErrInFuture,
        Reason::Overlaps => Msg::ErrOverlaps,
        Reason::OccupationNotRelated => Msg::ErrOccupationNotRelated,
        Reason::NotEnoughYears => Msg::ErrNotEnoughYears,
        Reason::CertificateTooRecent => Msg::ErrCertTooRecent,
        Reason::Missing => Msg::ErrDocumentMissing,
        Reason::IdempotencyKeyReused => Msg::ErrIdempotencyKeyReused,
        Reason::IdWrongLength => Msg::ErrIdLength,
        Reason::IdInvalidCharacters => Msg::ErrIdChars,
        Reason::IdInvalidBirthDate => Msg::ErrIdBirth,
        Reason::IdInvalidCheckDigit => Msg::ErrIdCheckDigit,
        Reason::PhoneWrongLength => Msg::ErrPhoneLength,
        Reason::PhoneNotMobile => Msg::ErrPhoneNotMobile,
        Reason::PhoneInvalidCharacters => Msg::ErrPhoneChars,
        // Reasons of other forms (account, upload, review), or ones the wizard does not
        // word itself: the generic message, as for an unknown reason.
        Reason::Invalid
        | Reason::TooMany
        | Reason::TooLarge
        | Reason::Stale
        | Reason::CodeFormat
        | Reason::CodeWrong
        | Reason::CodeExpired
        | Reason::CodeAttemptsExceeded
        | Reason::PhoneRegistered
        | Reason::PhoneNotRegistered
        | Reason::PhoneUnreachable
        | Reason::CredentialsWrong
        | Reason::PasswordTooShort
        | Reason::PasswordTooLong
        | Reason::PasswordNeedsLetterAndDigit
        | Reason::PasswordMismatch
        | Reason::PortraitNotJpeg
        | Reason::PortraitTooSmall
        | Reason::PortraitTooLarge
        | Reason::Corrupt
        | Reason::Truncated
        | Reason::BlankScan
        | Reason::TooManyPixels
        | Reason::PortraitProportion
        | Reason::PortraitLowResolution
        | Reason::UnknownFinding
        | Reason::UnknownField
        | Reason::NotAllowed => Msg::ErrInvalid,
    }
}

/// The portrait is outside 40–80 KB.
pub fn portrait_size_text(lang: Lang, bytes: u64) -> String {
    let kb = bytes.div_ceil(1024);
    match lang {
        Lang::Zh => format!("个人照片须为 {PORTRAIT_KB}，当前为 {kb} KB。"),
        Lang::En => format!("The portrait must be {PORTRAIT_KB}; this one is {kb} KB."),
    }
}

/// The message for one finding of the photo checks (`photo_check::Finding`).
pub fn finding_text(lang: Lang, finding: baoming_contract::photo_check::Finding) -> String {
    use baoming_contract::photo::Sniffed;
    use baoming_contract::photo_check::Finding;
    use baoming_contract::photo_quality::PhotoProblem as P;
    let msg = match finding {
        Finding::PortraitSize { bytes } => return portrait_size_text(lang, bytes),
        Finding::Empty => Msg::ErrEmptyFile,
        Finding::TooLarge => Msg::ErrFileTooLarge,
        Finding::Type(Sniffed::Heic) => Msg::ErrTypeHeic,
        Finding::Type(Sniffed::Pdf) => Msg::ErrTypePdf,
        Finding::Type(Sniffed::WebP) => Msg::ErrTypeWebp,
        Finding::Type(Sniffed::Gif) => Msg::ErrTypeGif,
        Finding::Type(Sniffed::Bmp) => Msg::ErrTypeBmp,
        Finding::Type(_) => Msg::ErrTypeOther,
        Finding::Truncated => Msg::ErrTruncated,
        Finding::Corrupt => Msg::ErrCorrupt,
        Finding::TooManyPixels | Finding::Photo(P::TooManyPixels) => Msg::ErrTooManyPixels,
        Finding::PortraitNotJpeg => Msg::ErrPortraitNotJpeg,
        Finding::Photo(P::LowResolution) => Msg::WarnLowResolution,
        Finding::Photo(P::TooDark) => Msg::WarnTooDark,
        Finding::Photo(P::TooBright) => Msg::WarnTooBright,
        Finding::Photo(P::Blurry) => Msg::WarnBlurry,
        Finding::Photo(P::IdCardNotLandscape) => Msg::WarnIdNotLandscape,
        Finding::Photo(P::IdCardProportion) => Msg::WarnIdProportion,
        Finding::Photo(P::PortraitProportion) => Msg::WarnPortraitProportion,
        Finding::Photo(P::PortraitBackground) => Msg::WarnPortraitBackground,
        Finding::Photo(P::PortraitTooSmall) => Msg::WarnPortraitTooSmall,
    };
    msg.text(lang).to_string()
}

/// "3024 × 4032 像素，2.4 MB" (the fix's before and after).
pub fn photo_size_text(lang: Lang, width: u32, height: u32, bytes: u64) -> String {
    let size = if bytes >= 1024 * 1024 {
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    };
    match lang {
        Lang::Zh => format!("{width} × {height} 像素，{size}"),
        Lang::En => format!("{width} × {height} px, {size}"),
    }
}

/// "网络不稳定，正在重试（第 1 次）…".
pub fn upload_retrying_text(lang: Lang, attempt: u32) -> String {
    match lang {
        Lang::Zh => format!("上传未成功，正在自动重试（第 {attempt} 次）…"),
        Lang::En => {
            format!("The upload did not go through; retrying automatically (attempt {attempt})…")
        }
    }
}

/// "正在上传 42%".
pub fn uploading_text(lang: Lang, fraction: f64) -> String {
    let pct = (fraction * 100.0).round() as u32;
    match lang {
        Lang::Zh => format!("正在上传 {pct}%"),
        Lang::En => format!("Uploading {pct}%"),
    }
}

/// The label of a draft field by its JSON name (`certificate.issued_on`, `history.2.unit`),
/// for reviewer reasons that point at a field.
pub fn field_label(field: &str) -> Option<Msg> {
    DraftField::parse(field).map(draft_field_label)
}

/// A draft field's label; every field has one (the compiler checks the match).
pub fn draft_field_label(field: DraftField) -> Msg {
    match field {
        DraftField::Top(field) => top_field_label(field),
        DraftField::Certificate(field) => match field {
            CertificateField::NameAndLevel => Msg::FieldCertName,
            CertificateField::Number => Msg::FieldCertNumber,
            CertificateField::IssuedOn => Msg::FieldCertDate,
            CertificateField::Issuer => Msg::FieldCertIssuer,
        },
        DraftField::HistoryRow(_) => Msg::HistorySection,
        DraftField::History(_, field) => match field {
            HistoryField::Start => Msg::FieldStart,
            HistoryField::End => Msg::FieldEnd,
            HistoryField::Unit => Msg::FieldUnit,
            HistoryField::Occupation => Msg::FieldOccupation,
            HistoryField::Witness => Msg::FieldWitness,
        },
    }
}

/// A top-level field's label.
pub fn top_field_label(field: Field) -> Msg {
    match field {
        Field::Name => Msg::FieldName,
        Field::Gender => Msg::FieldGender,
        Field::IdNumber => Msg::FieldIdNumber,
        Field::Phone => Msg::FieldContactPhone,
        Field::Education => Msg::FieldEducation,
        Field::Identity => Msg::StepIdentity,
        Field::Condition => Msg::FieldCondition,
        Field::Employer => Msg::FieldEmployer,
        Field::EmployerAddress => Msg::FieldEmployerAddress,
        Field::EmployerHrPhone => Msg::FieldEmployerHrPhone,
        Field::CurrentPost => Msg::FieldCurrentPost,
        Field::CurrentPostYears => Msg::FieldCurrentPostYears,
        Field::Certificate => Msg::CertificateSection,
        Field::History => Msg::HistorySection,
    }
}

/// `2026-12-01 09:30` in China Standard Time.
pub fn date_time(t: baoming_contract::time::Timestamp) -> String {
    let (h, m) = t.time_of_day_cst();
    format!("{} {h:02}:{m:02}", t.date_cst())
}

/// Time left on a payment code: `1:59:30`.
pub fn countdown(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// The language in effect, provided by the app.
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

/// The current language signal. Outside the app (the config error page) it is Chinese.
pub fn use_lang() -> Signal<Lang> {
    match use_context::<I18n>() {
        Some(I18n(lang)) => lang.into(),
        None => Signal::stored(Lang::Zh),
    }
}

/// A reactive text for a key: `{t(Msg::Loading)}` in a view.
pub fn t(key: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || key.text(lang.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portrait_that_is_not_a_jpeg_but_was_accepted_is_a_png() {
        // ErrPortraitNotJpeg names PNG: it must stay the only other type uploads accept.
        use baoming_contract::photo::Sniffed::*;
        for kind in [Jpeg, Png, Gif, WebP, Heic, Bmp, Pdf, Unknown] {
            let accepted = kind.document_content_type().is_some();
            assert_eq!(accepted && kind != Jpeg, kind == Png, "{kind:?}");
        }
        assert!(Msg::ErrPortraitNotJpeg.text(Lang::Zh).contains("PNG"));
    }

    /// Every message key is used somewhere in the app: as `Msg::Key` in any source file, or
    /// by its bare name in this file beyond its declaration and its texts.
    #[test]
    fn every_message_key_is_used() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut sources = Vec::new();
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push(std::fs::read_to_string(&path).expect("a source file"));
                }
            }
        }
        let this = std::fs::read_to_string(src.join("i18n.rs")).expect("src/i18n.rs");
        let (_, rest) = this.split_once("pub enum Msg {").expect("the Msg enum");
        let (body, _) = rest.split_once("\n}").expect("the Msg enum's end");
        let keys: Vec<&str> = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .map(|l| l.trim_end_matches(','))
            .collect();
        assert!(keys.len() > 100, "read {} keys", keys.len());
        let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        // Occurrences of `word` as a whole identifier in `text`.
        let count = |text: &str, word: &str| {
            text.match_indices(word)
                .filter(|(i, _)| {
                    let before = text[..*i].chars().next_back();
                    let after = text[i + word.len()..].chars().next();
                    !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
                })
                .count()
        };
        let unused: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|key| {
                let qualified = format!("Msg::{key}");
                let anywhere = sources.iter().any(|s| count(s, &qualified) > 0);
                !anywhere && count(&this, key) <= 2
            })
            .collect();
        assert_eq!(unused, Vec::<&str>::new(), "message keys nothing uses");
    }

    #[test]
    fn limits_in_messages_read_as_before() {
        // The numbers come from the contract; the sentences around them are unchanged.
        assert_eq!(Msg::ErrPasswordShort.text(Lang::Zh), "密码至少 8 位。");
        assert_eq!(Msg::ErrCodeFormat.text(Lang::En), "The code has 6 digits.");
        assert_eq!(
            Msg::PortraitRule.text(Lang::Zh),
            "请上传 JPG 格式一寸白底证件照，大小为 40–80 KB。"
        );
        assert!(Msg::ErrFileTooLarge.text(Lang::En).contains("over 10 MB"));
    }

    #[test]
    fn text_people_wrote_is_marked_chinese_when_it_is() {
        assert_eq!(
            lang_of("2026年第4期电子商务师(网商)二级职业技能等级认定"),
            Some("zh-CN")
        );
        assert_eq!(lang_of("Wang 五"), Some("zh-CN"));
        assert_eq!(lang_of("𠀋"), Some("zh-CN"));
        assert_eq!(lang_of("Shijiazhuang Example Co., Ltd."), None);
        assert_eq!(lang_of("13800138000"), None);
        assert_eq!(lang_of(""), None);
    }

    #[test]
    fn a_material_name_in_parts_says_what_its_label_says() {
        use baoming_contract::eligibility::Material;
        for m in Material::ALL {
            for lang in [Lang::Zh, Lang::En] {
                let label = match material_name(m, lang) {
                    (name, None) => name.to_string(),
                    (name, Some(zh)) => format!("{name} ({zh})"),
                };
                assert_eq!(label, material_label(m, lang), "{m:?} {lang:?}");
                assert_eq!(
                    lang_of(material_name(m, lang).0).is_some(),
                    lang == Lang::Zh
                );
            }
        }
    }

    #[test]
    fn every_occupation_of_the_contract_has_an_english_label() {
        use baoming_contract::occupation::Occupation;
        for occupation in Occupation::ALL {
            let related = occupation.related_zh().iter().copied();
            for name in std::iter::once(occupation.name_zh()).chain(related) {
                assert_ne!(
                    occupation_label(name, Lang::En),
                    name,
                    "{name} has no English label"
                );
                assert_eq!(occupation_label(name, Lang::Zh), name);
            }
        }
    }

    /// The reasons the wizard's fields get from the backend (`application::reason`, and the
    /// 身份证号 and 手机号 checks) each have their own message; the others, and a reason
    /// this version does not know, the generic one.
    #[test]
    fn every_wizard_reason_has_its_own_message() {
        use baoming_contract::application::reason as r;
        use baoming_contract::id_card::IdError;
        use baoming_contract::phone::PhoneError;
        let mut own: Vec<&str> = vec![
            r::REQUIRED,
            r::TOO_LONG,
            r::GENDER_MISMATCH_ID,
            r::MONTH_FORMAT,
            r::DATE_FORMAT,
            r::END_BEFORE_START,
            r::IN_FUTURE,
            r::OVERLAPS,
            r::OCCUPATION_NOT_RELATED,
            r::NOT_ENOUGH_YEARS,
            r::CERTIFICATE_TOO_RECENT,
            r::MISSING,
            r::IDEMPOTENCY_KEY_REUSED,
        ];
        own.extend(
            [
                IdError::WrongLength,
                IdError::InvalidCharacters,
                IdError::InvalidBirthDate,
                IdError::InvalidCheckDigit,
            ]
            .map(IdError::code),
        );
        own.extend(
            [
                PhoneError::WrongLength,
                PhoneError::NotMobile,
                PhoneError::InvalidCharacters,
            ]
            .map(PhoneError::code),
        );
        for reason in Reason::ALL {
            let msg = wizard_reason(reason.code());
            assert_eq!(msg, wizard_reason_msg(reason), "{reason:?}");
            assert_eq!(
                msg != Msg::ErrInvalid,
                own.contains(&reason.code()),
                "{reason:?}"
            );
        }
        assert_eq!(wizard_reason("something_new"), Msg::ErrInvalid);
    }

    #[test]
    fn a_reused_idempotency_key_has_its_own_message() {
        let msg = wizard_reason(baoming_contract::application::reason::IDEMPOTENCY_KEY_REUSED);
        assert_eq!(msg, Msg::ErrIdempotencyKeyReused);
        assert!(msg.text(Lang::Zh).contains("提交"));
        assert!(msg.text(Lang::En).contains("Submit again"));
    }

    #[test]
    fn reviewer_targets_get_their_labels() {
        assert_eq!(field_label("employer"), Some(Msg::FieldEmployer));
        assert_eq!(
            field_label("certificate.issued_on"),
            Some(Msg::FieldCertDate)
        );
        assert_eq!(field_label("history.2.unit"), Some(Msg::FieldUnit));
        assert_eq!(field_label("history"), Some(Msg::HistorySection));
        assert_eq!(field_label("nonsense"), None);
    }

    #[test]
    fn every_photo_finding_has_its_own_message_in_both_languages() {
        use baoming_contract::photo_check::Finding;
        let all = Finding::EVERY_KIND;
        for lang in [Lang::Zh, Lang::En] {
            let texts: std::collections::HashSet<String> =
                all.iter().map(|f| finding_text(lang, *f)).collect();
            assert_eq!(texts.len(), all.len(), "{lang:?}");
        }
        assert_eq!(
            finding_text(Lang::Zh, Finding::PortraitSize { bytes: 100 * 1024 }),
            "个人照片须为 40–80 KB，当前为 100 KB。"
        );
    }

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("EN"), Lang::En);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag("fr"), Lang::Zh);
    }
}
