//! The routes of the back office, kept in the location hash (`#/queue`, `#/application/<id>`)
//! so that the webview's back and forward work; one page module per route (`pages`).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Queue,
    Application(String),
    Loans,
    Loan(String),
    Statement(String),
    Collections,
    Reports,
    Admin,
}

/// Whether a path segment can be an identifier (a UUID's characters only).
fn id_like(id: &str) -> bool {
    !id.is_empty() && id.len() <= 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
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
            Some(("loan", rest)) => match rest.split_once('/') {
                None if id_like(rest) => Route::Loan(rest.to_owned()),
                Some((id, "statement")) if id_like(id) => Route::Statement(id.to_owned()),
                _ => Route::Queue,
            },
            None if path == "loans" => Route::Loans,
            None if path == "collections" => Route::Collections,
            None if path == "reports" => Route::Reports,
            None if path == "admin" => Route::Admin,
            _ => Route::Queue,
        }
    }

    pub fn hash(&self) -> String {
        match self {
            Route::Queue => "#/queue".to_owned(),
            Route::Application(id) => format!("#/application/{id}"),
            Route::Loans => "#/loans".to_owned(),
            Route::Loan(id) => format!("#/loan/{id}"),
            Route::Statement(id) => format!("#/loan/{id}/statement"),
            Route::Collections => "#/collections".to_owned(),
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

    #[test]
    fn loan_and_collections_routes_round_trip() {
        let id = "0b7f3c1e-8d5a-4c57-9c1b-2f4e6a8d9e10".to_owned();
        for route in
            [Route::Loans, Route::Loan(id.clone()), Route::Statement(id), Route::Collections]
        {
            assert_eq!(Route::parse(&route.hash()), route);
        }
        assert_eq!(Route::parse("#/loan/<img>"), Route::Queue);
        assert_eq!(Route::parse("#/loan/abc/print"), Route::Queue);
        assert_eq!(Route::parse(&format!("#/loan/{}", "a".repeat(37))), Route::Queue);
    }
}
