//! First-start data: the seed's two level-2 plans.
//!
//! The seed's own window (2026-11-01 to 2027-01-31) would be closed, or not yet open, on most
//! days the product is tried or tested. So the window is placed around the day the database
//! is created instead: from the first day of the previous month for four months, which keeps
//! a fresh database's plans open for at least two months. The period in the name follows the
//! same day (`2026年第4期` in October to December 2026).

use baoming_contract::occupation::Occupation;
use baoming_contract::plan::Level;
use baoming_contract::time::{Date, Timestamp};
use rusqlite::Connection;

use crate::store::plans::{self, StoredPlan};

/// The fee of the seeded plans, ¥300.00.
pub const SEED_FEE_FEN: u64 = 30_000;

/// Months the seeded window starts before the current month.
const WINDOW_LEAD_MONTHS: i32 = 1;
/// Length of the seeded window in months.
const WINDOW_MONTHS: i32 = 4;
/// How long after registration closes a rejected application may still be corrected and
/// resubmitted: a week, enough for a reviewer's decision on an application sent on the last
/// day (2 working days, per the guide) and a few days to fix what they name.
pub const CORRECTION_DAYS: i64 = 7;

/// The seeded plans' registration window and period, derived from one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedWindow {
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    pub year: i32,
    /// 1..=4
    pub quarter: u8,
}

impl SeedWindow {
    /// The window for a database created at `now` (dates in China Standard Time).
    pub fn around(now: Timestamp) -> SeedWindow {
        let today = now.date_cst();
        let opens = first_of_month_offset(today.year(), today.month(), -WINDOW_LEAD_MONTHS);
        let closes = first_of_month_offset(opens.year(), opens.month(), WINDOW_MONTHS);
        SeedWindow {
            opens_at: Timestamp::start_of_day_cst(opens),
            closes_at: Timestamp::start_of_day_cst(closes),
            year: today.year(),
            quarter: (today.month() - 1) / 3 + 1,
        }
    }

    /// `2026q4`, for ids.
    pub fn slug(&self) -> String {
        format!("{}q{}", self.year, self.quarter)
    }
}

/// The first day of the month `delta` months after `year`-`month`.
fn first_of_month_offset(year: i32, month: u8, delta: i32) -> Date {
    let index = year * 12 + i32::from(month) - 1 + delta;
    let (y, m) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    // `m` is 1..=12 and day 1 exists in every month, so this cannot fail.
    Date::new(y, m as u8, 1).unwrap_or_else(|| unreachable!("first of month {y}-{m}"))
}

fn id_prefix(occupation: Occupation) -> &'static str {
    match occupation {
        Occupation::EcommerceSpecialist => "ecommerce",
        Occupation::InternetMarketer => "marketer",
    }
}

/// The plans a fresh database starts with at `now`.
pub fn seed_plans(now: Timestamp) -> Vec<StoredPlan> {
    let window = SeedWindow::around(now);
    let level = Level::Level2;
    Occupation::ALL
        .into_iter()
        .map(|occupation| StoredPlan {
            id: format!("{}-l2-{}", id_prefix(occupation), window.slug()),
            // The seed's wording: 2026年第4期电子商务师(网商)二级职业技能等级认定
            name: format!(
                "{}年第{}期{}{}职业技能等级认定",
                window.year,
                window.quarter,
                occupation.with_work_type_zh(),
                level.name_zh()
            ),
            occupation,
            level,
            opens_at: window.opens_at,
            closes_at: window.closes_at,
            corrections_close_at: Timestamp(window.closes_at.0 + CORRECTION_DAYS * 86_400),
            fee_fen: SEED_FEE_FEN,
        })
        .collect()
}

/// Inserts [`seed_plans`] when the plans table is empty; returns how many were inserted.
/// Runs in one transaction so a crash cannot leave one plan of the pair.
pub fn seed_if_empty(conn: &mut Connection, now: Timestamp) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    if plans::count(&tx)? > 0 {
        return Ok(0);
    }
    let seeded = seed_plans(now);
    for plan in &seeded {
        plans::insert(&tx, plan, now)?;
    }
    tx.commit()?;
    tracing::info!(plans = seeded.len(), "seeded the plans table");
    Ok(seeded.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str) -> Timestamp {
        Timestamp::parse_rfc3339(date).unwrap()
    }

    #[test]
    fn window_starts_a_month_back_and_lasts_four_months() {
        let w = SeedWindow::around(at("2026-11-28T10:00:00+08:00"));
        assert_eq!(w.opens_at.to_rfc3339(), "2026-10-01T00:00:00+08:00");
        assert_eq!(w.closes_at.to_rfc3339(), "2027-02-01T00:00:00+08:00");
        assert_eq!(w.slug(), "2026q4");
    }

    #[test]
    fn window_crosses_year_ends_in_china_time() {
        // 2026-12-31T20:00Z is already 2027-01-01 in Beijing.
        let w = SeedWindow::around(at("2026-12-31T20:00:00Z"));
        assert_eq!(w.opens_at.to_rfc3339(), "2026-12-01T00:00:00+08:00");
        assert_eq!(w.closes_at.to_rfc3339(), "2027-04-01T00:00:00+08:00");
        assert_eq!((w.year, w.quarter), (2027, 1));

        let w = SeedWindow::around(at("2027-01-15T12:00:00+08:00"));
        assert_eq!(w.opens_at.to_rfc3339(), "2026-12-01T00:00:00+08:00");
    }

    #[test]
    fn quarters_follow_the_month() {
        for (date, q) in [
            ("2026-01-01", 1),
            ("2026-03-31", 1),
            ("2026-04-01", 2),
            ("2026-09-30", 3),
            ("2026-10-01", 4),
        ] {
            let w = SeedWindow::around(at(&format!("{date}T12:00:00+08:00")));
            assert_eq!(w.quarter, q, "{date}");
        }
    }

    #[test]
    fn seed_plans_use_the_seed_wording() {
        let plans = seed_plans(at("2026-11-28T10:00:00+08:00"));
        let names: Vec<_> = plans.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "2026年第4期电子商务师(网商)二级职业技能等级认定",
                "2026年第4期互联网营销师(直播销售员)二级职业技能等级认定",
            ]
        );
        let ids: Vec<_> = plans.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["ecommerce-l2-2026q4", "marketer-l2-2026q4"]);
        assert!(
            plans
                .iter()
                .all(|p| p.fee_fen == 30_000 && p.level == Level::Level2)
        );
    }
}
