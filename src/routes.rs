//! Every path of the app, in one place. Views never spell a path as a string.

/// A page of the app. Paths are relative to the deployment's base (see `index.html`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRoute {
    /// 考试报名: the certification plans.
    Plans,
    /// 考生注册
    Register,
    /// 登录
    Login,
    /// 登录, then back to `next` (a path under the base, from [`safe_next`]).
    LoginThen { next: String },
    /// 忘记密码
    ForgotPassword,
    /// The four-step wizard for one plan.
    Apply { plan_id: String },
    /// 报名信息: the candidate's applications and their status.
    Applications,
    /// One step (1–4) of the wizard of an application.
    Wizard { id: String, step: u8 },
    /// 核对报名信息: everything the reviewer will see, before 报名 (or 重新提交).
    WizardCheck { id: String },
    /// A wizard step with one field or upload slot focused (from a reviewer's reason); `focus`
    /// is the element id: a draft field's JSON name or `upload-<slot>`.
    WizardFocus { id: String, step: u8, focus: String },
    /// The printable 申报表 of an application.
    PrintForm { id: String },
    /// One application's timeline.
    Application { id: String },
    /// 待缴费: the WeChat Pay page of one application.
    Pay { application_id: String },
}

/// The first path segment of every route other than `/`. `index.html`'s boot script finds
/// the deployment's base path by looking for these (a wasm test keeps the two in step).
pub const ROUTE_ROOTS: [&str; 6] = [
    "register",
    "login",
    "forgot-password",
    "apply",
    "applications",
    "pay",
];

/// The wizard's last page, after step ④: `/applications/{id}/step/check`.
pub const CHECK_STEP: &str = "check";

/// The roots of the routes only a logged-in candidate can see.
pub const PROTECTED_ROOTS: [&str; 3] = ["apply", "applications", "pay"];

/// Whether a path (relative to the router's base) needs a login.
pub fn is_protected(path: &str) -> bool {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .is_some_and(|root| PROTECTED_ROOTS.contains(&root))
}

/// The split points of the wasm ([`crate::lazy`]) whose chunks a page needs beyond the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk {
    /// The pages that are neither the core nor the wizard.
    Pages,
    /// The wizard's steps ①–③ and 核对报名信息.
    Wizard,
    /// The wizard's step ④.
    Documents,
}

/// The chunks the page at `path` (relative to the router's base) needs; none for the core's
/// pages (登录, 注册, 考试报名) and for paths that are no page.
pub fn chunks_of(path: &str) -> &'static [Chunk] {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let documents = (baoming_contract::application::Step::Documents as u8).to_string();
    match segments.as_slice() {
        ["applications", _, "step", step] if *step == documents => {
            &[Chunk::Wizard, Chunk::Documents]
        }
        ["applications", _, "step", _] => &[Chunk::Wizard],
        ["forgot-password"]
        | ["apply", _]
        | ["applications"]
        | ["applications", _]
        | ["applications", _, "form"]
        | ["pay", _] => &[Chunk::Pages],
        _ => &[],
    }
}

/// The entry of the header's navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavSection {
    /// 考试报名: the plans, and the wizard reached from a plan's 报名 (the seed's flow:
    /// "open 考试报名, click 报名"), whose heading says 考试报名 too.
    Plans,
    /// 报名信息: the list, an application's progress, its 申报表 and 待缴费.
    Applications,
}

/// Which navigation entry marks the page at `path` (relative to the router's base) as
/// current; none for 登录, 注册 and the like.
pub fn nav_section(path: &str) -> Option<NavSection> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        [""] | ["apply", ..] | ["applications", _, "step", ..] => Some(NavSection::Plans),
        ["applications", ..] | ["pay", ..] => Some(NavSection::Applications),
        _ => None,
    }
}

/// A read the page at a path makes first, which the app can start beside `/me` rather than
/// after it (see `Api::prefetch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstRead {
    /// `GET /applications`
    Applications,
    /// `GET /applications/{id}`
    Application(String),
}

/// What the protected page at `path` (relative to the router's base) reads first: 报名信息
/// its list, an application's pages (timeline, wizard step, 申报表, 待缴费) the application.
/// An id with escapes in it is left to the page itself.
pub fn first_reads(path: &str) -> Vec<FirstRead> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["applications"] => vec![FirstRead::Applications],
        ["applications", id]
        | ["applications", id, "form"]
        | ["applications", id, "step", _]
        | ["pay", id]
            if !id.is_empty() && !id.contains('%') =>
        {
            vec![FirstRead::Application(id.to_string())]
        }
        _ => Vec::new(),
    }
}

impl AppRoute {
    /// The path, starting with `/`, relative to the router's base.
    pub fn path(&self) -> String {
        match self {
            AppRoute::Plans => "/".to_string(),
            AppRoute::Register => "/register".to_string(),
            AppRoute::Login => "/login".to_string(),
            AppRoute::LoginThen { next } => format!("/login?next={}", encode_segment(next)),
            AppRoute::ForgotPassword => "/forgot-password".to_string(),
            AppRoute::Apply { plan_id } => format!("/apply/{}", encode_segment(plan_id)),
            AppRoute::Applications => "/applications".to_string(),
            AppRoute::Application { id } => format!("/applications/{}", encode_segment(id)),
            AppRoute::WizardFocus { id, step, focus } => {
                format!(
                    "/applications/{}/step/{step}?focus={}",
                    encode_segment(id),
                    encode_segment(focus)
                )
            }
            AppRoute::PrintForm { id } => format!("/applications/{}/form", encode_segment(id)),
            AppRoute::Wizard { id, step } => {
                format!("/applications/{}/step/{step}", encode_segment(id))
            }
            AppRoute::WizardCheck { id } => {
                format!("/applications/{}/step/{CHECK_STEP}", encode_segment(id))
            }
            AppRoute::Pay { application_id } => format!("/pay/{}", encode_segment(application_id)),
        }
    }
}

/// Accepts a `next` page only when it is a path of this app: starts with one `/`, no
/// scheme, no backslash (so a crafted link cannot send the candidate elsewhere).
pub fn safe_next(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://");
    (ok && !next.starts_with("/login")).then(|| next.to_string())
}

/// Percent-encodes anything but unreserved characters, so ids can never break a path.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wizard_belongs_to_plans_and_progress_to_applications() {
        for path in [
            "/",
            "",
            "/apply/p1",
            "/applications/a1/step/3",
            "/applications/a1/step/1?x=1",
        ] {
            assert_eq!(nav_section(path), Some(NavSection::Plans), "{path}");
        }
        for path in [
            "/applications",
            "/applications/a1",
            "/applications/a1/form",
            "/pay/a1",
        ] {
            assert_eq!(nav_section(path), Some(NavSection::Applications), "{path}");
        }
        for path in ["/login", "/register", "/forgot-password", "/nowhere"] {
            assert_eq!(nav_section(path), None, "{path}");
        }
    }

    #[test]
    fn each_page_names_its_chunks() {
        for path in [
            "/",
            "/login",
            "/register",
            "/nowhere",
            "/applications/a/b/c/d",
        ] {
            assert_eq!(chunks_of(path), &[] as &[Chunk], "{path}");
        }
        for path in [
            "/forgot-password",
            "/apply/p1",
            "/applications",
            "/applications/a1",
            "/applications/a1/form",
            "/pay/a1?x=1",
        ] {
            assert_eq!(chunks_of(path), &[Chunk::Pages], "{path}");
        }
        for path in ["/applications/a1/step/1", "/applications/a1/step/check"] {
            assert_eq!(chunks_of(path), &[Chunk::Wizard], "{path}");
        }
        assert_eq!(
            chunks_of("/applications/a1/step/4"),
            &[Chunk::Wizard, Chunk::Documents]
        );
    }

    #[test]
    fn protected_paths() {
        assert!(is_protected("/applications/1/step/2"));
        assert!(is_protected("/pay/9"));
        assert!(!is_protected("/login"));
        assert!(!is_protected("/"));
        assert!(PROTECTED_ROOTS.iter().all(|r| ROUTE_ROOTS.contains(r)));
    }

    #[test]
    fn first_reads_of_the_pages_that_wait_for_me() {
        let app = |id: &str| vec![FirstRead::Application(id.into())];
        assert_eq!(first_reads("/applications"), vec![FirstRead::Applications]);
        assert_eq!(first_reads("/applications/a1"), app("a1"));
        assert_eq!(first_reads("/applications/a1/step/3"), app("a1"));
        assert_eq!(first_reads("/applications/a1/form"), app("a1"));
        assert_eq!(first_reads("/pay/a1"), app("a1"));
        for nothing in [
            "/",
            "/login",
            "/apply/p1",
            "/pay/",
            "/pay/a%2F1",
            "/applications/a1/x",
        ] {
            assert!(first_reads(nothing).is_empty(), "{nothing}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(AppRoute::Plans.path(), "/");
        assert_eq!(
            AppRoute::Apply {
                plan_id: "ec-2026q4".into()
            }
            .path(),
            "/apply/ec-2026q4"
        );
        assert_eq!(
            AppRoute::Pay {
                application_id: "a/b c".into()
            }
            .path(),
            "/pay/a%2Fb%20c"
        );
    }

    #[test]
    fn next_pages_stay_inside_the_app() {
        assert_eq!(
            safe_next("/applications/a1?x=1").as_deref(),
            Some("/applications/a1?x=1")
        );
        for bad in [
            "",
            "applications",
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example",
            "/login?next=/x",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
        assert_eq!(
            AppRoute::LoginThen {
                next: "/pay/a 1".into()
            }
            .path(),
            "/login?next=%2Fpay%2Fa%201"
        );
    }

    #[test]
    fn every_route_root_is_listed() {
        let routes = [
            AppRoute::Register,
            AppRoute::Login,
            AppRoute::LoginThen {
                next: "/applications".into(),
            },
            AppRoute::ForgotPassword,
            AppRoute::Apply {
                plan_id: "x".into(),
            },
            AppRoute::Applications,
            AppRoute::Application { id: "x".into() },
            AppRoute::Wizard {
                id: "x".into(),
                step: 2,
            },
            AppRoute::Pay {
                application_id: "x".into(),
            },
        ];
        for r in routes {
            let root = r
                .path()
                .trim_start_matches('/')
                .split(['/', '?'])
                .next()
                .unwrap_or_default()
                .to_string();
            assert!(ROUTE_ROOTS.contains(&root.as_str()), "{root}");
        }
    }
}
