//! The frame of a page whose content a later release fills in: its title and what will be
//! there, so a deep link never lands on a blank or broken page.

use leptos::prelude::*;

use crate::components::link::Link;
use crate::i18n::{Msg, t};
use crate::routes::AppRoute;

#[component]
pub fn ComingSoon(title: Msg, body: Msg) -> impl IntoView {
    view! {
        <h1 class="bm-title">{t(title)}</h1>
        <section class="bm-card">
            <p>{t(body)}</p>
            <p><Link to=AppRoute::Plans>{t(Msg::BackToPlans)}</Link></p>
        </section>
    }
}
