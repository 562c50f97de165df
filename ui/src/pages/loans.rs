//! The loans list: every loan by status with counts, search (reference, name, ID number) and
//! server-side pages, newest pay-out first. It reloads when the database announces a change.
//! Keys: `/` search, `j`/`k` or arrows move, Enter opens, `[` and `]` turn pages, `r` reloads.

use std::rc::Rc;

use pocket_contract::loans::{LOAN_STATUSES, LoansPage as Page, LoansRequest, loan_status_label};
use yew::prelude::*;

use crate::app::AppContext;
use crate::components::design::LabelBadge;
use crate::format;
use crate::pages::{ListKey, on_list_keys, value_of};
use crate::router::{self, Route};
use crate::services::loans as service;
use crate::state::AppAction;

const PAGE_SIZE: u32 = 50;

/// The list's own state.
#[derive(Debug, Clone, PartialEq)]
pub struct LoansState {
    pub request: LoansRequest,
    pub page: Option<Page>,
    pub loading: bool,
    pub selected: usize,
    pub reloads: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoansAction {
    Status(Option<String>),
    Search(String),
    Page(u32),
    Loading,
    Loaded(Page),
    Failed,
    Move(isize),
    Reload,
}

impl Default for LoansState {
    fn default() -> Self {
        LoansState {
            request: LoansRequest { page_size: PAGE_SIZE, ..LoansRequest::default() },
            page: None,
            loading: false,
            selected: 0,
            reloads: 0,
        }
    }
}

impl LoansState {
    pub fn pages(&self) -> u32 {
        let total = self.page.as_ref().map_or(0, |p| p.total.max(0));
        u32::try_from((total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE)).unwrap_or(u32::MAX)
    }
}

impl Reducible for LoansState {
    type Action = LoansAction;

    fn reduce(self: Rc<Self>, action: LoansAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LoansAction::Status(status) => {
                next.request.page = 0;
                next.selected = 0;
                next.request.status = status;
            }
            LoansAction::Search(term) => {
                next.request.page = 0;
                next.selected = 0;
                next.request.search = Some(term).filter(|t| !t.trim().is_empty());
            }
            LoansAction::Page(page) => {
                next.request.page = page.min(next.pages().saturating_sub(1));
                next.selected = 0;
            }
            LoansAction::Loading => next.loading = true,
            LoansAction::Loaded(page) => {
                next.loading = false;
                next.selected = next.selected.min(page.rows.len().saturating_sub(1));
                next.page = Some(page);
            }
            LoansAction::Failed => next.loading = false,
            LoansAction::Move(delta) => {
                let rows = next.page.as_ref().map_or(0, |p| p.rows.len());
                if rows > 0 {
                    next.selected =
                        next.selected.saturating_add_signed(delta).min(rows.saturating_sub(1));
                }
            }
            LoansAction::Reload => next.reloads += 1,
        }
        Rc::new(next)
    }
}

fn load(state: UseReducerHandle<LoansState>, app: AppContext, request: LoansRequest) {
    state.dispatch(LoansAction::Loading);
    wasm_bindgen_futures::spawn_local(async move {
        match service::loans(&request).await {
            Ok(page) => state.dispatch(LoansAction::Loaded(page)),
            Err(e) => {
                state.dispatch(LoansAction::Failed);
                app.dispatch(AppAction::Failed(e));
            }
        }
    });
}

#[function_component(LoansPage)]
pub fn loans_page() -> Html {
    let app = use_context::<AppContext>().expect("BUG: the app provides its context");
    let state = use_reducer(LoansState::default);
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
            .map(|p| p.rows.iter().map(|r| r.loan_id.clone()).collect())
            .unwrap_or_default();
        let deps = (rows, state.selected, state.request.page, state.pages());
        use_effect_with(deps, move |(rows, selected, page, pages)| {
            let (rows, selected, page, pages) = (rows.clone(), *selected, *page, *pages);
            on_list_keys(search_ref, move |key| match key {
                ListKey::Move(by) => state.dispatch(LoansAction::Move(by)),
                ListKey::Open => {
                    if let Some(id) = rows.get(selected) {
                        router::navigate(&Route::Loan(id.clone()));
                    }
                }
                ListKey::NextPage if page + 1 < pages => {
                    state.dispatch(LoansAction::Page(page + 1))
                }
                ListKey::PreviousPage if page > 0 => state.dispatch(LoansAction::Page(page - 1)),
                ListKey::Reload => state.dispatch(LoansAction::Reload),
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
        let onclick = Callback::from(move |_| s.dispatch(LoansAction::Status(value.clone())));
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
                state.dispatch(LoansAction::Search(value_of(&e)));
            }
        })
    };
    let on_search_change = {
        let state = state.clone();
        Callback::from(move |e: Event| state.dispatch(LoansAction::Search(value_of(&e))))
    };
    let page = state.request.page;
    let pages = state.pages();
    let prev = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(LoansAction::Page(page.saturating_sub(1))))
    };
    let next = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(LoansAction::Page(page + 1)))
    };

    html! {
        <section class="loans" id="loans">
            <div class="tabs" role="tablist">
                { tab(None, "All".to_owned(), all) }
                { for LOAN_STATUSES.iter().map(|s| tab(Some(s), loan_status_label(s).to_owned(), count_of(s))) }
            </div>
            <div class="toolbar">
                <input id="loan-search" ref={search_ref} class="search" type="search"
                    placeholder="Search reference, name or ID number  ( / )"
                    onkeydown={on_search} onchange={on_search_change} />
                if state.loading { <span class="spinner" aria-label="Loading">{ "Loading…" }</span> }
            </div>
            <table class="table" id="loans-table">
                <thead>
                    <tr>
                        <th>{ "Reference" }</th><th>{ "Client" }</th><th>{ "ID number" }</th>
                        <th>{ "Paid out" }</th><th class="num">{ "Principal" }</th>
                        <th class="num">{ "Balance" }</th><th>{ "Status" }</th><th>{ "Collection" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for state.page.iter().flat_map(|p| p.rows.iter().enumerate()).map(|(i, row)| {
                        let id = row.loan_id.clone();
                        let open = Callback::from(move |_| router::navigate(&Route::Loan(id.clone())));
                        let class = if i == state.selected { "queue-row selected" } else { "queue-row" };
                        html! {
                            <tr class={class} onclick={open} data-reference={row.reference.clone()}
                                data-id={row.loan_id.clone()}>
                                <td class="mono">{ row.reference.clone() }</td>
                                <td>{ format::text(&row.applicant_name) }</td>
                                <td class="mono">{ format::text(&row.id_number) }</td>
                                <td>{ row.disbursed_on.clone() }</td>
                                <td class="num">{ format::rand(row.principal_cents) }</td>
                                <td class="num">{ format::rand(row.balance_cents) }</td>
                                <td><LabelBadge status={row.status.clone()} label={loan_status_label(&row.status).to_owned()} /></td>
                                <td>{ row.collection_hold.as_deref().map_or("Collecting".to_owned(), |h| format!("Stopped: {}", format::words(h))) }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if state.page.as_ref().is_some_and(|p| p.rows.is_empty()) {
                <p class="empty" id="loans-empty">{ "No loans match." }</p>
            }
            <div class="pager">
                <button class="button" onclick={prev} disabled={page == 0}>{ "‹ Previous" }</button>
                <span id="loans-page-info">
                    { format!("Page {} of {} · {} loans", page + 1, pages.max(1),
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
    fn a_new_filter_starts_on_the_first_page() {
        let mut paged = LoansState::default();
        paged.request.page = 4;
        let state = Rc::new(paged).reduce(LoansAction::Status(Some("in_arrears".into())));
        assert_eq!(state.request.page, 0);
        let state = state.reduce(LoansAction::Search("  ".into()));
        assert_eq!(state.request.search, None);
    }
}
