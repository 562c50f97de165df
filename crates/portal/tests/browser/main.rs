//! The applicant portal in headless Chromium on a phone-sized screen: the whole journey with
//! JavaScript (screenshots of every step, no console error, every page within 50 KB on an
//! empty cache) and the same journey with JavaScript turned off.

#[path = "../web/common.rs"]
mod common;
mod driver;
mod journey;
#[allow(dead_code)]
#[path = "../worker/common.rs"]
mod worker;
