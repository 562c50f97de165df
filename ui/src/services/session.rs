//! Signing in and out, who is signed in, keeping the session from locking.

use pocket_contract::{CommandError, Session, SignInRequest};
use serde::Serialize;

use crate::bridge::invoke;

#[derive(Serialize)]
struct Args<'a, T> {
    request: &'a T,
}

#[derive(Serialize)]
struct NoArgs {}

pub async fn sign_in(login: String, password: String) -> Result<Session, CommandError> {
    invoke("sign_in", &Args { request: &SignInRequest { login, password } }).await
}

pub async fn sign_out() -> Result<(), CommandError> {
    invoke("sign_out", &NoArgs {}).await
}

pub async fn whoami() -> Result<Session, CommandError> {
    invoke("whoami", &NoArgs {}).await
}

pub async fn touch() -> Result<(), CommandError> {
    invoke("touch", &NoArgs {}).await
}
