//! The two occupations of the seed and the occupations related to each. A work-history row
//! must name the occupation itself or one of its related occupations.

use serde::{Deserialize, Serialize};

/// 申报职业: the occupations a level-2 plan can certify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Occupation {
    /// 电子商务师 (网商)
    EcommerceSpecialist,
    /// 互联网营销师 (直播销售员)
    InternetMarketer,
}

impl Occupation {
    pub const ALL: [Occupation; 2] = [
        Occupation::EcommerceSpecialist,
        Occupation::InternetMarketer,
    ];

    /// The occupation's name in the seed's words.
    pub fn name_zh(self) -> &'static str {
        match self {
            Occupation::EcommerceSpecialist => "电子商务师",
            Occupation::InternetMarketer => "互联网营销师",
        }
    }

    /// The work type (工种) the plans certify.
    pub fn work_type_zh(self) -> &'static str {
        match self {
            Occupation::EcommerceSpecialist => "网商",
            Occupation::InternetMarketer => "直播销售员",
        }
    }

    /// `电子商务师(网商)`, as the 申报表 writes 申报职业(工种).
    pub fn with_work_type_zh(self) -> String {
        format!("{}({})", self.name_zh(), self.work_type_zh())
    }

    /// 相关职业, in the seed's order.
    pub fn related_zh(self) -> &'static [&'static str] {
        match self {
            Occupation::EcommerceSpecialist => &[
                "营销员",
                "商品营业员",
                "摊商",
                "互联网营销师",
                "连锁经营管理师",
                "采购员",
                "市场营销专业人员",
                "商务策划专业人员",
                "全媒体运营师",
                "数字化管理师",
                "物流服务师",
                "广告设计师",
                "商业摄影师",
                "客户服务管理员",
                "呼叫中心服务员",
                "网约配送员",
                "易货师",
            ],
            Occupation::InternetMarketer => &[
                "电子商务师",
                "营销员",
                "市场营销专业人员",
                "商务策划专业人员",
                "广告设计师",
                "品牌专业人员",
                "文化经纪人",
                "播音员",
                "讲解员",
                "节目主持人",
                "数字媒体艺术专业人员",
                "网络编辑",
                "摊商",
                "经济与代理专业人员",
                "管理咨询专业人员",
                "数据分析处理工程技术人员",
                "装饰美工",
                "印前处理和制作员",
                "制图员",
                "商业摄影师",
                "演出监督",
                "陈列展览设计人员",
                "导游",
                "会展策划专业人员",
                "会展设计师",
            ],
        }
    }

    /// Whether a history row's occupation counts toward the required years.
    pub fn accepts_history_occupation(self, name: &str) -> bool {
        let name = name.trim();
        name == self.name_zh() || self.related_zh().contains(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_and_related_occupations_count() {
        let e = Occupation::EcommerceSpecialist;
        assert!(e.accepts_history_occupation("电子商务师"));
        assert!(e.accepts_history_occupation(" 营销员 "));
        assert!(e.accepts_history_occupation("易货师"));
        assert!(!e.accepts_history_occupation("导游"));
        assert!(Occupation::InternetMarketer.accepts_history_occupation("导游"));
        assert!(Occupation::InternetMarketer.accepts_history_occupation("电子商务师"));
        assert_eq!(e.with_work_type_zh(), "电子商务师(网商)");
    }
}
