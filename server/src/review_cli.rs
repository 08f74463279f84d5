//! `baoming-server review`: the reviewer's command-line tool over the admin API.
//!
//! ```text
//! baoming-server review --url http://127.0.0.1:8787 --token T list [--status under_review]
//! baoming-server review show <id>
//! baoming-server review approve <id>
//! baoming-server review reject <id> --reason "portrait:背景不是白色" \
//!     --reason "field:id_number:身份证号有误" --reason "general:请补充社保证明"
//! baoming-server review ticket <id>
//! baoming-server review refund <id> --reason "考生申请退考"
//! ```
//!
//! A reason is `<slot>:<message>` or `document:<slot>:<message>` for an upload slot,
//! `field:<draft field>:<message>` for a field of the form, `general:<message>` for the
//! application as a whole. The token may also come from `BAOMING_REVIEWER_TOKEN` and the
//! URL from `BAOMING_REVIEW_URL`.
//!
//! clap parses the command line into [`ReviewArgs`] (a subcommand of [`crate::cli`]);
//! [`ReviewArgs::resolve`] adds the environment, read through a lookup function.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, bail};
use baoming_contract::api::{
    AdminApplication, AdminApplicationList, Application, DecisionKind, DecisionRequest,
    ReviewReason, ReviewTarget,
};
use baoming_contract::eligibility::Material;
use baoming_contract::error::ErrorEnvelope;
use baoming_contract::photo_warning::PhotoWarning;
use baoming_contract::status::ApplicationStatus;

/// The backend `--url` defaults to: a server started with its default `--listen`.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8787";

/// Printed after the commands and options in `review --help`.
pub const REASON_HELP: &str = "\
A REASON is `<slot>:<message>` or `document:<slot>:<message>` (slot: portrait, id_card_front,
...), `field:<field>:<message>` (field: id_number, history.1.unit, ...) or `general:<message>`.";

/// The `review` command line: the options go before or after the command.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
#[command(after_help = REASON_HELP, subcommand_value_name = "COMMAND")]
pub struct ReviewArgs {
    /// The backend [env: BAOMING_REVIEW_URL] (default http://127.0.0.1:8787)
    #[arg(long, global = true, value_name = "URL", value_parser = base_url)]
    pub url: Option<String>,
    /// A reviewer token [env: BAOMING_REVIEWER_TOKEN]
    #[arg(
        long,
        global = true,
        value_name = "TOKEN",
        allow_hyphen_values = true,
        value_parser = not_blank
    )]
    pub token: Option<String>,
    #[command(subcommand)]
    pub command: ReviewCommand,
}

/// The commands of `review`, as typed; [`Action`] is what they ask for.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum ReviewCommand {
    /// Applications, oldest submission first
    List {
        /// Only those in STATUS: under_review, rejected,
        /// awaiting_payment, paid, ticket_ready, refunded, draft
        #[arg(long, value_name = "STATUS", verbatim_doc_comment, value_parser = status)]
        status: Option<ApplicationStatus>,
    },
    /// One application with its form, documents and timeline
    Show {
        /// The application's id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// 审核通过 (→ awaiting_payment)
    Approve {
        /// The application's id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// 审核不通过 with one or more reasons (→ rejected)
    #[command(after_help = REASON_HELP)]
    Reject {
        /// The application's id
        #[arg(value_name = "ID")]
        id: String,
        /// Why, repeatable (see below)
        #[arg(
            long = "reason",
            value_name = "REASON",
            required = true,
            allow_hyphen_values = true,
            value_parser = parse_reason
        )]
        reasons: Vec<ReviewReason>,
    },
    /// 准考证 ready (paid → ticket_ready)
    Ticket {
        /// The application's id
        #[arg(value_name = "ID")]
        id: String,
    },
    /// 退款: return the whole fee of a paid application (→ refunded)
    Refund {
        /// The application's id
        #[arg(value_name = "ID")]
        id: String,
        /// Why, at most 80 characters; exactly one
        // A list, to refuse a second one: a repeated option otherwise replaces the first
        // (`args_override_self` in crate::cli).
        #[arg(
            long = "reason",
            value_name = "TEXT",
            required = true,
            allow_hyphen_values = true,
            value_parser = refund_reason
        )]
        reasons: Vec<String>,
    },
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    List {
        status: Option<ApplicationStatus>,
    },
    Show {
        id: String,
    },
    Approve {
        id: String,
    },
    Reject {
        id: String,
        reasons: Vec<ReviewReason>,
    },
    Ticket {
        id: String,
    },
    Refund {
        id: String,
        reason: String,
    },
}

/// A parsed `review` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The backend's base URL, without `/api/v1`.
    pub url: String,
    pub token: String,
    pub action: Action,
}

impl ReviewArgs {
    /// The invocation of these arguments with `env` looking up environment variables
    /// (`BAOMING_REVIEW_URL`, `BAOMING_REVIEWER_TOKEN`); the options win.
    pub fn resolve(self, env: impl Fn(&str) -> Option<String>) -> Result<Invocation, String> {
        let set = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let url = match self.url {
            Some(url) => url,
            None => match set("BAOMING_REVIEW_URL") {
                Some(url) => base_url(&url)?,
                None => DEFAULT_URL.to_owned(),
            },
        };
        let action = match self.command {
            ReviewCommand::List { status } => Action::List { status },
            ReviewCommand::Show { id } => Action::Show { id },
            ReviewCommand::Approve { id } => Action::Approve { id },
            ReviewCommand::Reject { id, reasons } => Action::Reject { id, reasons },
            ReviewCommand::Ticket { id } => Action::Ticket { id },
            ReviewCommand::Refund { id, mut reasons } => match (reasons.pop(), reasons.len()) {
                (Some(reason), 0) => Action::Refund { id, reason },
                _ => return Err("refund needs exactly one --reason".to_owned()),
            },
        };
        let token = self
            .token
            .or_else(|| set("BAOMING_REVIEWER_TOKEN"))
            .ok_or("a reviewer token is needed: --token or BAOMING_REVIEWER_TOKEN")?;
        Ok(Invocation { url, token, action })
    }
}

/// `--url`: an http(s) URL, without the trailing slash.
fn base_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/').to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("--url `{url}` must start with http:// or https://"));
    }
    Ok(url)
}

/// A value that is more than white space.
fn not_blank(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        Err("a value is needed".to_owned())
    } else {
        Ok(value.to_owned())
    }
}

/// `--status`: a status as the API names it.
fn status(text: &str) -> Result<ApplicationStatus, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("unknown status `{text}`"))
}

/// A refund's `--reason`: 1 to 80 characters, trimmed.
fn refund_reason(text: &str) -> Result<String, String> {
    if baoming_contract::api::refund_reason_ok(text) {
        Ok(text.trim().to_owned())
    } else {
        Err(format!(
            "a refund reason has 1 to {} characters",
            baoming_contract::api::REFUND_REASON_MAX_CHARS
        ))
    }
}

/// Parses one `--reason` of `reject` (see [`REASON_HELP`]).
pub fn parse_reason(text: &str) -> Result<ReviewReason, String> {
    let bad = || {
        format!(
            "reason `{text}` must be <slot>:<message>, document:<slot>:<message>, \
             field:<field>:<message> or general:<message>"
        )
    };
    let (kind, rest) = text.split_once(':').ok_or_else(bad)?;
    let (target, message) = match kind.trim() {
        "general" => (ReviewTarget::General, rest),
        "field" => {
            let (name, message) = rest.split_once(':').ok_or_else(bad)?;
            (ReviewTarget::Field(name.trim().to_owned()), message)
        }
        "document" => {
            let (slot, message) = rest.split_once(':').ok_or_else(bad)?;
            let material = Material::from_slug(slot.trim())
                .ok_or_else(|| format!("unknown upload slot `{slot}`"))?;
            (ReviewTarget::Document(material), message)
        }
        slot => match Material::from_slug(slot) {
            Some(material) => (ReviewTarget::Document(material), rest),
            None => return Err(bad()),
        },
    };
    let message = message.trim();
    if message.is_empty() {
        return Err(format!("reason `{text}` has no message"));
    }
    Ok(ReviewReason {
        target,
        message: message.to_owned(),
    })
}

/// Runs the action against the backend and returns what to print.
pub fn run(invocation: &Invocation) -> anyhow::Result<String> {
    let client = Client::new(invocation);
    match &invocation.action {
        Action::List { status } => {
            let query = match status {
                Some(s) => format!(
                    "?status={}",
                    serde_json::to_value(s)?.as_str().unwrap_or_default()
                ),
                None => String::new(),
            };
            let list: AdminApplicationList =
                client.call("GET", &format!("/admin/applications{query}"), None)?;
            Ok(list_table(&list.applications))
        }
        Action::Show { id } => {
            let shown: AdminApplication = client.call(
                "GET",
                &format!("/admin/applications/{}", path_part(id)),
                None,
            )?;
            Ok(show_text(&shown, &invocation.url))
        }
        Action::Approve { id } => decide(&client, id, DecisionKind::Approve, Vec::new()),
        Action::Reject { id, reasons } => {
            decide(&client, id, DecisionKind::Reject, reasons.clone())
        }
        Action::Ticket { id } => {
            let app: Application = client.call(
                "POST",
                &format!("/admin/applications/{}/admission-ticket", path_part(id)),
                Some(String::new()),
            )?;
            Ok(status_line(&app))
        }
        Action::Refund { id, reason } => {
            let body = serde_json::to_string(&baoming_contract::api::RefundOrderRequest {
                reason: reason.clone(),
            })?;
            let order: baoming_contract::api::Order = client.call(
                "POST",
                &format!("/admin/applications/{}/refund", path_part(id)),
                Some(body),
            )?;
            Ok(format!(
                "{}: order {} {} ({} fen)\n",
                id,
                order.order_no,
                match (order.status, order.notice) {
                    (baoming_contract::api::OrderStatus::Refunded, _) => "已退款 (refunded)",
                    (_, Some(baoming_contract::api::PaymentNotice::RefundPending)) => {
                        "退款处理中 (refund pending)"
                    }
                    _ => "未退款 (not refunded)",
                },
                order.amount_fen
            ))
        }
    }
}

fn decide(
    client: &Client,
    id: &str,
    decision: DecisionKind,
    reasons: Vec<ReviewReason>,
) -> anyhow::Result<String> {
    let body = serde_json::to_string(&DecisionRequest { decision, reasons })?;
    let app: Application = client.call(
        "POST",
        &format!("/admin/applications/{}/decision", path_part(id)),
        Some(body),
    )?;
    Ok(status_line(&app))
}

/// Ids are hex; anything else is percent-encoded rather than trusted in a path.
fn path_part(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn status_line(app: &Application) -> String {
    format!(
        "{}: {} ({})\n",
        app.id,
        app.status.label_zh(),
        enum_name(&app.status)
    )
}

fn enum_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Columns a terminal gives the text: CJK and full-width characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// Left-aligned columns separated by two spaces.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(display_width(cell));
            }
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths.get(i).copied().unwrap_or(0)
                - display_width(cell).min(widths.get(i).copied().unwrap_or(0));
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn submitted_at(app: &Application) -> String {
    app.events
        .iter()
        .rev()
        .find(|e| e.status == ApplicationStatus::UnderReview)
        .map(|e| e.at.to_rfc3339())
        .unwrap_or_else(|| "-".to_owned())
}

/// The `list` table.
pub fn list_table(applications: &[AdminApplication]) -> String {
    if applications.is_empty() {
        return "no applications\n".to_owned();
    }
    let rows: Vec<Vec<String>> = applications
        .iter()
        .map(|a| {
            let app = &a.application;
            vec![
                app.id.clone(),
                a.candidate_phone.clone(),
                if app.draft.name.is_empty() {
                    "-".to_owned()
                } else {
                    app.draft.name.clone()
                },
                app.plan_id.clone(),
                enum_name(&app.status),
                submitted_at(app),
            ]
        })
        .collect();
    table(
        &["ID", "PHONE", "NAME", "PLAN", "STATUS", "SUBMITTED"],
        &rows,
    )
}

fn target_text(target: &ReviewTarget) -> String {
    match target {
        ReviewTarget::Field(name) => format!("field {name}"),
        ReviewTarget::Document(m) => format!("document {} ({})", m.slug(), m.label_zh()),
        ReviewTarget::General => "general".to_owned(),
    }
}

/// The warnings of the browser's photo checks the candidate uploaded a file with
/// (`too_dark,blurry`); `-` for none.
fn findings_text(findings: &[PhotoWarning]) -> String {
    if findings.is_empty() {
        "-".to_owned()
    } else {
        PhotoWarning::list(findings)
    }
}

/// The `show` text.
pub fn show_text(shown: &AdminApplication, base_url: &str) -> String {
    let app = &shown.application;
    let d = &app.draft;
    let mut out = String::new();
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    let facts = vec![
        vec!["ID".to_owned(), app.id.clone()],
        vec!["PLAN".to_owned(), app.plan_id.clone()],
        vec![
            "STATUS".to_owned(),
            format!("{} ({})", enum_name(&app.status), app.status.label_zh()),
        ],
        vec!["PHONE".to_owned(), shown.candidate_phone.clone()],
        vec!["NAME".to_owned(), or_dash(&d.name)],
        vec!["ID NUMBER".to_owned(), or_dash(&d.id_number)],
        vec![
            "CONDITION".to_owned(),
            d.condition
                .map(|c| c.number().to_string())
                .unwrap_or_else(|| "-".to_owned()),
        ],
        vec!["EMPLOYER".to_owned(), or_dash(&d.employer)],
        vec!["CURRENT POST".to_owned(), or_dash(&d.current_post)],
    ];
    out.push_str(&table(&["FIELD", "VALUE"], &facts));
    if !d.history.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = d
            .history
            .iter()
            .enumerate()
            .map(|(i, h)| {
                vec![
                    i.to_string(),
                    h.start.clone(),
                    or_dash(&h.end),
                    h.unit.clone(),
                    h.occupation.clone(),
                    h.witness.clone(),
                ]
            })
            .collect();
        out.push_str(&table(
            &["#", "START", "END", "UNIT", "OCCUPATION", "WITNESS"],
            &rows,
        ));
    }
    out.push('\n');
    if app.documents.is_empty() {
        out.push_str("no documents\n");
    } else {
        let rows: Vec<Vec<String>> = app
            .documents
            .iter()
            .map(|doc| {
                vec![
                    doc.material.slug().to_owned(),
                    doc.material.label_zh().to_owned(),
                    doc.content_type.clone(),
                    doc.size_bytes.to_string(),
                    findings_text(&doc.findings),
                    format!(
                        "{base_url}/api/v1/admin/applications/{}/documents/{}",
                        app.id,
                        doc.material.slug()
                    ),
                ]
            })
            .collect();
        out.push_str(&table(
            &["SLOT", "LABEL", "TYPE", "BYTES", "WARNINGS", "URL"],
            &rows,
        ));
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = app
        .events
        .iter()
        .map(|e| {
            vec![
                e.at.to_rfc3339(),
                enum_name(&e.status),
                e.status.label_zh().to_owned(),
            ]
        })
        .collect();
    out.push_str(&table(&["AT", "STATUS", "状态"], &rows));
    if !app.review_reasons.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = app
            .review_reasons
            .iter()
            .map(|r| vec![target_text(&r.target), r.message.clone()])
            .collect();
        out.push_str(&table(&["REASON FOR", "MESSAGE"], &rows));
    }
    if let Some(at) = app.expected_decision_by {
        let _ = writeln!(out, "\nexpected decision by {}", at.to_rfc3339());
    }
    out
}

struct Client {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Client {
    fn new(invocation: &Invocation) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("baoming-review/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client {
            agent,
            base: format!("{}/api/v1", invocation.url),
            token: invocation.token.clone(),
        }
    }

    fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let builder = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Accept", "application/json");
        let request = match body {
            Some(body) => builder
                .header("Content-Type", "application/json")
                .body(body)
                .context("cannot build the request")?,
            None => builder
                .body(String::new())
                .context("cannot build the request")?,
        };
        let mut response = self
            .agent
            .run(request)
            .with_context(|| format!("{method} {url}: no answer"))?;
        let status = response.status();
        let text = response
            .body_mut()
            .read_to_string()
            .with_context(|| format!("{method} {url}: cannot read the answer"))?;
        if !status.is_success() {
            match serde_json::from_str::<ErrorEnvelope>(&text) {
                Ok(envelope) => {
                    let e = envelope.error;
                    let mut message =
                        format!("{} {}: {}", status.as_u16(), enum_name(&e.code), e.message);
                    for (field, reason) in &e.fields {
                        let _ = write!(message, "\n  {field}: {reason}");
                    }
                    bail!(message)
                }
                Err(_) => bail!("{method} {url}: HTTP {}", status.as_u16()),
            }
        }
        serde_json::from_str(&text).with_context(|| format!("{method} {url}: unexpected answer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_prints_each_document_with_its_warnings() {
        use baoming_contract::api::{DocumentInfo, Draft};
        use baoming_contract::time::Timestamp;
        let doc = |material: Material, findings: &str| DocumentInfo {
            material,
            content_type: "image/jpeg".into(),
            size_bytes: 2048,
            sha256: "ab".repeat(32),
            uploaded_at: Timestamp(1_790_000_000),
            findings: PhotoWarning::parse_list(findings).unwrap(),
        };
        let shown = AdminApplication {
            candidate_phone: "13800138000".into(),
            application: Application {
                id: "app1".into(),
                plan_id: "plan1".into(),
                status: ApplicationStatus::UnderReview,
                version: 3,
                draft: Draft::default(),
                documents: vec![
                    doc(Material::Portrait, ""),
                    doc(Material::SocialInsuranceProof, "blurry,too_dark"),
                ],
                events: vec![],
                review_reasons: vec![],
                expected_decision_by: None,
                updated_at: Timestamp(1_790_000_000),
                submitted_draft: None,
            },
        };
        let text = show_text(&shown, "http://h");
        let line = |slot: &str| {
            text.lines()
                .find(|l| l.starts_with(slot))
                .unwrap_or_else(|| panic!("no {slot} line in\n{text}"))
                .split_whitespace()
                .collect::<Vec<_>>()
        };
        assert!(text.contains("WARNINGS"), "{text}");
        assert_eq!(line("portrait")[4], "-", "{text}");
        assert_eq!(
            line("social_insurance_proof")[4],
            "too_dark,blurry",
            "{text}"
        );
    }

    #[test]
    fn tables_align_wide_characters() {
        let t = table(
            &["A", "B"],
            &[
                vec!["张三".into(), "x".into()],
                vec!["abcde".into(), "y".into()],
            ],
        );
        assert_eq!(t, "A      B\n张三   x\nabcde  y\n");
        assert_eq!(path_part("ab-1/2"), "ab-1%2F2");
    }
}
