//! The portal's stylesheet and script, compiled into the binary and served under URLs that
//! carry a hash of their content, so browsers may cache them for a year and a new release is
//! fetched at once. No web fonts, no frameworks: the budget is 50 KB per page, all included.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

/// The content-hashed asset URLs.
#[derive(Debug)]
pub struct Assets {
    pub css_url: String,
    pub js_url: String,
    css_file: String,
    js_file: String,
}

fn hashed(stem: &str, ext: &str, content: &str) -> String {
    let digest = hex::encode(Sha256::digest(content.as_bytes()));
    format!("{stem}-{}.{ext}", &digest[..12])
}

/// The assets of this build.
pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let css_file = hashed("app", "css", CSS);
    let js_file = hashed("app", "js", JS);
    Assets {
        css_url: format!("/static/{css_file}"),
        js_url: format!("/static/{js_file}"),
        css_file,
        js_file,
    }
});

/// `GET /static/{file}`: only the current hashed names exist.
pub async fn serve(Path(file): Path<String>) -> Response {
    let assets = &*ASSETS;
    let (body, kind) = if file == assets.css_file {
        (CSS, "text/css; charset=utf-8")
    } else if file == assets.js_file {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        body,
    )
        .into_response()
}
