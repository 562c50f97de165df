//! The administration commands: officers, prices and parameters, policy, templates, holidays,
//! partner keys and the audit log.

use pocket_contract::CommandError;
use pocket_contract::admin::{
    AuditPage, AuditRequest, Created, HolidayRow, IdRequest, IssuedKey, NewHolidayRequest,
    NewKeyRequest, NewOfficerRequest, NewPartnerRequest, NewPriceRequest, NewVersionRequest,
    OfficerChange, OfficerRow, PartnerRow, Policy, Pricing, Published, TemplatePreview,
    TemplateRequest, TemplateRow,
};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a, T> {
    request: &'a T,
}

#[derive(Serialize)]
struct NoArgs {}

pub async fn officers() -> Result<Vec<OfficerRow>, CommandError> {
    invoke("admin_officers", &NoArgs {}).await
}

pub async fn create_officer(request: &NewOfficerRequest) -> Result<Created, CommandError> {
    invoke("admin_create_officer", &Args { request }).await
}

pub async fn change_officer(request: &OfficerChange) -> Result<(), CommandError> {
    invoke("admin_change_officer", &Args { request }).await
}

pub async fn disable_officer(request: &IdRequest) -> Result<(), CommandError> {
    invoke("admin_disable_officer", &Args { request }).await
}

pub async fn pricing() -> Result<Pricing, CommandError> {
    invoke("admin_pricing", &NoArgs {}).await
}

pub async fn add_price(request: &NewPriceRequest) -> Result<Created, CommandError> {
    invoke("admin_add_price", &Args { request }).await
}

pub async fn add_regulatory(request: &NewVersionRequest) -> Result<Created, CommandError> {
    invoke("admin_add_regulatory", &Args { request }).await
}

pub async fn policy() -> Result<Policy, CommandError> {
    invoke("admin_policy", &NoArgs {}).await
}

pub async fn add_policy(request: &NewVersionRequest) -> Result<Created, CommandError> {
    invoke("admin_add_policy", &Args { request }).await
}

pub async fn templates() -> Result<Vec<TemplateRow>, CommandError> {
    invoke("admin_templates", &NoArgs {}).await
}

pub async fn preview_template(request: &TemplateRequest) -> Result<TemplatePreview, CommandError> {
    invoke("admin_preview_template", &Args { request }).await
}

pub async fn publish_template(request: &TemplateRequest) -> Result<Published, CommandError> {
    invoke("admin_publish_template", &Args { request }).await
}

pub async fn holidays() -> Result<Vec<HolidayRow>, CommandError> {
    invoke("admin_holidays", &NoArgs {}).await
}

pub async fn add_holiday(request: &NewHolidayRequest) -> Result<Created, CommandError> {
    invoke("admin_add_holiday", &Args { request }).await
}

pub async fn remove_holiday(request: &IdRequest) -> Result<(), CommandError> {
    invoke("admin_remove_holiday", &Args { request }).await
}

pub async fn partners() -> Result<Vec<PartnerRow>, CommandError> {
    invoke("admin_partners", &NoArgs {}).await
}

pub async fn create_partner(request: &NewPartnerRequest) -> Result<Created, CommandError> {
    invoke("admin_create_partner", &Args { request }).await
}

pub async fn issue_key(request: &NewKeyRequest) -> Result<IssuedKey, CommandError> {
    invoke("admin_issue_key", &Args { request }).await
}

pub async fn revoke_key(request: &IdRequest) -> Result<(), CommandError> {
    invoke("admin_revoke_key", &Args { request }).await
}

pub async fn audit(request: &AuditRequest) -> Result<AuditPage, CommandError> {
    invoke("admin_audit", &Args { request }).await
}
