//! The browser's clock, in the contract's types.

use baoming_contract::time::{Date, Timestamp};

/// Now, in whole seconds.
pub fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0) as i64)
}

/// Today in China Standard Time (the day the rules judge dates against).
pub fn today_cst() -> Date {
    now().date_cst()
}
