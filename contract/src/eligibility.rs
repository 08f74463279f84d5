//! 报考条件: the five eligibility conditions of the seed, and the materials (填报资料) each
//! one requires. One condition is enough; the chosen one decides what to upload.

use serde::{Deserialize, Serialize};

/// One of the seed's five conditions, numbered as the seed numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// （一）三级证书后，累计从事本职业或相关职业工作满5年。
    Level3PlusFiveYears,
    /// （二）初级职称后累计满5年，且取得三级证书后满1年。
    JuniorTitle,
    /// （三）中级职称后累计满1年。
    IntermediateTitle,
    /// （四）持三级证书的高级技工学校、技师学院毕业生，累计满2年。
    TechnicianCollegeGraduate,
    /// （五）取得三级证书满2年的技师学院预备技师班、技师班学生。
    TechnicianClassStudent,
}

impl Condition {
    pub const ALL: [Condition; 5] = [
        Condition::Level3PlusFiveYears,
        Condition::JuniorTitle,
        Condition::IntermediateTitle,
        Condition::TechnicianCollegeGraduate,
        Condition::TechnicianClassStudent,
    ];

    /// 1 to 5, as the seed numbers the conditions.
    pub fn number(self) -> u8 {
        match self {
            Condition::Level3PlusFiveYears => 1,
            Condition::JuniorTitle => 2,
            Condition::IntermediateTitle => 3,
            Condition::TechnicianCollegeGraduate => 4,
            Condition::TechnicianClassStudent => 5,
        }
    }

    /// The condition in the seed's own words.
    pub fn text_zh(self) -> &'static str {
        match self {
            Condition::Level3PlusFiveYears => {
                "取得本职业或相关职业三级/高级工职业资格(职业技能等级)证书后，累计从事本职业或相关职业工作满5年。"
            }
            Condition::JuniorTitle => {
                "取得符合专业对应关系的初级职称(专业技术人员职业资格)后，累计从事本职业或相关职业工作满5年，并在取得本职业或相关职业三级/高级工职业资格(职业技能等级)证书后，从事本职业或相关职业工作满1年。"
            }
            Condition::IntermediateTitle => {
                "取得符合专业对应关系的中级职称(专业技术人员职业资格)后，累计从事本职业或相关职业工作满1年。"
            }
            Condition::TechnicianCollegeGraduate => {
                "取得本职业或相关职业三级/高级工职业资格(职业技能等级)证书的高级技工学校、技师学院毕业生，累计从事本职业或相关职业工作满2年。"
            }
            Condition::TechnicianClassStudent => {
                "取得本职业或相关职业三级/高级工职业资格(职业技能等级)证书满2年的技师学院预备技师班、技师班学生。"
            }
        }
    }

    /// Cumulative months of work in the occupation or a related one that the condition
    /// requires (condition 5 counts years holding the certificate instead: 0 here).
    pub fn required_work_months(self) -> u32 {
        match self {
            Condition::Level3PlusFiveYears | Condition::JuniorTitle => 60,
            Condition::IntermediateTitle => 12,
            Condition::TechnicianCollegeGraduate => 24,
            Condition::TechnicianClassStudent => 0,
        }
    }

    /// Whether the 申报表's existing-certificate fields (name and level, number, date,
    /// issuer) apply. The seed leaves them blank for condition 3.
    pub fn needs_existing_certificate(self) -> bool {
        !matches!(self, Condition::IntermediateTitle)
    }

    /// The materials to upload, in the seed's order, with the ID card as its two sides.
    pub fn required_materials(self) -> &'static [Material] {
        use Material::*;
        match self {
            Condition::Level3PlusFiveYears => &[
                Portrait,
                IdCardFront,
                IdCardBack,
                ApplicationForm,
                Level3Certificate,
                SocialInsuranceProof,
            ],
            Condition::JuniorTitle => &[
                Portrait,
                IdCardFront,
                IdCardBack,
                ApplicationForm,
                JuniorTitleProof,
                SocialInsuranceProof,
                Level3Certificate,
            ],
            Condition::IntermediateTitle => &[
                Portrait,
                IdCardFront,
                IdCardBack,
                ApplicationForm,
                IntermediateTitleProof,
                SocialInsuranceProof,
            ],
            Condition::TechnicianCollegeGraduate => &[
                Portrait,
                IdCardFront,
                IdCardBack,
                ApplicationForm,
                GraduationCertificate,
                Level3Certificate,
                SocialInsuranceProof,
            ],
            Condition::TechnicianClassStudent => &[
                Portrait,
                IdCardFront,
                IdCardBack,
                ApplicationForm,
                Level4Certificate,
                GraduationCertificate,
                EducationVerificationReport,
            ],
        }
    }

    /// Required materials not yet in `uploaded`.
    pub fn missing_materials(self, uploaded: &[Material]) -> Vec<Material> {
        self.required_materials()
            .iter()
            .copied()
            .filter(|m| !uploaded.contains(m))
            .collect()
    }
}

impl Condition {
    /// The condition as the 申报表's 工作单位意见 cites it (the seed's wording, no full stop).
    fn clause_zh(self) -> &'static str {
        self.text_zh().trim_end_matches('。')
    }

    /// The 工作单位意见 of the 申报表 for this condition, as the seed words it; blanks
    /// (`____`) are for the employer to fill in by hand.
    pub fn employer_opinion_zh(self, occupation: crate::occupation::Occupation) -> String {
        match self {
            // The seed's sample for condition 5 leaves the occupation and the condition blank.
            Condition::TechnicianClassStudent => "该同志系我单位正式员工，在我单位____部门(车间)从事____岗位____年(大写)，经核实，符合《国家职业标准编制技术规程(2023年版)》规定的____条件，考评合格后，我单位认可评价结果，并兑现相关工资待遇。".to_string(),
            _ => format!(
                "该同志系我单位正式员工，在我单位____部门(车间)从事{}岗位____年(大写)，经核实，符合《国家职业标准编制技术规程(2023年版)》规定的{}条件，考评合格后，我单位认可评价结果，并兑现相关工资待遇。",
                occupation.name_zh(),
                self.clause_zh()
            ),
        }
    }
}

/// The candidate's pledge (本人承诺) on the 申报表.
pub const PLEDGE_ZH: &str =
    "本人自愿参加职业技能等级认定，承诺符合申报技能等级的条件，提供的信息资料真实有效。";

/// An upload slot (证件信息上传).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Material {
    /// 个人照片: one-inch white-background JPG, 40–80 KB.
    Portrait,
    /// 身份证人像面照片
    IdCardFront,
    /// 身份证国徽面照片
    IdCardBack,
    /// 申报表 (单位盖章)
    ApplicationForm,
    /// 三级职业资格/职业技能等级证书
    Level3Certificate,
    /// 四级职业资格/职业技能等级证书 (the seed's wording for condition 5)
    Level4Certificate,
    /// 初级职称/专业技术人员职业资格证明
    JuniorTitleProof,
    /// 中级职称/专业技术人员职业资格证明
    IntermediateTitleProof,
    /// 社保证明 (社保部门盖章)
    SocialInsuranceProof,
    /// 毕业证书 (students not yet graduated: 招生录取审批表 or 学信网学籍验证报告)
    GraduationCertificate,
    /// 学信网学历验证报告 (在读应届毕业生提供学信网学籍验证报告)
    EducationVerificationReport,
}

impl Material {
    /// The slot's label in the seed's words.
    pub fn label_zh(self) -> &'static str {
        match self {
            Material::Portrait => "个人照片",
            Material::IdCardFront => "身份证人像面照片",
            Material::IdCardBack => "身份证国徽面照片",
            Material::ApplicationForm => "申报表",
            Material::Level3Certificate => "三级职业资格/职业技能等级证书",
            Material::Level4Certificate => "四级职业资格/职业技能等级证书",
            Material::JuniorTitleProof => "初级职称/专业技术人员职业资格证明",
            Material::IntermediateTitleProof => "中级职称/专业技术人员职业资格证明",
            Material::SocialInsuranceProof => "社保证明",
            Material::GraduationCertificate => "毕业证书",
            Material::EducationVerificationReport => "学信网学历验证报告",
        }
    }

    /// The slot's name in URLs (`/documents/{slot}`), the same as its JSON form.
    pub fn slug(self) -> &'static str {
        match self {
            Material::Portrait => "portrait",
            Material::IdCardFront => "id_card_front",
            Material::IdCardBack => "id_card_back",
            Material::ApplicationForm => "application_form",
            Material::Level3Certificate => "level3_certificate",
            Material::Level4Certificate => "level4_certificate",
            Material::JuniorTitleProof => "junior_title_proof",
            Material::IntermediateTitleProof => "intermediate_title_proof",
            Material::SocialInsuranceProof => "social_insurance_proof",
            Material::GraduationCertificate => "graduation_certificate",
            Material::EducationVerificationReport => "education_verification_report",
        }
    }

    pub const ALL: [Material; 11] = [
        Material::Portrait,
        Material::IdCardFront,
        Material::IdCardBack,
        Material::ApplicationForm,
        Material::Level3Certificate,
        Material::Level4Certificate,
        Material::JuniorTitleProof,
        Material::IntermediateTitleProof,
        Material::SocialInsuranceProof,
        Material::GraduationCertificate,
        Material::EducationVerificationReport,
    ];

    pub fn from_slug(slug: &str) -> Option<Material> {
        Material::ALL.into_iter().find(|m| m.slug() == slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Material::*;

    #[test]
    fn every_condition_needs_photo_id_and_form() {
        for c in Condition::ALL {
            for m in [Portrait, IdCardFront, IdCardBack, ApplicationForm] {
                assert!(c.required_materials().contains(&m), "{c:?} {m:?}");
            }
        }
    }

    #[test]
    fn materials_follow_seed_section_two() {
        let extra = |c: Condition| c.required_materials()[4..].to_vec();
        assert_eq!(
            extra(Condition::Level3PlusFiveYears),
            [Level3Certificate, SocialInsuranceProof]
        );
        assert_eq!(
            extra(Condition::JuniorTitle),
            [JuniorTitleProof, SocialInsuranceProof, Level3Certificate]
        );
        assert_eq!(
            extra(Condition::IntermediateTitle),
            [IntermediateTitleProof, SocialInsuranceProof]
        );
        assert_eq!(
            extra(Condition::TechnicianCollegeGraduate),
            [
                GraduationCertificate,
                Level3Certificate,
                SocialInsuranceProof
            ]
        );
        assert_eq!(
            extra(Condition::TechnicianClassStudent),
            [
                Level4Certificate,
                GraduationCertificate,
                EducationVerificationReport
            ]
        );
    }

    #[test]
    fn missing_lists_what_is_left_in_order() {
        let missing = Condition::IntermediateTitle.missing_materials(&[IdCardBack, Portrait]);
        assert_eq!(
            missing,
            [
                IdCardFront,
                ApplicationForm,
                IntermediateTitleProof,
                SocialInsuranceProof
            ]
        );
        assert!(
            Condition::IntermediateTitle
                .missing_materials(Condition::IntermediateTitle.required_materials())
                .is_empty()
        );
    }

    #[test]
    fn slugs_round_trip_and_match_json() {
        for m in Material::ALL {
            assert_eq!(Material::from_slug(m.slug()), Some(m));
            assert_eq!(serde_json::to_value(m).unwrap(), m.slug());
        }
        assert_eq!(Material::from_slug("nope"), None);
    }

    #[test]
    fn employer_opinion_cites_the_condition() {
        let text = Condition::IntermediateTitle
            .employer_opinion_zh(crate::occupation::Occupation::EcommerceSpecialist);
        assert!(text.contains("从事电子商务师岗位"));
        assert!(text.contains("规定的取得符合专业对应关系的中级职称(专业技术人员职业资格)后，累计从事本职业或相关职业工作满1年条件"));
        assert!(
            Condition::TechnicianClassStudent
                .employer_opinion_zh(crate::occupation::Occupation::InternetMarketer)
                .contains("从事____岗位")
        );
    }

    #[test]
    fn numbers_and_years() {
        let n: Vec<u8> = Condition::ALL.iter().map(|c| c.number()).collect();
        assert_eq!(n, [1, 2, 3, 4, 5]);
        assert_eq!(Condition::Level3PlusFiveYears.required_work_months(), 60);
        assert_eq!(Condition::IntermediateTitle.required_work_months(), 12);
        assert!(!Condition::IntermediateTitle.needs_existing_certificate());
    }
}
