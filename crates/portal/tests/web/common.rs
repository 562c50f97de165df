//! The platform as the applicant meets it, started in the test: `pocket serve` and `pocket
//! worker` on a fresh database, aimed at the XDS and Clickatell simulators by URL, with a
//! document folder of the test's own; and a cookie-keeping HTTP client that follows the forms
//! as a browser without JavaScript would.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pocket_portal::settings::{PortalSettings, Settings};
use pocket_portal::web::Portal;
use pocket_sandbox::ClickatellSimulator;
use pocket_sandbox::xds::XdsSimulator;
use pocket_workflows::worker::TestClock;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const PORTAL_SECRET: &str = "portal-secret-for-tests-0123456789abcdef";

/// The running platform.
pub struct Platform {
    pub url: String,
    pub sms: ClickatellSimulator,
    pub bureau: XdsSimulator,
    pub portal: Arc<Portal>,
    pub documents: PathBuf,
    /// The portal's clock (the worker keeps the machine's).
    pub clock: TestClock,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
}

impl Platform {
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The newest PIN the SMS simulator received for a number (digits like `27825550101`).
    pub fn last_pin(&self, msisdn_digits: &str) -> String {
        let messages = self.sms.messages();
        let text = messages
            .iter()
            .rev()
            .find(|m| m.to == msisdn_digits && m.content.contains("PIN"))
            .map(|m| m.content.clone())
            .unwrap_or_else(|| panic!("no PIN was sent to {msisdn_digits}"));
        let start = text.find(" is ").expect("the PIN follows 'is'") + 4;
        text[start..start + 6].to_owned()
    }

    /// Stops both processes as SIGTERM would.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            task.await.expect("no panic").expect("a clean stop");
        }
    }
}

/// A fresh folder under the build's test output.
pub fn output_dir(kind: &str) -> PathBuf {
    // The build's target folder (CARGO_TARGET_TMPDIR is `<target>/tmp`), so the output is
    // ignored by git and kept for looking at after a run.
    let base = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .and_then(|tmp| tmp.parent().map(PathBuf::from))
        .unwrap_or_else(std::env::temp_dir);
    let dir =
        base.join("test-output").join("portal").join(kind).join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).expect("output folder");
    dir
}

pub async fn start(pool: &PgPool) -> Platform {
    start_with(pool, |_| {}).await
}

/// Starts the platform; `adjust` may change the portal's limits first.
pub async fn start_with(pool: &PgPool, adjust: impl FnOnce(&mut Portal)) -> Platform {
    let (sms, bureau) = crate::worker::simulators().await;
    let db = crate::worker::database_url(pool).await;
    let shutdown = CancellationToken::new();

    let worker_listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let worker_addr = worker_listener.local_addr().expect("address");
    let mut worker_env = crate::worker::worker_env(pool, &sms, &bureau, worker_addr).await;
    // The worker connects with the privileges of its own group role, as in production.
    let separator = if db.contains('?') { '&' } else { '?' };
    for (name, value) in &mut worker_env {
        if *name == "DATABASE_URL" {
            *value = format!("{db}{separator}options%5Brole%5D=pocket_worker");
        }
    }
    let worker_settings = Settings::from_lookup(|name| {
        worker_env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })
    .expect("worker settings");
    let worker = tokio::spawn(pocket_portal::worker::serve(
        worker_settings,
        worker_listener,
        shutdown.clone(),
    ));

    let documents = output_dir("documents");
    // The portal connects with the privileges of its own group role, as in production: what
    // the grants do not allow fails here too.
    let portal_db = format!("{db}{separator}options%5Brole%5D=pocket_portal");
    let portal_env = [
        ("DATABASE_URL", portal_db),
        ("POCKET_PORTAL_SECRET", PORTAL_SECRET.to_string()),
        ("POCKET_DEV_MODE", "true".to_string()),
        ("POCKET_DOCUMENTS", documents.display().to_string()),
        ("CLICKATELL_URL", sms.url()),
        ("CLICKATELL_API_KEY", sms.api_key()),
    ];
    let settings = PortalSettings::from_lookup(|name| {
        portal_env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })
    .expect("portal settings");
    let mut portal = pocket_portal::server::portal(&settings).expect("portal context");
    adjust(&mut portal);
    let portal = Arc::new(portal);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let clock = TestClock::new(chrono::Utc::now());
    let server = tokio::spawn(pocket_portal::server::serve_portal(
        settings,
        portal.clone(),
        Arc::new(clock.clone()),
        listener,
        shutdown.clone(),
    ));
    Platform { url, sms, bureau, portal, documents, clock, shutdown, tasks: vec![server, worker] }
}

/// A browser without JavaScript: keeps cookies, follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// The value of the first hidden field `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start =
        html.find(&marker).unwrap_or_else(|| panic!("no field {name} in:\n{html}")) + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

/// A page: final URL, status and body.
pub struct Page {
    pub url: String,
    pub status: u16,
    pub html: String,
}

pub async fn get(client: &reqwest::Client, url: &str) -> Page {
    let r = client.get(url).send().await.expect("GET");
    let url = r.url().to_string();
    let status = r.status().as_u16();
    Page { url, status, html: r.text().await.expect("body") }
}

/// Posts a form with the page's CSRF token added.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> Page {
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    let r = client.post(url).form(&form).send().await.expect("POST");
    let url = r.url().to_string();
    let status = r.status().as_u16();
    Page { url, status, html: r.text().await.expect("body") }
}

/// Signs in with a mobile number through the PIN pages; returns the page after sign-in.
pub async fn sign_in(p: &Platform, client: &reqwest::Client, mobile: &str, digits: &str) -> Page {
    let form = get(client, &p.at("/sign-in")).await;
    assert_eq!(form.status, 200);
    let sent =
        post(client, &p.at("/sign-in"), &hidden(&form.html, "csrf"), &[("mobile", mobile)]).await;
    assert_eq!(sent.status, 200, "{}", sent.html);
    assert!(sent.url.contains("/sign-in/pin?challenge="), "{}", sent.url);
    let pin = p.last_pin(digits);
    post(
        client,
        &p.at("/sign-in/pin"),
        &hidden(&sent.html, "csrf"),
        &[("challenge", &hidden(&sent.html, "challenge")), ("pin", &pin)],
    )
    .await
}

/// A small but complete PDF.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// A 1x1 PNG.
pub fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15,
        0xC4, 0x89,
    ]);
    v.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'D', b'A', b'T', 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00,
        0x01, 0x0D, 0x0A, 0x2D, 0xB4,
    ]);
    v.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    v
}

/// Uploads a file on a documents page; returns the resulting page.
pub async fn upload(
    p: &Platform,
    client: &reqwest::Client,
    page_html: &str,
    kind: &str,
    file_name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> Page {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str(mime)
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("csrf", hidden(page_html, "csrf"))
        .text("back", hidden(page_html, "back"))
        .text("kind", kind.to_owned())
        .part("file", part);
    let r =
        client.post(p.at("/application/documents")).multipart(form).send().await.expect("upload");
    let url = r.url().to_string();
    let status = r.status().as_u16();
    Page { url, status, html: r.text().await.expect("body") }
}

/// Fills the application steps with a good payer's details (the pages after sign-in).
pub async fn fill_steps(
    p: &Platform,
    client: &reqwest::Client,
    id_number: &str,
    first_names: &str,
    surname: &str,
) -> Page {
    let steps: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "personal",
            vec![
                ("first_names", first_names),
                ("surname", surname),
                ("id_number", id_number),
                ("email", ""),
                ("address_line1", "12 Vilakazi Street"),
                ("address_line2", ""),
                ("suburb", "Orlando West"),
                ("city", "Soweto"),
                ("postal_code", "1804"),
            ],
        ),
        (
            "employment",
            vec![
                ("employer_name", "Shoprite"),
                ("employment_type", "permanent"),
                ("pay_frequency", "monthly"),
                ("payday", "last_working_day"),
                ("gross_income", "R25 000"),
                ("net_income", "19000.00"),
            ],
        ),
        ("expenses", vec![("declared_expenses", "6000"), ("declared_debt", "3 000")]),
        (
            "bank",
            vec![
                ("account_holder", "T Nkosi"),
                ("branch_code", "250655"),
                ("account_number", "62123456789"),
                ("account_type", "1"),
            ],
        ),
        ("loan", vec![("amount", "2000"), ("term", "60")]),
        ("consents", vec![("bureau_enquiry", "yes"), ("processing", "yes")]),
    ];
    let mut last = None;
    for (step, fields) in steps {
        let page = get(client, &p.at(&format!("/apply/{step}"))).await;
        assert_eq!(page.status, 200, "{step}: {}", page.html);
        let done =
            post(client, &p.at(&format!("/apply/{step}")), &hidden(&page.html, "csrf"), &fields)
                .await;
        assert_eq!(done.status, 200, "{step}: {}", done.html);
        assert!(
            !done.url.ends_with(&format!("/apply/{step}")),
            "{step} was not accepted:\n{}",
            done.html
        );
        last = Some(done);
    }
    last.expect("steps")
}

/// Reloads a page (up to 20 s, every 100 ms) until it contains `needle`; returns it.
pub async fn wait_for_page(client: &reqwest::Client, url: &str, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page = get(client, url).await;
        if page.html.contains(needle) {
            return page.html;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("{url} never showed {needle:?}; last:\n{}", page.html);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
