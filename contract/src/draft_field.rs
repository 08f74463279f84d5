//! The names of a draft's fields: the one list the backend's checks, the wizard's errors,
//! reviewers' reasons and the web app's labels share.
//!
//! On the wire a field is its JSON path in [`crate::api::Draft`]: `id_number`,
//! `certificate.issued_on`, `history.1` (a whole row), `history.1.unit`. [`DraftField`]
//! reads and writes exactly those strings; code names fields by the enums, so a field that
//! is added, renamed or removed is a compile error wherever it is handled.

use crate::application::Step;

/// A top-level field of the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Identity,
    Condition,
    Name,
    Gender,
    IdNumber,
    Education,
    Phone,
    Employer,
    EmployerAddress,
    EmployerHrPhone,
    CurrentPost,
    CurrentPostYears,
    Certificate,
    History,
}

impl Field {
    /// In the wizard's order.
    pub const ALL: [Field; 14] = [
        Field::Name,
        Field::Gender,
        Field::IdNumber,
        Field::Phone,
        Field::Education,
        Field::Identity,
        Field::Condition,
        Field::Employer,
        Field::EmployerAddress,
        Field::EmployerHrPhone,
        Field::CurrentPost,
        Field::CurrentPostYears,
        Field::Certificate,
        Field::History,
    ];

    /// Its JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Identity => "identity",
            Field::Condition => "condition",
            Field::Name => "name",
            Field::Gender => "gender",
            Field::IdNumber => "id_number",
            Field::Education => "education",
            Field::Phone => "phone",
            Field::Employer => "employer",
            Field::EmployerAddress => "employer_address",
            Field::EmployerHrPhone => "employer_hr_phone",
            Field::CurrentPost => "current_post",
            Field::CurrentPostYears => "current_post_years",
            Field::Certificate => "certificate",
            Field::History => "history",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The wizard step where it is filled in.
    pub fn step(self) -> Step {
        match self {
            Field::Name | Field::Gender | Field::IdNumber | Field::Phone | Field::Education => {
                Step::Basic
            }
            Field::Identity => Step::Identity,
            Field::Condition
            | Field::Employer
            | Field::EmployerAddress
            | Field::EmployerHrPhone
            | Field::CurrentPost
            | Field::CurrentPostYears
            | Field::Certificate
            | Field::History => Step::Details,
        }
    }
}

/// A field of the existing certificate (conditions that need one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CertificateField {
    NameAndLevel,
    Number,
    IssuedOn,
    Issuer,
}

impl CertificateField {
    pub const ALL: [CertificateField; 4] = [
        CertificateField::NameAndLevel,
        CertificateField::Number,
        CertificateField::IssuedOn,
        CertificateField::Issuer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CertificateField::NameAndLevel => "name_and_level",
            CertificateField::Number => "number",
            CertificateField::IssuedOn => "issued_on",
            CertificateField::Issuer => "issuer",
        }
    }
}

/// A field of a row of the work and training history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HistoryField {
    Start,
    End,
    Unit,
    Occupation,
    Witness,
}

impl HistoryField {
    pub const ALL: [HistoryField; 5] = [
        HistoryField::Start,
        HistoryField::End,
        HistoryField::Unit,
        HistoryField::Occupation,
        HistoryField::Witness,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HistoryField::Start => "start",
            HistoryField::End => "end",
            HistoryField::Unit => "unit",
            HistoryField::Occupation => "occupation",
            HistoryField::Witness => "witness",
        }
    }
}

/// Rows a path may name: `history.0` to `history.999` (a draft holds far fewer).
const MAX_ROW_DIGITS: usize = 3;

/// Any field of a draft, down to a certificate's or a history row's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DraftField {
    /// A top-level field (`certificate` and `history` as a whole).
    Top(Field),
    /// `certificate.<field>`.
    Certificate(CertificateField),
    /// `history.<row>`: a whole row.
    HistoryRow(usize),
    /// `history.<row>.<field>`.
    History(usize, HistoryField),
}

impl DraftField {
    /// Reads a JSON path; `None` for anything that is not a draft field (row numbers are
    /// plain decimals, without leading zeros).
    pub fn parse(path: &str) -> Option<DraftField> {
        let mut parts = path.split('.');
        let field = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(top), None, None, None) => DraftField::Top(Field::from_name(top)?),
            (Some("certificate"), Some(sub), None, None) => DraftField::Certificate(
                CertificateField::ALL
                    .into_iter()
                    .find(|f| f.name() == sub)?,
            ),
            (Some("history"), Some(row), sub, None) => {
                let plain = !row.is_empty()
                    && row.len() <= MAX_ROW_DIGITS
                    && row.bytes().all(|b| b.is_ascii_digit())
                    && (row == "0" || !row.starts_with('0'));
                if !plain {
                    return None;
                }
                let row = row.parse().ok()?;
                match sub {
                    None => DraftField::HistoryRow(row),
                    Some(sub) => DraftField::History(
                        row,
                        HistoryField::ALL.into_iter().find(|f| f.name() == sub)?,
                    ),
                }
            }
            _ => return None,
        };
        Some(field)
    }

    /// Its JSON path.
    pub fn path(self) -> String {
        match self {
            DraftField::Top(field) => field.name().to_owned(),
            DraftField::Certificate(field) => format!("certificate.{}", field.name()),
            DraftField::HistoryRow(row) => format!("history.{row}"),
            DraftField::History(row, field) => format!("history.{row}.{}", field.name()),
        }
    }

    /// The top-level field it is part of.
    pub fn top(self) -> Field {
        match self {
            DraftField::Top(field) => field,
            DraftField::Certificate(_) => Field::Certificate,
            DraftField::HistoryRow(_) | DraftField::History(..) => Field::History,
        }
    }

    /// The wizard step where it is filled in.
    pub fn step(self) -> Step {
        self.top().step()
    }
}

impl From<Field> for DraftField {
    fn from(field: Field) -> DraftField {
        DraftField::Top(field)
    }
}

impl std::fmt::Display for DraftField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_reads_back_as_written() {
        let mut fields: Vec<DraftField> = Field::ALL.into_iter().map(DraftField::Top).collect();
        fields.extend(CertificateField::ALL.map(DraftField::Certificate));
        fields.extend([DraftField::HistoryRow(0), DraftField::HistoryRow(29)]);
        fields.extend(HistoryField::ALL.map(|f| DraftField::History(12, f)));
        for field in fields {
            assert_eq!(DraftField::parse(&field.path()), Some(field), "{field}");
        }
    }

    #[test]
    fn the_wire_names_are_the_drafts_json_names() {
        // A draft serialised to JSON has exactly the top-level names, and its certificate and
        // history rows the sub-field names.
        let draft = crate::application::example_draft("13800138000");
        let json = serde_json::to_value(&draft).unwrap();
        let object = json.as_object().unwrap();
        let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut ours: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
        ours.sort_unstable();
        assert_eq!(names, ours);
        let row = json["history"][0].as_object().unwrap();
        let mut row_names: Vec<&str> = row.keys().map(String::as_str).collect();
        row_names.sort_unstable();
        let mut ours: Vec<&str> = HistoryField::ALL.iter().map(|f| f.name()).collect();
        ours.sort_unstable();
        assert_eq!(row_names, ours);
        let mut draft = draft;
        draft.certificate = Some(crate::api::Certificate {
            name_and_level: "x".into(),
            number: "x".into(),
            issued_on: "x".into(),
            issuer: "x".into(),
        });
        let json = serde_json::to_value(&draft).unwrap();
        let mut cert_names: Vec<&str> = json["certificate"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        cert_names.sort_unstable();
        let mut ours: Vec<&str> = CertificateField::ALL.iter().map(|f| f.name()).collect();
        ours.sort_unstable();
        assert_eq!(cert_names, ours);
    }

    #[test]
    fn what_is_not_a_draft_field_is_refused() {
        for bad in [
            "",
            "nom",
            "documents",
            "documents.portrait",
            "certificate.",
            "certificate.colour",
            "certificate.number.x",
            "history.",
            "history.01",
            "history.1000",
            "history.-1",
            "history.1.colour",
            "history.1.unit.x",
            "name.first",
        ] {
            assert_eq!(DraftField::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn fields_know_their_step() {
        assert_eq!(DraftField::parse("phone").unwrap().step(), Step::Basic);
        assert_eq!(
            DraftField::parse("identity").unwrap().step(),
            Step::Identity
        );
        assert_eq!(
            DraftField::parse("history.2.unit").unwrap().step(),
            Step::Details
        );
        assert_eq!(
            DraftField::parse("certificate.issued_on").unwrap().step(),
            Step::Details
        );
    }
}
