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
