//! The queue: applications by status with counts, search (name, ID number, mobile, reference),
//! channel filter, sorting and server-side pages. It reloads when the database announces a
//! change. Keys: `/` search, `j`/`k` or arrows move, Enter opens, `[` and `]` turn pages,
//! `r` reloads.

use std::rc::Rc;

use pocket_contract::{CommandError, QueuePage as Page, QueueRequest, QueueSort, STATUSES};
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::Badge;
use crate::format;
use crate::pages::{ListKey, on_list_keys, value_of};
use crate::router::{self, Route};
use crate::services::queue as service;
use crate::state::AppAction;

const PAGE_SIZE: u32 = 50;

/// The queue page's own state.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueState {
    pub request: QueueRequest,
    pub page: Option<Page>,
    pub loading: bool,
    pub selected: usize,
    /// Bumped to reload with the same request.
    pub reloads: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueueAction {
    Status(Option<String>),
    Search(String),
    Channel(Option<String>),
    Sort(QueueSort),
    Page(u32),
    Loading,
    Loaded(Page),
    Failed,
    Move(isize),
    Reload,
}

impl Default for QueueState {
    fn default() -> Self {
        QueueState {
            request: QueueRequest {
                status: Some("referred".to_owned()),
                page_size: PAGE_SIZE,
                ..QueueRequest::default()
            },
            page: None,
            loading: false,
            selected: 0,
            reloads: 0,
        }
    }
}

impl QueueState {
    pub fn pages(&self) -> u32 {
        let total = self.page.as_ref().map_or(0, |p| p.total.max(0));
        u32::try_from((total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE)).unwrap_or(u32::MAX)
    }
}

impl Reducible for QueueState {
    type Action = QueueAction;

    fn reduce(self: Rc<Self>, action: QueueAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let mut first_page = || {
            next.request.page = 0;
            next.selected = 0;
        };
        match action {
            QueueAction::Status(status) => {
                first_page();
                next.request.status = status;
            }
            QueueAction::Search(term) => {
                first_page();
                next.request.search = Some(term).filter(|t| !t.trim().is_empty());
            }
            QueueAction::Channel(channel) => {
                first_page();
                next.request.channel = channel;
            }
            QueueAction::Sort(sort) => {
                first_page();
                next.request.sort = sort;
            }
            QueueAction::Page(page) => {
                next.request.page = page.min(next.pages().saturating_sub(1));
                next.selected = 0;
            }
            QueueAction::Loading => next.loading = true,
            QueueAction::Loaded(page) => {
                next.loading = false;
                next.selected = next.selected.min(page.rows.len().saturating_sub(1));
                next.page = Some(page);
            }
            QueueAction::Failed => next.loading = false,
            QueueAction::Move(delta) => {
                let rows = next.page.as_ref().map_or(0, |p| p.rows.len());
                if rows > 0 {
                    next.selected =
                        next.selected.saturating_add_signed(delta).min(rows.saturating_sub(1));
                }
            }
            QueueAction::Reload => next.reloads += 1,
        }
        Rc::new(next)
    }
}

fn load(state: UseReducerHandle<QueueState>, app: AppContext, request: QueueRequest) {
    state.dispatch(QueueAction::Loading);
    wasm_bindgen_futures::spawn_local(async move {
        let started = js_sys::Date::now();
        let answer: Result<Page, CommandError> = service::queue(&request).await;
        match answer {
            Ok(page) => {
                mark_interactive(js_sys::Date::now() - started);
                state.dispatch(QueueAction::Loaded(page));
            }
            Err(e) => {
                state.dispatch(QueueAction::Failed);
                app.dispatch(AppAction::Failed(e));
            }
        }
    });
}

/// Leaves the time the queue took on the page (`data-loaded-ms` on the body), which the
/// end-to-end test and the startup measurement read.
fn mark_interactive(ms: f64) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-queue-ms", &format!("{ms:.0}"));
    }
}

#[function_component(QueuePage)]
pub fn queue_page() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let state = use_reducer(QueueState::default);
    let search_ref = use_node_ref();

    {
        let (state, app) = (state.clone(), app.clone());
        let deps = (state.request.clone(), state.reloads, app.revision);
        use_effect_with(deps, move |(request, _, _)| load(state, app, request.clone()));
    }
    {
        let (state, search_ref) = (state.clone(), search_ref.clone());
        let rows: Vec<String> = state
            .page
            .as_ref()
            .map(|p| p.rows.iter().map(|r| r.application_id.clone()).collect())
            .unwrap_or_default();
        let deps = (rows, state.selected, state.request.page, state.pages());
        use_effect_with(deps, move |(rows, selected, page, pages)| {
            let (rows, selected, page, pages) = (rows.clone(), *selected, *page, *pages);
            on_list_keys(search_ref, move |key| match key {
                ListKey::Move(by) => state.dispatch(QueueAction::Move(by)),
                ListKey::Open => {
                    if let Some(id) = rows.get(selected) {
                        router::navigate(&Route::Application(id.clone()));
                    }
                }
                ListKey::NextPage if page + 1 < pages => {
                    state.dispatch(QueueAction::Page(page + 1))
                }
                ListKey::PreviousPage if page > 0 => state.dispatch(QueueAction::Page(page - 1)),
                ListKey::Reload => state.dispatch(QueueAction::Reload),
                _ => {}
            })
        });
    }

    let count_of = |status: &str| {
        state.page.as_ref().map_or(0, |p| {
            p.counts.iter().filter(|c| c.status == status).map(|c| c.count).sum::<i64>()
        })
    };
    let all: i64 = state.page.as_ref().map_or(0, |p| p.counts.iter().map(|c| c.count).sum());
    let tab = |status: Option<&str>, label: String, count: i64| {
        let active = state.request.status.as_deref() == status;
        let class = if active { "tab tab-active" } else { "tab" };
        let s = state.clone();
        let value = status.map(str::to_owned);
        let onclick = Callback::from(move |_| s.dispatch(QueueAction::Status(value.clone())));
        html! {
            <button class={class} data-status={status.unwrap_or("all").to_owned()} {onclick}>
                { label }<span class="count">{ count }</span>
            </button>
        }
    };
    let on_search = {
        let state = state.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                state.dispatch(QueueAction::Search(value_of(&e)));
            }
        })
    };
    let on_search_change = {
        let state = state.clone();
        Callback::from(move |e: Event| state.dispatch(QueueAction::Search(value_of(&e))))
    };
    let on_channel = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let v = value_of(&e);
            state.dispatch(QueueAction::Channel((!v.is_empty()).then_some(v)));
        })
    };
    let on_sort = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let sort = match value_of(&e).as_str() {
                "recent" => QueueSort::Recent,
                "amount" => QueueSort::Amount,
                "reference" => QueueSort::Reference,
                _ => QueueSort::Waiting,
            };
            state.dispatch(QueueAction::Sort(sort));
        })
    };
    let page = state.request.page;
    let pages = state.pages();
    let prev = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(QueueAction::Page(page.saturating_sub(1))))
    };
    let next = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(QueueAction::Page(page + 1)))
    };

    html! {
        <section class="queue" id="queue">
            <div class="tabs" role="tablist">
                { tab(None, "All".to_owned(), all) }
                { for STATUSES.iter().filter(|s| **s != "draft").map(|s| {
                    tab(Some(s), pocket_contract::status_label(s).to_owned(), count_of(s))
                }) }
            </div>
            <div class="toolbar">
                <input id="search" ref={search_ref} class="search" type="search"
                    placeholder="Search name, ID number, mobile or reference  ( / )"
                    onkeydown={on_search} onchange={on_search_change} />
                <select id="channel" onchange={on_channel} aria-label="Channel">
                    <option value="">{ "Every channel" }</option>
                    <option value="portal">{ "Portal" }</option>
                    <option value="partner">{ "Partner" }</option>
                    <option value="officer">{ "Officer" }</option>
                </select>
                <select id="sort" onchange={on_sort} aria-label="Sort">
                    <option value="waiting">{ "Longest waiting" }</option>
                    <option value="recent">{ "Recently changed" }</option>
                    <option value="amount">{ "Largest amount" }</option>
                    <option value="reference">{ "Reference" }</option>
                </select>
                if state.loading { <span class="spinner" aria-label="Loading">{ "Loading…" }</span> }
            </div>
            <table class="table" id="queue-table">
                <thead>
                    <tr>
                        <th>{ "Reference" }</th><th>{ "Applicant" }</th><th>{ "ID number" }</th>
                        <th>{ "Mobile" }</th><th>{ "Channel" }</th><th class="num">{ "Amount" }</th>
                        <th class="num">{ "Term" }</th><th>{ "Status" }</th><th>{ "Changed" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for state.page.iter().flat_map(|p| p.rows.iter().enumerate()).map(|(i, row)| {
                        let id = row.application_id.clone();
                        let open = Callback::from(move |_| router::navigate(&Route::Application(id.clone())));
                        let class = if i == state.selected { "queue-row selected" } else { "queue-row" };
                        html! {
                            <tr class={class} onclick={open} data-reference={row.reference.clone()}
                                data-id={row.application_id.clone()}>
                                <td class="mono">{ row.reference.clone() }</td>
                                <td>{ format::text(&row.applicant_name) }</td>
                                <td class="mono">{ format::text(&row.id_number) }</td>
                                <td class="mono">{ row.msisdn.clone() }</td>
                                <td>{ format::words(&row.channel) }</td>
                                <td class="num">{ format::rand(row.requested_amount_cents) }</td>
                                <td class="num">{ format!("{} days", row.requested_term_days) }</td>
                                <td><Badge status={row.status.clone()} /></td>
                                <td>{ format::when(&row.updated_at) }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if state.page.as_ref().is_some_and(|p| p.rows.is_empty()) {
                <p class="empty" id="queue-empty">{ "Nothing here." }</p>
            }
            <div class="pager">
                <button class="button" onclick={prev} disabled={page == 0}>{ "‹ Previous" }</button>
                <span id="page-info">
                    { format!("Page {} of {} · {} applications", page + 1, pages.max(1),
                        state.page.as_ref().map_or(0, |p| p.total)) }
                </span>
                <button class="button" onclick={next} disabled={page + 1 >= pages}>{ "Next ›" }</button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changing_a_filter_goes_back_to_the_first_page() {
        let state = Rc::new(QueueState::default());
        let mut paged = (*state).clone();
        paged.request.page = 3;
        let state = Rc::new(paged).reduce(QueueAction::Search("thabo".into()));
        assert_eq!(state.request.page, 0);
        assert_eq!(state.request.search.as_deref(), Some("thabo"));
        let state = state.reduce(QueueAction::Search("   ".into()));
        assert_eq!(state.request.search, None);
    }

    #[test]
    fn the_selection_stays_on_the_page() {
        let state = Rc::new(QueueState::default()).reduce(QueueAction::Move(5));
        assert_eq!(state.selected, 0);
    }
}
