//! Links to app routes. Leptos' `<A>` leaves absolute paths alone, so under a sub-path
//! (`/baoming/`) an `<A href="/apply/x">` would leave the deployment; [`Link`] prefixes the
//! router's base and takes an [`AppRoute`], so views never spell a path.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::routes::AppRoute;

/// The router's base path (`""` or `/baoming`), provided by the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterBase(pub String);

impl RouterBase {
    /// The full path of `route` under this base.
    pub fn href(&self, route: &AppRoute) -> String {
        let path = route.path();
        if self.0.is_empty() {
            path
        } else if path == "/" {
            format!("{}/", self.0)
        } else {
            format!("{}{path}", self.0)
        }
    }
}

impl RouterBase {
    /// The path and query the router is showing, relative to this base (for `?next=`).
    /// Read from the router, not `window.location`: during a navigation the router renders
    /// the new page before the address bar changes.
    pub fn current_path(&self, location: &leptos_router::location::Location) -> String {
        use leptos::prelude::GetUntracked;
        let search = location.search.get_untracked();
        let full = format!(
            "{}{}{}",
            location.pathname.get_untracked(),
            if search.is_empty() { "" } else { "?" },
            search
        );
        full.strip_prefix(self.0.as_str())
            .map(str::to_string)
            .unwrap_or(full)
    }
}

/// A client-side link to `to`, with `aria-current="page"` when it is the current page.
#[component]
pub fn Link(
    /// Where the link goes.
    to: AppRoute,
    /// Whether only an exact match marks the link current (for `/`).
    #[prop(optional)]
    exact: bool,
    /// CSS classes.
    #[prop(optional, into)]
    class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let base = use_context::<RouterBase>().unwrap_or(RouterBase(String::new()));
    view! {
        <A href=base.href(&to) exact attr:class=class>
            {children()}
        </A>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_the_base() {
        let root = RouterBase(String::new());
        let sub = RouterBase("/baoming".into());
        assert_eq!(root.href(&AppRoute::Plans), "/");
        assert_eq!(sub.href(&AppRoute::Plans), "/baoming/");
        assert_eq!(sub.href(&AppRoute::Login), "/baoming/login");
        assert_eq!(
            root.href(&AppRoute::Apply {
                plan_id: "p".into()
            }),
            "/apply/p"
        );
    }
}
