//! The application wizard's rules: what each step needs, the work-history checks and the
//! years each eligibility condition requires. The web app validates with these before moving
//! on; the backend validates with the same functions on submit.
//!
//! Field names in the returned [`FieldErrors`] are the JSON names of [`Draft`]'s fields
//! (`id_number`, `certificate.issued_on`, `history.2.end`), and `documents.<slot>` for a
//! missing upload.

use crate::api::{Draft, HistoryRow};
use crate::draft_field::{CertificateField, DraftField, Field, HistoryField};
use crate::eligibility::{Condition, Material};
use crate::error::FieldErrors;
use crate::id_card::{self, Gender};
use crate::occupation::Occupation;
use crate::phone;
use crate::time::Date;

/// The wizard's four steps, in the seed's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// ① 基础信息
    Basic = 1,
    /// ② 身份选择
    Identity = 2,
    /// ③ 报名信息
    Details = 3,
    /// ④ 证件信息上传
    Documents = 4,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Basic, Step::Identity, Step::Details, Step::Documents];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.number() == n)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Step::Basic => "基础信息",
            Step::Identity => "身份选择",
            Step::Details => "报名信息",
            Step::Documents => "证件信息上传",
        }
    }
}

/// Field reasons used by these rules (values in [`FieldErrors`]).
pub mod reason {
    use crate::reason::Reason;

    pub use crate::auth::reason::REQUIRED;
    pub const TOO_LONG: &str = Reason::TooLong.code();
    pub const INVALID: &str = Reason::Invalid.code();
    /// 性别 differs from the 17th digit of 身份证号.
    pub const GENDER_MISMATCH_ID: &str = Reason::GenderMismatchId.code();
    /// Not `YYYY-MM`, or not a real month.
    pub const MONTH_FORMAT: &str = Reason::MonthFormat.code();
    /// Not `YYYY-MM-DD`, or not a real date.
    pub const DATE_FORMAT: &str = Reason::DateFormat.code();
    pub const END_BEFORE_START: &str = Reason::EndBeforeStart.code();
    pub const IN_FUTURE: &str = Reason::InFuture.code();
    /// This row's period overlaps another row's.
    pub const OVERLAPS: &str = Reason::Overlaps.code();
    /// The row's occupation is neither the plan's nor a related one.
    pub const OCCUPATION_NOT_RELATED: &str = Reason::OccupationNotRelated.code();
    /// The history does not add up to the condition's years (`history`).
    pub const NOT_ENOUGH_YEARS: &str = Reason::NotEnoughYears.code();
    /// Condition 5: the certificate has not been held 2 years yet (`certificate.issued_on`).
    pub const CERTIFICATE_TOO_RECENT: &str = Reason::CertificateTooRecent.code();
    /// `documents.<slot>`: the condition requires this material.
    pub const MISSING: &str = Reason::Missing.code();
    /// `history`: more rows than a draft may hold ([`super::DRAFT_MAX_HISTORY_ROWS`]).
    pub const TOO_MANY: &str = Reason::TooMany.code();
    /// `draft`: the saved draft's JSON exceeds [`super::DRAFT_MAX_BYTES`].
    pub const TOO_LARGE: &str = Reason::TooLarge.code();
    /// `base_version` (409 `conflict`): the draft changed since this version; reload it.
    pub const STALE: &str = Reason::Stale.code();
    /// `idempotency_key` (422): the key was first used for another request (another
    /// endpoint or body); a retry must send the same request, a new request a new key.
    pub const IDEMPOTENCY_KEY_REUSED: &str = Reason::IdempotencyKeyReused.code();
}

/// Drafts are saved incomplete, but never unbounded: the request body of
/// `PUT /applications/{id}/draft` may be at most this many bytes,
pub const DRAFT_MAX_BYTES: usize = 64 * 1024;
/// hold at most this many history rows,
pub const DRAFT_MAX_HISTORY_ROWS: usize = 30;
/// and no text longer than this (in characters; submission is stricter, [`MAX_TEXT_CHARS`]).
pub const DRAFT_MAX_TEXT_CHARS: usize = 200;

/// The size bounds every saved draft must keep ([`DRAFT_MAX_HISTORY_ROWS`],
/// [`DRAFT_MAX_TEXT_CHARS`]); nothing about completeness. Reasons: [`reason::TOO_MANY`] on
/// `history`, [`reason::TOO_LONG`] on a text field.
pub fn check_draft_bounds(draft: &Draft) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let mut text = |field: DraftField, value: &str| {
        if value.chars().count() > DRAFT_MAX_TEXT_CHARS {
            errors.insert(field.path(), reason::TOO_LONG.into());
        }
    };
    for (field, value) in [
        (Field::Name, &draft.name),
        (Field::IdNumber, &draft.id_number),
        (Field::Phone, &draft.phone),
        (Field::Employer, &draft.employer),
        (Field::EmployerAddress, &draft.employer_address),
        (Field::EmployerHrPhone, &draft.employer_hr_phone),
        (Field::CurrentPost, &draft.current_post),
    ] {
        text(DraftField::Top(field), value);
    }
    if let Some(c) = &draft.certificate {
        for (field, value) in [
            (CertificateField::NameAndLevel, &c.name_and_level),
            (CertificateField::Number, &c.number),
            (CertificateField::IssuedOn, &c.issued_on),
            (CertificateField::Issuer, &c.issuer),
        ] {
            text(DraftField::Certificate(field), value);
        }
    }
    for (i, row) in draft.history.iter().enumerate() {
        for (field, value) in [
            (HistoryField::Start, &row.start),
            (HistoryField::End, &row.end),
            (HistoryField::Unit, &row.unit),
            (HistoryField::Occupation, &row.occupation),
            (HistoryField::Witness, &row.witness),
        ] {
            text(DraftField::History(i, field), value);
        }
    }
    if draft.history.len() > DRAFT_MAX_HISTORY_ROWS {
        put(&mut errors, Field::History, reason::TOO_MANY);
    }
    errors
}

/// Longest text accepted in a free-text field (a full employer name and address fit).
pub const MAX_TEXT_CHARS: usize = 100;

/// What the rules need besides the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The plan's occupation (history rows must name it or a related one).
    pub occupation: Occupation,
    /// Today in China Standard Time.
    pub today: Date,
}

/// A calendar month, as the 申报表's 起止年月 writes it (`2019-07`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    /// Parses `YYYY-MM` (also `YYYY.MM` and `YYYY/MM`, as people type them).
    pub fn parse(s: &str) -> Option<YearMonth> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() != 7 || !matches!(b[4], b'-' | b'.' | b'/') {
            return None;
        }
        let year: i32 = s[..4].parse().ok()?;
        let month: u8 = s[5..].parse().ok()?;
        ((1..=12).contains(&month) && (1900..=2200).contains(&year))
            .then_some(YearMonth { year, month })
    }

    pub fn of(date: Date) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Months since year 0, for arithmetic.
    pub fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// How much qualifying work the history shows against what the condition requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkSummary {
    /// Months in rows whose occupation is the plan's or related (counted after the
    /// certificate was obtained, where the condition says so), inclusive of both ends.
    pub qualifying_months: u32,
    pub required_months: u32,
}

impl WorkSummary {
    pub fn satisfied(self) -> bool {
        self.qualifying_months >= self.required_months
    }
}

fn text_field(errors: &mut FieldErrors, field: impl Into<DraftField>, value: &str) {
    let chars = value.trim().chars().count();
    if chars == 0 {
        put(errors, field, reason::REQUIRED);
    } else if chars > MAX_TEXT_CHARS {
        put(errors, field, reason::TOO_LONG);
    }
}

/// Records why `field` is not accepted.
fn put(errors: &mut FieldErrors, field: impl Into<DraftField>, reason: &str) {
    errors.insert(field.into().path(), reason.into());
}

/// 单位人资部门电话: a landline (`0311-87654321`, extension allowed) or a mobile number.
pub fn is_contact_phone(s: &str) -> bool {
    let s = s.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+' | '(' | ')' | '转'))
        && (7..=20).contains(&digits)
}

/// The problems of one step (empty: the step is complete).
pub fn validate_step(step: Step, draft: &Draft, ctx: &Context) -> FieldErrors {
    let mut errors = FieldErrors::new();
    match step {
        Step::Basic => basic(draft, &mut errors),
        Step::Identity => {
            if draft.identity.is_none() {
                put(&mut errors, Field::Identity, reason::REQUIRED);
            }
        }
        Step::Details => details(draft, ctx, &mut errors),
        // Uploads are checked against the stored documents: see [`missing_documents`].
        Step::Documents => {
            if draft.condition.is_none() {
                put(&mut errors, Field::Condition, reason::REQUIRED);
            }
        }
    }
    errors
}

fn basic(draft: &Draft, errors: &mut FieldErrors) {
    let name = draft.name.trim();
    if name.is_empty() {
        put(errors, Field::Name, reason::REQUIRED);
    } else if name.chars().count() > 30 {
        put(errors, Field::Name, reason::TOO_LONG);
    } else if !name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '·' | '•' | ' ' | '.'))
    {
        put(errors, Field::Name, reason::INVALID);
    }
    let id = id_card::parse(&draft.id_number);
    match &id {
        Err(e) => {
            put(errors, Field::IdNumber, e.code());
        }
        Ok(info) => {
            if let Some(g) = draft.gender
                && g != info.gender
            {
                put(errors, Field::Gender, reason::GENDER_MISMATCH_ID);
            }
        }
    }
    if draft.gender.is_none() {
        put(errors, Field::Gender, reason::REQUIRED);
    }
    if let Err(e) = phone::normalize(&draft.phone) {
        put(errors, Field::Phone, e.code());
    }
    if draft.education.is_none() {
        put(errors, Field::Education, reason::REQUIRED);
    }
}

fn details(draft: &Draft, ctx: &Context, errors: &mut FieldErrors) {
    let Some(condition) = draft.condition else {
        put(errors, Field::Condition, reason::REQUIRED);
        return;
    };
    text_field(errors, Field::Employer, &draft.employer);
    text_field(errors, Field::EmployerAddress, &draft.employer_address);
    if draft.employer_hr_phone.trim().is_empty() {
        put(errors, Field::EmployerHrPhone, reason::REQUIRED);
    } else if !is_contact_phone(&draft.employer_hr_phone) {
        put(errors, Field::EmployerHrPhone, reason::INVALID);
    }
    text_field(errors, Field::CurrentPost, &draft.current_post);
    match draft.current_post_years {
        None => {
            put(errors, Field::CurrentPostYears, reason::REQUIRED);
        }
        Some(y) if y > 60 => {
            put(errors, Field::CurrentPostYears, reason::INVALID);
        }
        Some(_) => {}
    }
    let cert_date = if condition.needs_existing_certificate() {
        certificate(draft, ctx, condition, errors)
    } else {
        None
    };
    history(draft, ctx, condition, cert_date, errors);
}

fn certificate(
    draft: &Draft,
    ctx: &Context,
    condition: Condition,
    errors: &mut FieldErrors,
) -> Option<Date> {
    let empty = Default::default();
    let cert = draft.certificate.as_ref().unwrap_or(&empty);
    text_field(
        errors,
        DraftField::Certificate(CertificateField::NameAndLevel),
        &cert.name_and_level,
    );
    text_field(
        errors,
        DraftField::Certificate(CertificateField::Number),
        &cert.number,
    );
    text_field(
        errors,
        DraftField::Certificate(CertificateField::Issuer),
        &cert.issuer,
    );
    if cert.issued_on.trim().is_empty() {
        put(
            errors,
            DraftField::Certificate(CertificateField::IssuedOn),
            reason::REQUIRED,
        );
        return None;
    }
    let Some(date) = Date::parse(cert.issued_on.trim()) else {
        put(
            errors,
            DraftField::Certificate(CertificateField::IssuedOn),
            reason::DATE_FORMAT,
        );
        return None;
    };
    if date > ctx.today {
        put(
            errors,
            DraftField::Certificate(CertificateField::IssuedOn),
            reason::IN_FUTURE,
        );
        return None;
    }
    if condition == Condition::TechnicianClassStudent {
        let two_years_later = Date::new(date.year() + 2, date.month(), date.day().min(28));
        if two_years_later.is_some_and(|d| d > ctx.today) {
            put(
                errors,
                DraftField::Certificate(CertificateField::IssuedOn),
                reason::CERTIFICATE_TOO_RECENT,
            );
        }
    }
    Some(date)
}

/// Parsed rows: (index, start, end) with `end` = this month for an open row (至今).
fn periods(
    rows: &[HistoryRow],
    today: Date,
    errors: &mut FieldErrors,
) -> Vec<(usize, YearMonth, YearMonth)> {
    let now = YearMonth::of(today);
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let start = YearMonth::parse(&row.start);
        let end = if row.end.trim().is_empty() {
            Some(now)
        } else {
            YearMonth::parse(&row.end)
        };
        if row.start.trim().is_empty() {
            put(
                errors,
                DraftField::History(i, HistoryField::Start),
                reason::REQUIRED,
            );
        } else if start.is_none() {
            put(
                errors,
                DraftField::History(i, HistoryField::Start),
                reason::MONTH_FORMAT,
            );
        }
        if end.is_none() {
            put(
                errors,
                DraftField::History(i, HistoryField::End),
                reason::MONTH_FORMAT,
            );
        }
        if let (Some(s), Some(e)) = (start, end) {
            if s > now {
                put(
                    errors,
                    DraftField::History(i, HistoryField::Start),
                    reason::IN_FUTURE,
                );
            } else if e > now {
                put(
                    errors,
                    DraftField::History(i, HistoryField::End),
                    reason::IN_FUTURE,
                );
            } else if e < s {
                put(
                    errors,
                    DraftField::History(i, HistoryField::End),
                    reason::END_BEFORE_START,
                );
            } else {
                out.push((i, s, e));
            }
        }
    }
    out
}

fn history(
    draft: &Draft,
    ctx: &Context,
    condition: Condition,
    cert_date: Option<Date>,
    errors: &mut FieldErrors,
) {
    if draft.history.is_empty() {
        put(errors, Field::History, reason::REQUIRED);
        return;
    }
    // Condition 5 lists schooling (学校, 专业), not occupations.
    let checks_occupation = condition != Condition::TechnicianClassStudent;
    for (i, row) in draft.history.iter().enumerate() {
        text_field(
            errors,
            DraftField::History(i, HistoryField::Unit),
            &row.unit,
        );
        text_field(
            errors,
            DraftField::History(i, HistoryField::Witness),
            &row.witness,
        );
        if row.occupation.trim().is_empty() {
            put(
                errors,
                DraftField::History(i, HistoryField::Occupation),
                reason::REQUIRED,
            );
        } else if checks_occupation && !ctx.occupation.accepts_history_occupation(&row.occupation) {
            put(
                errors,
                DraftField::History(i, HistoryField::Occupation),
                reason::OCCUPATION_NOT_RELATED,
            );
        }
    }
    let mut spans = periods(&draft.history, ctx.today, errors);
    spans.sort_by_key(|(_, s, _)| *s);
    for pair in spans.windows(2) {
        let ((_, _, prev_end), (j, next_start, _)) = (pair[0], pair[1]);
        if next_start <= prev_end {
            errors
                .entry(DraftField::History(j, HistoryField::Start).path())
                .or_insert_with(|| reason::OVERLAPS.into());
        }
    }
    if let Some(summary) = work_summary(draft, ctx)
        && !summary.satisfied()
        // A row's own problem comes first.
        && !errors.keys().any(|k| {
            matches!(
                DraftField::parse(k),
                Some(DraftField::HistoryRow(_) | DraftField::History(..))
            )
        })
    {
        let _ = cert_date;
        put(errors, Field::History, reason::NOT_ENOUGH_YEARS);
    }
}

/// The qualifying work the history shows, for conditions that count years (none for 5).
pub fn work_summary(draft: &Draft, ctx: &Context) -> Option<WorkSummary> {
    let condition = draft.condition?;
    let required_months = condition.required_work_months();
    if required_months == 0 {
        return None;
    }
    // Conditions 1, 2 and 4 count work after the level-3 certificate was obtained.
    let from = match condition {
        Condition::Level3PlusFiveYears
        | Condition::JuniorTitle
        | Condition::TechnicianCollegeGraduate => draft
            .certificate
            .as_ref()
            .and_then(|c| Date::parse(c.issued_on.trim()))
            .map(YearMonth::of),
        _ => None,
    };
    let mut ignored = FieldErrors::new();
    let mut months: Vec<i64> = periods(&draft.history, ctx.today, &mut ignored)
        .into_iter()
        .filter(|(i, _, _)| {
            ctx.occupation
                .accepts_history_occupation(&draft.history[*i].occupation)
        })
        .flat_map(|(_, s, e)| {
            let start = from.map_or(s.index(), |f| s.index().max(f.index()));
            start..=e.index()
        })
        .collect();
    // Overlapping rows must not count the same month twice.
    months.sort_unstable();
    months.dedup();
    Some(WorkSummary {
        qualifying_months: months.len() as u32,
        required_months,
    })
}

/// The materials the chosen condition requires that are not uploaded yet.
pub fn missing_documents(draft: &Draft, uploaded: &[Material]) -> Vec<Material> {
    draft
        .condition
        .map(|c| c.missing_materials(uploaded))
        .unwrap_or_default()
}

/// Everything that must hold to submit (报名): every step's rules and every required upload.
pub fn validate_for_submit(draft: &Draft, ctx: &Context, uploaded: &[Material]) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for step in Step::ALL {
        errors.extend(validate_step(step, draft, ctx));
    }
    for m in missing_documents(draft, uploaded) {
        errors.insert(format!("documents.{}", m.slug()), reason::MISSING.into());
    }
    errors
}

/// Where a returning candidate resumes: the first step with a problem (uploads count for
/// step ④), or ④ when everything is complete.
pub fn first_incomplete_step(draft: &Draft, ctx: &Context, uploaded: &[Material]) -> Step {
    Step::ALL
        .into_iter()
        .find(|s| {
            !validate_step(*s, draft, ctx).is_empty()
                || (*s == Step::Documents && !missing_documents(draft, uploaded).is_empty())
        })
        .unwrap_or(Step::Documents)
}

/// The fields (JSON names, `history` for the rows) that differ between two drafts: what
/// changed since the last submission.
pub fn changed_fields(before: &Draft, after: &Draft) -> Vec<Field> {
    // Exhaustive: a new field of the draft must say here how it compares.
    let same = |field: Field| match field {
        Field::Name => before.name == after.name,
        Field::Gender => before.gender == after.gender,
        Field::IdNumber => before.id_number == after.id_number,
        Field::Phone => before.phone == after.phone,
        Field::Education => before.education == after.education,
        Field::Identity => before.identity == after.identity,
        Field::Condition => before.condition == after.condition,
        Field::Employer => before.employer == after.employer,
        Field::EmployerAddress => before.employer_address == after.employer_address,
        Field::EmployerHrPhone => before.employer_hr_phone == after.employer_hr_phone,
        Field::CurrentPost => before.current_post == after.current_post,
        Field::CurrentPostYears => before.current_post_years == after.current_post_years,
        Field::Certificate => before.certificate == after.certificate,
        Field::History => before.history == after.history,
    };
    Field::ALL.into_iter().filter(|&f| !same(f)).collect()
}

/// The wizard step where a field (JSON name, as in [`FieldErrors`] or a reviewer's reason)
/// is filled in; `documents.<slot>` is step ④.
pub fn step_of_field(field: &str) -> Step {
    match DraftField::parse(field) {
        Some(field) => field.step(),
        None if field == "documents" || field.starts_with("documents.") => Step::Documents,
        None => Step::Details,
    }
}

/// A complete example draft for condition 1 on the 电子商务师 plan (with the standard's own
/// ID number) that passes every rule up to 2026: the one the tests of every crate share.
pub fn example_draft(phone: &str) -> Draft {
    use crate::api::{Certificate, Education, Identity};
    let row = |start: &str, end: &str, occupation: &str| HistoryRow {
        start: start.into(),
        end: end.into(),
        unit: "石家庄某某电子商务有限公司".into(),
        occupation: occupation.into(),
        witness: "王经理".into(),
    };
    Draft {
        identity: Some(Identity::Employee),
        condition: Some(Condition::Level3PlusFiveYears),
        name: "张三".into(),
        gender: Some(Gender::Female),
        id_number: "11010519491231002X".into(),
        education: Some(Education::JuniorCollege),
        phone: phone.into(),
        employer: "石家庄某某电子商务有限公司".into(),
        employer_address: "河北省石家庄市长安区中山东路1号".into(),
        employer_hr_phone: "0311-87654321".into(),
        current_post: "网店运营".into(),
        current_post_years: Some(6),
        certificate: Some(Certificate {
            name_and_level: "电子商务师 三级".into(),
            number: "S000013000000123".into(),
            issued_on: "2019-06-30".into(),
            issuer: "河北省人力资源和社会保障厅".into(),
        }),
        history: vec![
            row("2019-07", "2022-12", "电子商务师"),
            row("2023-01", "", "营销员"),
        ],
    }
}

/// The birth date and gender encoded in the ID number, for the form to fill and check 性别.
pub fn id_facts(id_number: &str) -> Option<(Date, Gender)> {
    id_card::parse(id_number)
        .ok()
        .map(|i| (i.birth_date, i.gender))
}

/// A made-up candidate for the tests and tools of every crate (the conformance suite, the
/// load benchmark): one complete draft, written once.
pub mod sample {
    use crate::api::{Draft, Education, HistoryRow, Identity};
    use crate::eligibility::Condition;
    use crate::id_card::Gender;
    use crate::occupation::Occupation;
    use crate::time::Date;

    /// The condition of [`complete_draft`]: 中级职称后累计满1年, which asks for no existing
    /// certificate.
    pub const CONDITION: Condition = Condition::IntermediateTitle;
    /// The occupation of the plan [`complete_draft`] applies to, and of its work history.
    pub const OCCUPATION: Occupation = Occupation::EcommerceSpecialist;
    /// The standard's own example ID number (GB 11643): born 1949-12-31, female.
    pub const ID_NUMBER: &str = "11010519491231002X";

    /// A draft that passes every rule of the contract on `today` for a plan of
    /// [`OCCUPATION`], under [`CONDITION`]: the example ID number with its gender (female),
    /// and one history row in the occupation from two years ago up to now (至今), more than
    /// the year the condition requires.
    pub fn complete_draft(phone: &str, today: Date) -> Draft {
        Draft {
            identity: Some(Identity::Employee),
            condition: Some(CONDITION),
            name: "张三".into(),
            gender: Some(Gender::Female),
            id_number: ID_NUMBER.into(),
            education: Some(Education::Bachelor),
            phone: phone.into(),
            employer: "石家庄某某电子商务有限公司".into(),
            employer_address: "河北省石家庄市长安区中山东路1号".into(),
            employer_hr_phone: "0311-87654321".into(),
            current_post: "网店运营".into(),
            current_post_years: Some(2),
            certificate: None,
            history: vec![HistoryRow {
                start: format!("{}-{:02}", today.year() - 2, today.month()),
                end: String::new(),
                unit: "石家庄某某电子商务有限公司".into(),
                occupation: OCCUPATION.name_zh().into(),
                witness: "王经理".into(),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn ctx() -> Context {
        Context {
            occupation: Occupation::EcommerceSpecialist,
            today: Date::new(2026, 11, 28).unwrap(),
        }
    }

    fn row(start: &str, end: &str, occupation: &str) -> HistoryRow {
        HistoryRow {
            start: start.into(),
            end: end.into(),
            unit: "石家庄某某电子商务有限公司".into(),
            occupation: occupation.into(),
            witness: "王经理".into(),
        }
    }

    fn complete() -> Draft {
        example_draft("13800138000")
    }

    #[test]
    fn a_complete_draft_passes_every_step() {
        for step in [Step::Basic, Step::Identity, Step::Details, Step::Documents] {
            assert_eq!(
                validate_step(step, &complete(), &ctx()),
                FieldErrors::new(),
                "{step:?}"
            );
        }
        let all = Condition::Level3PlusFiveYears.required_materials();
        assert!(validate_for_submit(&complete(), &ctx(), all).is_empty());
        assert_eq!(
            first_incomplete_step(&complete(), &ctx(), all),
            Step::Documents
        );
    }

    #[test]
    fn basic_step_checks_the_id_and_gender_together() {
        let mut d = complete();
        d.gender = Some(Gender::Male);
        assert_eq!(
            validate_step(Step::Basic, &d, &ctx())
                .get("gender")
                .map(String::as_str),
            Some(reason::GENDER_MISMATCH_ID)
        );
        d.id_number = "110105194912310021".into();
        let e = validate_step(Step::Basic, &d, &ctx());
        assert_eq!(
            e.get("id_number").map(String::as_str),
            Some("id_invalid_check_digit")
        );
        let empty = validate_step(Step::Basic, &Draft::default(), &ctx());
        for f in ["name", "gender", "id_number", "phone", "education"] {
            assert_eq!(empty.get(f).map(String::as_str), Some("required"), "{f}");
        }
    }

    #[test]
    fn history_rows_are_checked() {
        let mut d = complete();
        d.history = vec![
            row("2019-07", "2018-01", "电子商务师"),
            row("2030-01", "", "电子商务师"),
            row("2020-13", "2021-01", "电子商务师"),
            row("2021-01", "2021-06", "导游"),
        ];
        let e = validate_step(Step::Details, &d, &ctx());
        assert_eq!(
            e.get("history.0.end").map(String::as_str),
            Some(reason::END_BEFORE_START)
        );
        assert_eq!(
            e.get("history.1.start").map(String::as_str),
            Some(reason::IN_FUTURE)
        );
        assert_eq!(
            e.get("history.2.start").map(String::as_str),
            Some(reason::MONTH_FORMAT)
        );
        assert_eq!(
            e.get("history.3.occupation").map(String::as_str),
            Some(reason::OCCUPATION_NOT_RELATED)
        );
    }

    #[test]
    fn overlapping_periods_are_refused() {
        let mut d = complete();
        d.history = vec![
            row("2019-07", "2022-12", "电子商务师"),
            row("2022-06", "", "营销员"),
        ];
        let e = validate_step(Step::Details, &d, &ctx());
        assert_eq!(
            e.get("history.1.start").map(String::as_str),
            Some(reason::OVERLAPS)
        );
    }

    #[test]
    fn years_are_counted_after_the_certificate_and_only_for_related_work() {
        let d = complete();
        // 2019-07..2026-11 inclusive = 89 months.
        assert_eq!(
            work_summary(&d, &ctx()),
            Some(WorkSummary {
                qualifying_months: 89,
                required_months: 60
            })
        );
        let mut short = complete();
        short.history = vec![
            row("2024-01", "", "电子商务师"),
            row("2020-01", "2023-12", "导游"),
        ];
        let e = validate_step(Step::Details, &short, &ctx());
        // The unrelated row is its own error; fixing it to a related one makes it count.
        assert_eq!(
            e.get("history.1.occupation").map(String::as_str),
            Some(reason::OCCUPATION_NOT_RELATED)
        );
        short.history[1].occupation = "采购员".into();
        let s = work_summary(&short, &ctx()).unwrap();
        // 2024-01..2026-11 (35 months) and 2020-01..2023-12 (48), both after the 2019-06 certificate.
        assert_eq!(s.qualifying_months, 35 + 48);
        let mut too_short = complete();
        too_short.history = vec![row("2023-01", "", "电子商务师")];
        assert_eq!(
            validate_step(Step::Details, &too_short, &ctx())
                .get("history")
                .map(String::as_str),
            Some(reason::NOT_ENOUGH_YEARS)
        );
    }

    #[test]
    fn condition_three_needs_no_certificate_and_one_year() {
        let mut d = complete();
        d.condition = Some(Condition::IntermediateTitle);
        d.certificate = None;
        d.history = vec![row("2025-06", "", "电子商务师")];
        assert!(validate_step(Step::Details, &d, &ctx()).is_empty());
        assert_eq!(work_summary(&d, &ctx()).unwrap().required_months, 12);
    }

    #[test]
    fn condition_five_counts_years_holding_the_certificate() {
        let mut d = complete();
        d.condition = Some(Condition::TechnicianClassStudent);
        d.history = vec![row("2023-09", "", "电子商务")];
        d.certificate.as_mut().unwrap().issued_on = "2025-06-30".into();
        let e = validate_step(Step::Details, &d, &ctx());
        assert_eq!(
            e.get("certificate.issued_on").map(String::as_str),
            Some(reason::CERTIFICATE_TOO_RECENT)
        );
        assert!(
            !e.contains_key("history.0.occupation"),
            "schooling rows name a major"
        );
        d.certificate.as_mut().unwrap().issued_on = "2024-06-30".into();
        assert!(validate_step(Step::Details, &d, &ctx()).is_empty());
        assert_eq!(work_summary(&d, &ctx()), None);
    }

    #[test]
    fn missing_uploads_block_submit_and_resume_at_step_four() {
        let d = complete();
        let e = validate_for_submit(&d, &ctx(), &[Material::Portrait]);
        assert_eq!(
            e.get("documents.id_card_front").map(String::as_str),
            Some(reason::MISSING)
        );
        assert_eq!(first_incomplete_step(&d, &ctx(), &[]), Step::Documents);
        let mut no_id = d.clone();
        no_id.identity = None;
        assert_eq!(first_incomplete_step(&no_id, &ctx(), &[]), Step::Identity);
        assert_eq!(
            first_incomplete_step(&Draft::default(), &ctx(), &[]),
            Step::Basic
        );
    }

    #[test]
    fn drafts_are_bounded_but_may_be_incomplete() {
        assert!(check_draft_bounds(&Draft::default()).is_empty());
        assert!(check_draft_bounds(&complete()).is_empty());
        let mut d = complete();
        d.employer = "公".repeat(DRAFT_MAX_TEXT_CHARS);
        assert!(
            check_draft_bounds(&d).is_empty(),
            "counted in characters, not bytes"
        );
        d.employer.push('司');
        d.certificate.as_mut().unwrap().issuer = "x".repeat(201);
        d.history = vec![row("2019-07", "", "电子商务师"); DRAFT_MAX_HISTORY_ROWS + 1];
        d.history[3].witness = "y".repeat(500);
        let e = check_draft_bounds(&d);
        assert_eq!(
            e.get("employer").map(String::as_str),
            Some(reason::TOO_LONG)
        );
        assert_eq!(
            e.get("certificate.issuer").map(String::as_str),
            Some(reason::TOO_LONG)
        );
        assert_eq!(
            e.get("history.3.witness").map(String::as_str),
            Some(reason::TOO_LONG)
        );
        assert_eq!(e.get("history").map(String::as_str), Some(reason::TOO_MANY));
        assert_eq!(e.len(), 4, "{e:?}");
    }

    #[test]
    fn changes_since_submission_are_listed() {
        let before = complete();
        let mut after = before.clone();
        assert!(changed_fields(&before, &after).is_empty());
        after.employer = "石家庄某某电子商务股份有限公司".into();
        after.history[1].witness = "李经理".into();
        assert_eq!(
            changed_fields(&before, &after),
            [Field::Employer, Field::History]
        );
    }

    #[test]
    fn every_field_of_a_step_maps_back_to_it() {
        let empty = Draft::default();
        for step in Step::ALL {
            for field in validate_step(step, &empty, &ctx()).keys() {
                // Step ④ needs the condition, which is chosen on step ③.
                let home = if field == "condition" {
                    Step::Details
                } else {
                    step
                };
                assert_eq!(step_of_field(field), home, "{field}");
            }
        }
        assert_eq!(step_of_field("history.3.unit"), Step::Details);
        assert_eq!(step_of_field("documents.portrait"), Step::Documents);
    }

    #[test]
    fn months_and_phones() {
        assert_eq!(
            YearMonth::parse("2019.07"),
            Some(YearMonth {
                year: 2019,
                month: 7
            })
        );
        assert_eq!(YearMonth::parse("2019-7"), None);
        assert_eq!(YearMonth::parse("2019-00"), None);
        assert!(is_contact_phone("0311-87654321"));
        assert!(is_contact_phone("13800138000"));
        assert!(!is_contact_phone("12345"));
        assert!(!is_contact_phone("abc-defgh"));
    }
}
