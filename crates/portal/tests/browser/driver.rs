//! Headless Chromium through chromedriver (Debian's /usr/bin/chromium and /usr/bin/chromedriver),
//! on a phone-sized window, with helpers to fill and send the portal's forms, take screenshots,
//! read the browser's console log, and measure what a page transferred.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// A phone's viewport (a small Android phone).
pub const WIDTH: u32 = 360;
pub const HEIGHT: u32 = 740;

/// A chromedriver process and one browser session.
pub struct Browser {
    pub client: Client,
    driver_url: String,
    session: String,
    _driver: Child,
    _profile: PathBuf,
    shots: PathBuf,
    shot_count: usize,
    http: reqwest::Client,
}

async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    l.local_addr().expect("address").port()
}

impl Browser {
    /// Starts chromedriver on a free port and opens Chromium with a fresh profile. With
    /// `javascript` false, the page's scripts do not run, as on a phone with JavaScript off.
    pub async fn start(javascript: bool, shots: PathBuf) -> Browser {
        // Two TLS crypto providers are linked into the tests; the WebDriver client needs one
        // chosen (its connection to chromedriver is plain HTTP all the same).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port().await;
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let driver_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{driver_url}/status")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = crate::common::output_dir("chromium-profile");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--disable-sync", format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={WIDTH},{HEIGHT}"),
                ],
                "mobileEmulation": { "deviceMetrics": { "width": WIDTH, "height": HEIGHT, "pixelRatio": 2.0 } },
            }
        });
        let Value::Object(caps) = capabilities else { unreachable!() };
        let client = ClientBuilder::rustls()
            .expect("TLS")
            .capabilities(caps)
            .connect(&driver_url)
            .await
            .expect("a browser session");
        let session = client.session_id().await.expect("session").expect("an id");
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        let browser = Browser {
            client,
            driver_url,
            session,
            _driver: driver,
            _profile: profile,
            shots,
            shot_count: 0,
            http,
        };
        if !javascript {
            // The page's own scripts stop running (as with JavaScript off in the phone's
            // settings); WebDriver's commands still work.
            browser.cdp("Emulation.setScriptExecutionDisabled", json!({ "value": true })).await;
        }
        browser
    }

    /// A Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) {
        let r = self
            .http
            .post(format!("{}/session/{}/goog/cdp/execute", self.driver_url, self.session))
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .expect("CDP request");
        assert!(r.status().is_success(), "{cmd}: {}", r.text().await.unwrap_or_default());
    }

    /// Whether the portal's script ran on this page (it marks the document).
    pub async fn script_ran(&self) -> bool {
        self.html().await.contains("data-js=\"on\"")
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigates");
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("url").to_string()
    }

    pub async fn html(&self) -> String {
        self.client.source().await.expect("source")
    }

    /// Types into the field `name` (clearing it first).
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("no field {name}: {e}"));
        field.clear().await.expect("clear");
        if !value.is_empty() {
            field.send_keys(value).await.expect("type");
        }
    }

    /// Chooses an option of the select `name` by value.
    pub async fn choose(&self, name: &str, value: &str) {
        let select = self
            .client
            .find(Locator::Css(&format!("select[name='{name}']")))
            .await
            .expect("select");
        select.select_by_value(value).await.expect("option");
    }

    /// Ticks an unticked checkbox (the space bar, as a keyboard user would).
    pub async fn tick(&self, name: &str) {
        let box_ = self
            .client
            .find(Locator::Css(&format!("input[name='{name}']")))
            .await
            .expect("checkbox");
        box_.send_keys(" ").await.expect("tick");
    }

    /// Presses the submit button of the form whose action is `action` (Enter on the focused
    /// button: a WebDriver click waits on page scripts, which are off in one of the runs) and
    /// waits for the next page.
    pub async fn submit(&self, action: &str) {
        let button = self
            .client
            .find(Locator::Css(&format!("form[action='{action}'] button[type='submit']")))
            .await
            .unwrap_or_else(|e| panic!("no form {action}: {e}"));
        let before = self.client.find(Locator::Css("html")).await.expect("html");
        button.send_keys("\u{E007}").await.expect("press Enter on the button");
        // Wait until the old document is gone.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while before.tag_name().await.is_ok() {
            assert!(tokio::time::Instant::now() < deadline, "the form {action} did not navigate");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.client.wait().for_element(Locator::Css("main")).await.expect("the next page");
    }

    /// Waits until the page (reloading itself or not) contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(source) = self.client.source().await
                && source.contains(needle)
            {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "the page never showed {needle:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Saves a screenshot as `NN-name.png`.
    pub async fn shot(&mut self, name: &str) {
        self.shot_count += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.shots.join(format!("{:02}-{name}.png", self.shot_count));
        std::fs::write(&path, png).expect("screenshot written");
    }

    /// The browser console's entries since the last call (chromedriver's log endpoint).
    pub async fn console(&self) -> Vec<(String, String)> {
        let r = self
            .http
            .post(format!("{}/session/{}/se/log", self.driver_url, self.session))
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("log request");
        let body: Value = r.json().await.expect("log JSON");
        body["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or("").to_owned(),
                            e["message"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Console errors and warnings so far (each should fail the test).
    pub async fn console_errors(&self) -> Vec<String> {
        self.console()
            .await
            .into_iter()
            .filter(|(level, _)| level == "SEVERE" || level == "WARNING")
            .map(|(level, message)| format!("{level}: {message}"))
            .collect()
    }

    /// Empties the browser's HTTP cache (Chrome DevTools Protocol through chromedriver).
    pub async fn clear_cache(&self) {
        self.cdp("Network.clearBrowserCache", json!({})).await;
    }

    /// Bytes the current page transferred: the navigation and every resource (Resource Timing
    /// `transferSize`, or the encoded body size when a response reports no transfer size).
    pub async fn transferred(&self) -> u64 {
        let script = "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))\
            .reduce(function (sum, e) { return sum + Math.max(e.transferSize || 0, e.encodedBodySize || 0); }, 0);";
        let v = self.client.execute(script, vec![]).await.expect("performance entries");
        v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)).expect("a number")
    }

    pub async fn close(self) {
        self.client.close().await.expect("the session closes");
    }
}
