//! The app-wide state and its reducer: who is signed in, the route, the toasts, the live
//! revision (bumped when the database announces a change, so pages reload) and the last failure
//! shown by the error boundary.

use std::rc::Rc;

use pocket_contract::{CommandError, ErrorCode, Session};
use yew::Reducible;

use crate::router::Route;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub id: u32,
    pub kind: ToastKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    /// Whether the session has been asked for at start (before that, nothing is shown).
    pub ready: bool,
    pub session: Option<Session>,
    pub route: Route,
    pub toasts: Vec<Toast>,
    next_toast: u32,
    /// Bumped on every change the shell forwards.
    pub revision: u64,
    /// Why the officer was signed out, shown on the sign-in page.
    pub notice: Option<String>,
    /// A failure the page could not handle, shown by the error boundary.
    pub failure: Option<CommandError>,
}

impl AppState {
    pub fn new(route: Route) -> AppState {
        AppState {
            ready: false,
            session: None,
            route,
            toasts: Vec::new(),
            next_toast: 1,
            revision: 0,
            notice: None,
            failure: None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.role == pocket_contract::Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AppAction {
    Ready(Option<Session>),
    SignedIn(Session),
    SignedOut(Option<String>),
    Navigate(Route),
    Toast(ToastKind, String),
    Dismiss(u32),
    Changed,
    /// A command failed: a lost session signs out, anything else becomes a toast.
    Failed(CommandError),
    /// A failure the page cannot recover from: the error boundary shows it.
    Fatal(CommandError),
    ClearFailure,
}

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            AppAction::Ready(session) => {
                next.ready = true;
                next.session = session;
            }
            AppAction::SignedIn(session) => {
                next.session = Some(session);
                next.notice = None;
                next.failure = None;
            }
            AppAction::SignedOut(notice) => {
                next.session = None;
                next.notice = notice;
                next.toasts.clear();
            }
            AppAction::Navigate(route) => {
                next.route = route;
                next.failure = None;
            }
            AppAction::Toast(kind, text) => {
                let id = next.next_toast;
                next.next_toast += 1;
                next.toasts.push(Toast { id, kind, text });
                // At most four on screen: the oldest goes.
                if next.toasts.len() > 4 {
                    next.toasts.remove(0);
                }
            }
            AppAction::Dismiss(id) => next.toasts.retain(|t| t.id != id),
            AppAction::Changed => next.revision += 1,
            AppAction::Failed(error) => {
                if error.code == ErrorCode::NotSignedIn {
                    next.session = None;
                    next.notice = Some(error.message);
                } else {
                    let id = next.next_toast;
                    next.next_toast += 1;
                    let text = format!("{} (ref. {})", error.message, error.reference);
                    next.toasts.push(Toast { id, kind: ToastKind::Error, text });
                }
            }
            AppAction::Fatal(error) => {
                if error.code == ErrorCode::NotSignedIn {
                    next.session = None;
                    next.notice = Some(error.message);
                } else {
                    next.failure = Some(error);
                }
            }
            AppAction::ClearFailure => next.failure = None,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: ErrorCode) -> CommandError {
        CommandError { code, message: "m".into(), reference: "E-1".into(), detail: None }
    }

    #[test]
    fn a_lost_session_signs_out_and_other_failures_toast() {
        let state = Rc::new(AppState::new(Route::Queue));
        let state = state.reduce(AppAction::Failed(error(ErrorCode::Forbidden)));
        assert_eq!(state.toasts.len(), 1);
        assert_eq!(state.toasts[0].kind, ToastKind::Error);
        let state = state.reduce(AppAction::Failed(error(ErrorCode::NotSignedIn)));
        assert!(state.session.is_none());
        assert_eq!(state.notice.as_deref(), Some("m"));
    }

    #[test]
    fn toasts_are_capped_and_dismissed_by_id() {
        let mut state = Rc::new(AppState::new(Route::Queue));
        for i in 0..6 {
            state = state.reduce(AppAction::Toast(ToastKind::Success, format!("t{i}")));
        }
        assert_eq!(state.toasts.len(), 4);
        assert_eq!(state.toasts[0].text, "t2");
        let id = state.toasts[0].id;
        let state = state.reduce(AppAction::Dismiss(id));
        assert_eq!(state.toasts.len(), 3);
    }
}
