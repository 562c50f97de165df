//! The update manifests the portal serves to the desktop app's updater, over real HTTP: newer,
//! equal and older versions, per-platform files, holding back and rolling back by editing the
//! published files, and hostile path parameters (path traversal, junk versions).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A published-updates folder and a server over it.
struct Published {
    root: PathBuf,
    dir: PathBuf,
    addr: SocketAddr,
    http: reqwest::Client,
}

impl Published {
    async fn start() -> Published {
        let root = std::env::temp_dir().join(format!("pocket-updates-{}", uuid::Uuid::new_v4()));
        let dir = root.join("updates");
        std::fs::create_dir_all(dir.join("stable")).unwrap();
        std::fs::create_dir_all(dir.join("pilot")).unwrap();
        let app: axum::Router = pocket_portal::updates::router_at(&dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Published { root, dir, addr, http: reqwest::Client::new() }
    }

    fn publish(&self, relative: &str, manifest: &Value) {
        write(&self.dir.join(relative), manifest);
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self.http.get(format!("http://{}{path}", self.addr)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// Sends `path` byte for byte (no client-side normalisation of `..`).
    async fn raw(&self, path: &str) -> u16 {
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line")
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn write(path: &Path, manifest: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(manifest).unwrap()).unwrap();
}

fn release(version: &str) -> Value {
    json!({
        "version": version,
        "notes": format!("Pocket Loans back office {version}"),
        "pub_date": "2026-11-25T20:00:00Z",
        "platforms": {
            "linux-x86_64-deb": { "signature": "c2ln", "url": format!("https://updates.example/{version}/app.deb") },
            "linux-x86_64": { "signature": "c2ln", "url": format!("https://updates.example/{version}/app.deb") },
            "windows-x86_64-msi": { "signature": "c2ln", "url": format!("https://updates.example/{version}/app.msi") },
            "darwin-aarch64": { "signature": "c2ln", "url": format!("https://updates.example/{version}/app.app.tar.gz") }
        }
    })
}

#[tokio::test]
async fn a_newer_release_is_offered_with_only_the_callers_platforms() {
    let server = Published::start().await;
    server.publish("stable/latest.json", &release("0.3.0"));

    let (status, body) = server.get("/updates/stable/linux/x86_64/0.2.0").await;
    assert_eq!(status, 200, "{body}");
    let manifest: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(manifest["version"], "0.3.0");
    assert_eq!(manifest["notes"], "Pocket Loans back office 0.3.0");
    let keys: Vec<&String> = manifest["platforms"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("linux-x86_64")));

    let (status, body) = server.get("/updates/stable/windows/x86_64/0.1.0").await;
    assert_eq!(status, 200);
    let manifest: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(manifest["platforms"].as_object().unwrap().len(), 1);
    assert!(manifest["platforms"]["windows-x86_64-msi"]["url"].is_string());

    // A pre-release of the published version is older than it (semantic versioning).
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.3.0-rc.1").await.0, 200);
}

#[tokio::test]
async fn the_same_or_a_newer_version_gets_no_content() {
    let server = Published::start().await;
    server.publish("stable/latest.json", &release("0.3.0"));
    for current in ["0.3.0", "v0.3.0", "0.3.1", "1.0.0"] {
        let (status, body) = server.get(&format!("/updates/stable/linux/x86_64/{current}")).await;
        assert_eq!(status, 204, "{current}");
        assert!(body.is_empty());
    }
    // No build for this platform: no update either.
    assert_eq!(server.get("/updates/stable/linux/aarch64/0.1.0").await.0, 204);
    // Nothing published on the channel yet.
    assert_eq!(server.get("/updates/pilot/linux/x86_64/0.1.0").await.0, 204);
}

#[tokio::test]
async fn channels_are_separate_and_unknown_ones_are_not_found() {
    let server = Published::start().await;
    server.publish("stable/latest.json", &release("0.3.0"));
    server.publish("pilot/latest.json", &release("0.4.0"));
    let (_, body) = server.get("/updates/pilot/linux/x86_64/0.3.0").await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["version"], "0.4.0");
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.3.0").await.0, 204);
    for channel in ["nightly", "Stable", "stable2", "latest.json", "%2E%2E"] {
        assert_eq!(server.get(&format!("/updates/{channel}/linux/x86_64/0.1.0")).await.0, 404);
    }
}

#[tokio::test]
async fn it_holds_back_and_rolls_back_by_editing_the_published_files() {
    let server = Published::start().await;
    server.publish("stable/latest.json", &release("0.3.0"));
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.2.0").await.0, 200);

    // Hold Linux back at 0.2.0 while Windows goes ahead: a per-platform file wins.
    server.publish("stable/linux-x86_64.json", &release("0.2.0"));
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.2.0").await.0, 204);
    assert_eq!(server.get("/updates/stable/windows/x86_64/0.2.0").await.0, 200);
    let (_, body) = server.get("/updates/stable/linux/x86_64/0.1.0").await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["version"], "0.2.0");

    // Release it again: remove the override. Hold everything back: put the previous file back.
    std::fs::remove_file(server.dir.join("stable/linux-x86_64.json")).unwrap();
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.2.0").await.0, 200);
    server.publish("stable/latest.json", &release("0.2.0"));
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.2.0").await.0, 204);

    // Roll back machines that took 0.3.0: publish the old code under a higher version.
    server.publish("stable/latest.json", &release("0.3.1"));
    let (status, body) = server.get("/updates/stable/linux/x86_64/0.3.0").await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["version"], "0.3.1");
}

#[tokio::test]
async fn hostile_path_parameters_never_reach_the_file_system() {
    let server = Published::start().await;
    server.publish("stable/latest.json", &release("0.3.0"));
    // A manifest outside the published folder that traversal would find.
    write(&server.root.join("secret/latest.json"), &release("9.9.9"));
    write(&server.root.join("latest.json"), &release("9.9.9"));

    for path in [
        "/updates/..%2Fsecret/linux/x86_64/0.1.0",
        "/updates/%2E%2E%2Fsecret/linux/x86_64/0.1.0",
        "/updates/stable%2F..%2F..%2Fsecret/linux/x86_64/0.1.0",
    ] {
        assert_eq!(server.get(path).await.0, 404, "{path}");
    }
    for path in [
        "/updates/stable/..%2F..%2Fsecret%2Flatest/x86_64/0.1.0",
        "/updates/stable/linux%00/x86_64/0.1.0",
        "/updates/stable/LINUX/x86_64/0.1.0",
        "/updates/stable/linux/x86_64%2F..%2F..%2F..%2Flatest/0.1.0",
        "/updates/stable/linux/amd64/0.1.0",
        "/updates/stable/linux/x86_64/0.1",
        "/updates/stable/linux/x86_64/latest",
        "/updates/stable/linux/x86_64/0.1.0%2F..%2F..",
        "/updates/stable/linux/x86_64/-1.0.0",
        "/updates/stable/linux/x86_64/%F0%9F%92%A5",
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(!body.contains("9.9.9"));
    }
    let long = format!("/updates/stable/linux/x86_64/1.0.0-{}", "a".repeat(500));
    assert_eq!(server.get(&long).await.0, 400);
    // Unnormalised dot segments sent as they are match no route.
    assert_eq!(server.raw("/updates/../secret/linux/x86_64/0.1.0").await, 404);
    assert_eq!(server.raw("/updates/stable/../../latest/x86_64/0.1.0").await, 404);
    assert_eq!(server.raw("/updates/stable/linux/x86_64/0.1.0/..").await, 404);
}

#[tokio::test]
async fn a_broken_published_file_is_a_server_error_that_reveals_nothing() {
    let server = Published::start().await;
    std::fs::write(server.dir.join("stable/latest.json"), b"{ \"version\": ").unwrap();
    let (status, body) = server.get("/updates/stable/linux/x86_64/0.1.0").await;
    assert_eq!(status, 500);
    assert!(!body.contains(&*server.dir.to_string_lossy()), "{body}");
    server.publish("stable/latest.json", &json!({ "version": "not-a-version", "platforms": {} }));
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.1.0").await.0, 500);
    server.publish("stable/latest.json", &json!({ "version": "1.0.0" }));
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.1.0").await.0, 500);
    std::fs::write(server.dir.join("stable/latest.json"), vec![b' '; 2 * 1024 * 1024]).unwrap();
    assert_eq!(server.get("/updates/stable/linux/x86_64/0.1.0").await.0, 500);
}

/// The routes are part of the public server, behind its middleware.
#[tokio::test]
async fn the_public_server_serves_the_update_routes() {
    let db =
        sqlx::postgres::PgPoolOptions::new().connect_lazy("postgres://127.0.0.1:9/unused").unwrap();
    let state = pocket_portal::server::AppState {
        db,
        clock: std::sync::Arc::new(pocket_workflows::worker::SystemClock),
    };
    let app = pocket_portal::server::router_with(state, &pocket_portal::ops::HttpPolicy::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .unwrap()
    });
    let http = reqwest::Client::new();
    let unknown = http.get(format!("http://{addr}/updates/nightly/linux/x86_64/0.1.0")).send();
    let unknown = unknown.await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["x-content-type-options"], "nosniff");
    let bad = http.get(format!("http://{addr}/updates/stable/linux/x86_64/0.1.0.0")).send();
    assert_eq!(bad.await.unwrap().status(), 400);
}

#[tokio::test]
async fn the_signed_bundles_are_served_and_nothing_else() {
    let server = Published::start().await;
    let folder = server.dir.join("artifacts/0.3.0");
    std::fs::create_dir_all(&folder).unwrap();
    let bundle: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(folder.join("Pocket_0.3.0_amd64.deb"), &bundle).unwrap();
    std::fs::write(folder.join(".hidden"), b"x").unwrap();
    std::fs::write(server.dir.join("stable/latest.json"), b"{}").unwrap();
    std::fs::write(server.root.join("secret.txt"), b"secret").unwrap();

    let url = format!("http://{}/updates/artifacts/0.3.0/Pocket_0.3.0_amd64.deb", server.addr);
    let response = server.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    assert_eq!(response.bytes().await.unwrap().as_ref(), bundle.as_slice());

    assert_eq!(server.get("/updates/artifacts/0.3.0/missing.deb").await.0, 404);
    assert_eq!(server.get("/updates/artifacts/0.4.0/Pocket_0.3.0_amd64.deb").await.0, 404);
    for path in [
        "/updates/artifacts/0.3.0/.hidden",
        "/updates/artifacts/0.3.0/..%2F..%2Fstable%2Flatest.json",
        "/updates/artifacts/..%2F..%2F..%2Fsecret.txt/x",
        "/updates/artifacts/0.3.0/a%00b",
        "/updates/artifacts/..%2Fstable/latest.json",
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!(status, 400, "{path}");
        assert!(!body.contains("secret"));
    }
    assert_eq!(server.raw("/updates/artifacts/0.3.0/../../secret.txt").await, 404);
    // Encoded dot segments reach the handler as `..` and are refused there.
    assert_eq!(server.raw("/updates/artifacts/0.3.0/%2E%2E").await, 400);
    assert_eq!(server.raw("/updates/artifacts/0.3.0/%2e%2e%2fsecret.txt").await, 400);
}
