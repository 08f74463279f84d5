//! The photo-check findings an uploaded file carries. A file whose checks found only warnings
//! (too dark, blurry, a sideways ID card, …; see [`Finding::blocks`]) may be uploaded once
//! the candidate has seen them (仍然上传). The browser sends those warnings with the file, the
//! backend stores them with it and returns them in [`crate::api::DocumentInfo::findings`]: the
//! slot shows them again after a reload, 核对报名信息 shows them under the thumbnail, and the
//! reviewer sees what the candidate was told.
//!
//! The upload sends them in the query, codes separated by commas:
//! `PUT /applications/{id}/documents/{material}?findings=too_dark,blurry`
//! ([`FINDINGS_PARAM`], [`PhotoWarning::parse_list`]). A code that is not a warning's (a
//! blocking finding's included: such a file is never uploaded) is refused with 422
//! `validation_failed`, `fields.findings` = [`reason::UNKNOWN_FINDING`]; more codes than there
//! are kinds of warning with [`reason::TOO_MANY`]; a repeated code counts once.
//!
//! A warning's code is its finding's [`Finding::code`], in JSON too. Which findings are
//! warnings is [`Finding::blocks`]'s rule applied to [`Finding::EVERY_KIND`]: this module
//! keeps no list of its own.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::photo_check::Finding;
use crate::reason::Reason;

/// The query parameter of an upload that carries its warnings.
pub const FINDINGS_PARAM: &str = "findings";

/// Reasons in `fields.findings` of a refused upload.
pub mod reason {
    use crate::reason::Reason;

    /// A code that is not one of the warnings' (an unknown code, or a blocking finding's).
    pub const UNKNOWN_FINDING: &str = Reason::UnknownFinding.code();
    /// More codes than there are kinds of warning ([`super::PhotoWarning::KINDS`]).
    pub use crate::application::reason::TOO_MANY;
}

/// A finding that does not block the upload ([`Finding::blocks`] is false), carried by the
/// file it was found on. Its JSON is its code ([`PhotoWarning::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoWarning(Finding);

/// How many findings of [`Finding::EVERY_KIND`] are warnings.
const fn count_kinds() -> usize {
    let (mut i, mut n) = (0, 0);
    while i < Finding::EVERY_KIND.len() {
        if !Finding::EVERY_KIND[i].blocks() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The warnings of [`Finding::EVERY_KIND`], in its order.
const fn every_kind() -> [PhotoWarning; PhotoWarning::KINDS] {
    // Every place is overwritten below: exactly KINDS findings are warnings.
    let mut all = [PhotoWarning(Finding::Empty); PhotoWarning::KINDS];
    let (mut i, mut n) = (0, 0);
    while i < Finding::EVERY_KIND.len() {
        let finding = Finding::EVERY_KIND[i];
        if !finding.blocks() {
            all[n] = PhotoWarning(finding);
            n += 1;
        }
        i += 1;
    }
    assert!(n == PhotoWarning::KINDS);
    all
}

impl PhotoWarning {
    /// How many kinds of warning there are; a file carries at most this many.
    pub const KINDS: usize = count_kinds();
    /// Every kind, in the contract's order ([`Finding::EVERY_KIND`]'s): the order in which
    /// a file's warnings are stored and answered.
    pub const ALL: [PhotoWarning; PhotoWarning::KINDS] = every_kind();

    /// The finding as a warning; `None` when it blocks the upload.
    pub const fn new(finding: Finding) -> Option<PhotoWarning> {
        if finding.blocks() {
            None
        } else {
            Some(PhotoWarning(finding))
        }
    }

    /// The finding (for its message).
    pub fn finding(self) -> Finding {
        self.0
    }

    /// The stable code, [`Finding::code`].
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// The warning with this code; `None` for any other code (a blocking finding's too).
    pub fn from_code(code: &str) -> Option<PhotoWarning> {
        Self::ALL.into_iter().find(|w| w.code() == code)
    }

    fn rank(self) -> usize {
        Self::ALL
            .iter()
            .position(|w| *w == self)
            .unwrap_or(usize::MAX)
    }

    /// The warnings among a file's findings, each once, in the contract's order: what the
    /// browser sends with the file.
    pub fn of(findings: &[Finding]) -> Vec<PhotoWarning> {
        let mut warnings: Vec<PhotoWarning> = findings
            .iter()
            .filter_map(|f| PhotoWarning::new(*f))
            .collect();
        Self::tidy(&mut warnings);
        warnings
    }

    /// Each once, in the contract's order.
    fn tidy(warnings: &mut Vec<PhotoWarning>) {
        warnings.sort_by_key(|w| w.rank());
        warnings.dedup();
    }

    /// Reads the value of [`FINDINGS_PARAM`]: codes separated by commas (empty entries and
    /// spaces around a code are ignored). At most [`PhotoWarning::KINDS`] codes, each a
    /// warning's; a repeated code counts once. The answer is in the contract's order.
    pub fn parse_list(list: &str) -> Result<Vec<PhotoWarning>, WarningsError> {
        let mut warnings = Vec::new();
        for code in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if warnings.len() == Self::KINDS {
                return Err(WarningsError::TooMany);
            }
            warnings.push(PhotoWarning::from_code(code).ok_or(WarningsError::Unknown)?);
        }
        Self::tidy(&mut warnings);
        Ok(warnings)
    }

    /// The value of [`FINDINGS_PARAM`] for these warnings (also how a backend may store
    /// them): their codes in the contract's order, separated by commas; empty for none.
    pub fn list(warnings: &[PhotoWarning]) -> String {
        let mut warnings = warnings.to_vec();
        Self::tidy(&mut warnings);
        let codes: Vec<&str> = warnings.iter().map(|w| w.code()).collect();
        codes.join(",")
    }
}

/// Why a list of warnings is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningsError {
    /// A code that is not a warning's.
    Unknown,
    /// More codes than there are kinds.
    TooMany,
}

impl WarningsError {
    /// The reason in the error envelope's `fields`.
    pub fn reason(self) -> Reason {
        match self {
            WarningsError::Unknown => Reason::UnknownFinding,
            WarningsError::TooMany => Reason::TooMany,
        }
    }

    /// The reason in `fields.findings`.
    pub fn code(self) -> &'static str {
        self.reason().code()
    }
}

impl Serialize for PhotoWarning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for PhotoWarning {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        PhotoWarning::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown photo warning `{code}`")))
    }
}

/// Reads a list of warnings leaving out the codes this build does not know, so that a client
/// keeps working when a newer backend knows more kinds (as with unknown error codes).
pub fn deserialize_known<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<PhotoWarning>, D::Error> {
    let codes = Vec::<String>::deserialize(deserializer)?;
    Ok(codes
        .iter()
        .filter_map(|c| PhotoWarning::from_code(c))
        .collect())
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for PhotoWarning {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A warning of the browser's photo checks (a finding that does not block the \
                 upload) the file was uploaded with: the candidate saw it and chose to upload \
                 anyway. Findings that block an upload never appear.",
            ))
            .enum_values(Some(PhotoWarning::ALL.iter().map(|w| w.code())))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for PhotoWarning {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo_quality::PhotoProblem;

    #[test]
    fn the_warnings_are_the_findings_that_do_not_block() {
        let expected: Vec<Finding> = Finding::EVERY_KIND
            .into_iter()
            .filter(|f| !f.blocks())
            .collect();
        let all: Vec<Finding> = PhotoWarning::ALL.iter().map(|w| w.finding()).collect();
        assert_eq!(all, expected);
        assert_eq!(PhotoWarning::KINDS, 9);
        for finding in Finding::EVERY_KIND {
            assert_eq!(
                PhotoWarning::new(finding).is_some(),
                !finding.blocks(),
                "{finding:?}"
            );
            // A blocking finding's code is no warning's.
            assert_eq!(
                PhotoWarning::from_code(finding.code()).is_some(),
                !finding.blocks(),
                "{finding:?}"
            );
        }
        assert_eq!(
            PhotoWarning::new(Finding::Photo(PhotoProblem::TooDark)).map(PhotoWarning::code),
            Some("too_dark")
        );
        assert_eq!(PhotoWarning::new(Finding::Corrupt), None);
        assert_eq!(
            PhotoWarning::new(Finding::Photo(PhotoProblem::TooManyPixels)),
            None
        );
    }

    #[test]
    fn codes_round_trip_through_json() {
        let mut seen = std::collections::HashSet::new();
        for w in PhotoWarning::ALL {
            assert!(seen.insert(w.code()), "{} twice", w.code());
            let json = serde_json::to_value(w).unwrap();
            assert_eq!(json, serde_json::Value::String(w.code().to_owned()));
            assert_eq!(serde_json::from_value::<PhotoWarning>(json).unwrap(), w);
            assert_eq!(PhotoWarning::from_code(w.code()), Some(w));
        }
        assert!(serde_json::from_str::<PhotoWarning>(r#""corrupt""#).is_err());
        assert!(serde_json::from_str::<PhotoWarning>(r#""sunburnt""#).is_err());
    }

    #[test]
    fn lists_parse_collapse_and_keep_the_contract_order() {
        let dark = PhotoWarning::from_code("too_dark").unwrap();
        let blurry = PhotoWarning::from_code("blurry").unwrap();
        assert_eq!(PhotoWarning::parse_list(""), Ok(vec![]));
        assert_eq!(PhotoWarning::parse_list(" , ,"), Ok(vec![]));
        assert_eq!(
            PhotoWarning::parse_list("blurry, too_dark,too_dark"),
            Ok(vec![dark, blurry])
        );
        assert_eq!(
            PhotoWarning::list(&[blurry, dark, blurry]),
            "too_dark,blurry"
        );
        assert_eq!(PhotoWarning::list(&[]), "");
        let every: Vec<&str> = PhotoWarning::ALL.iter().map(|w| w.code()).collect();
        let every = every.join(",");
        assert_eq!(
            PhotoWarning::parse_list(&every),
            Ok(PhotoWarning::ALL.to_vec())
        );
        assert_eq!(PhotoWarning::list(&PhotoWarning::ALL), every);
        // Refusals.
        assert_eq!(
            PhotoWarning::parse_list("too_dark,sunburnt"),
            Err(WarningsError::Unknown)
        );
        assert_eq!(
            PhotoWarning::parse_list("corrupt"),
            Err(WarningsError::Unknown)
        );
        assert_eq!(
            PhotoWarning::parse_list("TOO_DARK"),
            Err(WarningsError::Unknown)
        );
        assert_eq!(
            PhotoWarning::parse_list(&format!("{every},too_dark")),
            Err(WarningsError::TooMany)
        );
        assert_eq!(WarningsError::Unknown.code(), "unknown_finding");
        assert_eq!(WarningsError::TooMany.code(), "too_many");
    }

    #[test]
    fn the_browser_sends_the_warnings_of_its_findings() {
        let findings = [
            Finding::Photo(PhotoProblem::Blurry),
            Finding::PortraitSize { bytes: 1 },
            Finding::Photo(PhotoProblem::TooDark),
            Finding::Photo(PhotoProblem::Blurry),
        ];
        let codes: Vec<&str> = PhotoWarning::of(&findings)
            .iter()
            .map(|w| w.code())
            .collect();
        assert_eq!(codes, ["too_dark", "blurry"]);
        assert!(PhotoWarning::of(&[Finding::Truncated]).is_empty());
    }

    #[test]
    fn unknown_codes_in_an_answer_are_left_out() {
        #[derive(Deserialize)]
        struct Doc {
            #[serde(deserialize_with = "deserialize_known")]
            findings: Vec<PhotoWarning>,
        }
        let doc: Doc =
            serde_json::from_str(r#"{"findings":["too_bright","from_the_future"]}"#).unwrap();
        assert_eq!(
            doc.findings,
            vec![PhotoWarning::from_code("too_bright").unwrap()]
        );
    }
}
