//! The routes of the back office, kept in the location hash (`#/queue`, `#/application/<id>`)
//! so that the webview's back and forward work; one page module per route (`pages`).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Queue,
    Application(String),
    Reports,
    Admin,
}

impl Route {
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        match path.split_once('/') {
            Some(("application", id))
                if !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') =>
            {
                Route::Application(id.to_owned())
            }
            _ if path == "reports" => Route::Reports,
            _ if path == "admin" => Route::Admin,
            _ => Route::Queue,
        }
    }

    pub fn hash(&self) -> String {
        match self {
            Route::Queue => "#/queue".to_owned(),
            Route::Application(id) => format!("#/application/{id}"),
            Route::Reports => "#/reports".to_owned(),
            Route::Admin => "#/admin".to_owned(),
        }
    }
}

/// The route the page shows now.
pub fn current() -> Route {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map_or(Route::Queue, |h| Route::parse(&h))
}

/// Goes to a route (the hash change is then heard by [`on_change`]).
pub fn navigate(route: &Route) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&route.hash());
    }
}

/// Calls `on` whenever the hash changes, for the life of the page.
pub fn on_change(on: impl Fn(Route) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let handler = Closure::<dyn Fn()>::new(move || on(current()));
    let _ = window.add_event_listener_with_callback("hashchange", handler.as_ref().unchecked_ref());
    handler.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_round_trip_and_junk_falls_back_to_the_queue() {
        let id = "0b7f3c1e-8d5a-4c57-9c1b-2f4e6a8d9e10".to_owned();
        assert_eq!(Route::parse(&Route::Application(id.clone()).hash()), Route::Application(id));
        assert_eq!(Route::parse("#/queue"), Route::Queue);
        assert_eq!(Route::parse(""), Route::Queue);
        assert_eq!(Route::parse("#/application/<script>"), Route::Queue);
        assert_eq!(Route::parse("#/application/"), Route::Queue);
        assert_eq!(Route::parse(&Route::Reports.hash()), Route::Reports);
        assert_eq!(Route::parse(&Route::Admin.hash()), Route::Admin);
        assert_eq!(Route::parse("#/admin/x"), Route::Queue);
    }
}
