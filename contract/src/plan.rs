//! Certification plans (认定计划) and their registration windows.

use serde::{Deserialize, Serialize};

use crate::occupation::Occupation;
use crate::time::Timestamp;

/// 申报等级. Only level 2 (二级 / 技师) plans exist so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 二级 / 技师
    #[serde(rename = "level_2")]
    Level2,
}

impl Level {
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Level2 => "二级",
        }
    }
}

/// Where a plan's registration window stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// 未开始: the window has not opened yet.
    Upcoming,
    /// 报名中
    Open,
    /// 已截止
    Closed,
}

impl PlanState {
    /// The window is `[opens_at, closes_at)`.
    pub fn at(now: Timestamp, opens_at: Timestamp, closes_at: Timestamp) -> PlanState {
        if now < opens_at {
            PlanState::Upcoming
        } else if now < closes_at {
            PlanState::Open
        } else {
            PlanState::Closed
        }
    }
}

/// A certification plan, as `GET /api/v1/plans` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// Stable identifier, safe in URLs.
    pub id: String,
    /// 认定计划名称, which the candidate checks before clicking 报名.
    pub name: String,
    pub occupation: Occupation,
    pub level: Level,
    /// Registration opens (inclusive).
    pub opens_at: Timestamp,
    /// Registration closes (exclusive): no new application and no 报名 from then on.
    pub closes_at: Timestamp,
    /// 补正截止 (exclusive): until then a rejected application may still be corrected and
    /// sent again with 重新提交, also after `closes_at`; never before `closes_at`.
    pub corrections_close_at: Timestamp,
    /// The fee in fen (分); the only source of the amount to pay.
    pub fee_fen: u64,
    /// The window's state when the backend answered.
    pub state: PlanState,
}

/// What a plan's dates allow at an instant: the one copy of the rule for the backend (which
/// refuses with `plan_not_open`) and the web app (which says so before the candidate tries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    pub corrections_close_at: Timestamp,
}

impl Deadlines {
    /// Whether a new application may be made, or a draft submitted (报名), at `now`.
    pub fn takes_registrations(&self, now: Timestamp) -> bool {
        PlanState::at(now, self.opens_at, self.closes_at) == PlanState::Open
    }

    /// Whether a rejected application may be resubmitted (重新提交) at `now`.
    pub fn takes_corrections(&self, now: Timestamp) -> bool {
        self.opens_at <= now && now < self.corrections_close_at
    }
}

impl Plan {
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            corrections_close_at: self.corrections_close_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_end_at_the_close_and_corrections_at_their_deadline() {
        let d = Deadlines {
            opens_at: Timestamp(100),
            closes_at: Timestamp(200),
            corrections_close_at: Timestamp(300),
        };
        assert!(!d.takes_registrations(Timestamp(99)));
        assert!(d.takes_registrations(Timestamp(100)));
        assert!(d.takes_registrations(Timestamp(199)));
        assert!(!d.takes_registrations(Timestamp(200)));
        assert!(!d.takes_corrections(Timestamp(99)));
        assert!(d.takes_corrections(Timestamp(250)));
        assert!(d.takes_corrections(Timestamp(299)));
        assert!(!d.takes_corrections(Timestamp(300)));
    }

    #[test]
    fn window_is_half_open() {
        let (o, c) = (Timestamp(100), Timestamp(200));
        assert_eq!(PlanState::at(Timestamp(99), o, c), PlanState::Upcoming);
        assert_eq!(PlanState::at(Timestamp(100), o, c), PlanState::Open);
        assert_eq!(PlanState::at(Timestamp(199), o, c), PlanState::Open);
        assert_eq!(PlanState::at(Timestamp(200), o, c), PlanState::Closed);
    }
}
