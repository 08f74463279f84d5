//! Data access: the SQL for each area lives here, one module per table group, so handlers
//! and the seed never spell SQL themselves.

pub mod accounts;
pub mod applications;
pub mod documents;
pub mod idempotency;
pub mod orders;
pub mod outbox;
pub mod plans;
pub mod reviews;
pub mod sessions;
pub mod sms_codes;

use rusqlite::types::Type;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The contract's JSON name of a unit enum (`ecommerce_specialist`). Stored in TEXT columns
/// so the database reads like the API and no second name table can drift from the contract.
pub(crate) fn enum_to_sql<T: Serialize>(value: &T) -> rusqlite::Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(rusqlite::Error::ToSqlConversionFailure(
            format!("not a unit enum: {other}").into(),
        )),
        Err(e) => Err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))),
    }
}

/// The inverse of [`enum_to_sql`]; `column` is only for the error message.
pub(crate) fn enum_from_sql<T: DeserializeOwned>(
    column: usize,
    text: String,
) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoming_contract::occupation::Occupation;
    use baoming_contract::plan::Level;

    #[test]
    fn enums_use_their_contract_names() {
        assert_eq!(
            enum_to_sql(&Occupation::InternetMarketer).unwrap(),
            "internet_marketer"
        );
        let level = enum_to_sql(&Level::Level2).unwrap();
        assert_eq!(enum_from_sql::<Level>(0, level).unwrap(), Level::Level2);
        let back: Occupation = enum_from_sql(0, "ecommerce_specialist".into()).unwrap();
        assert_eq!(back, Occupation::EcommerceSpecialist);
        assert!(enum_from_sql::<Occupation>(0, "plumber".into()).is_err());
    }
}
