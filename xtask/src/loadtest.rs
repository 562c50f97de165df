//! `cargo xtask loadtest`: the partner API under load, measured with `wrk` against the release
//! build of `pocket serve` on 127.0.0.1, with a fresh migrated database, the provider simulators
//! and a release `pocket worker` deciding the applications in the background.
//!
//! Two runs: (a) quote requests; (b) application submissions, each followed by two 500 KB
//! uploads (a payslip and a bank statement) to the new application, one connection per wrk
//! thread so that each connection walks submit, upload, upload in turn. It prints requests per
//! second, the p50 and p99 latencies, the answers that were not 2xx, and the server's peak
//! resident memory (VmHWM from /proc/<pid>/status). The numbers are printed, never asserted.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, dev, postgres, project_root, run as run_command};

/// The scratch database of the load test (dropped and re-created on every run).
const DATABASE: &str = "pocket_loadtest";
/// The simulators' logins (pocket_sandbox defaults; xtask links none of our crates).
const SANDBOX_CLICKATELL_KEY: &str = "sandbox-clickatell-key-3f9a7c21";
const SANDBOX_XDS_USER: &str = "pocketloans";
const SANDBOX_XDS_PASSWORD: &str = "sandbox-xds-password";
const CALLBACK_SECRET: &str = "loadtest-callback-secret";
/// The XDS simulator's good payer (pocket_sandbox::xds::GOOD_PAYER_ID).
const GOOD_PAYER_ID: &str = "9102030123082";

/// The wrk script of run (b): submit, then upload two files to the application just made.
const SUBMISSION_SCRIPT: &str = r#"
local auth = "Bearer " .. os.getenv("POCKET_LOADTEST_KEY")
local application = [[{"applicant":{"id_number":"ID_NUMBER","first_names":"Thabo","surname":"Nkosi","mobile":"0831234567"},
"loan":{"amount_cents":200000,"term_days":60},
"employment":{"employer_name":"Shoprite","employment_type":"permanent","pay_frequency":"monthly","payday":"last_working_day","gross_income_cents":2500000,"net_income_cents":1900000},
"expenses":{"declared_expenses_cents":600000,"declared_debt_cents":300000},
"bank":{"branch_code":"250655","account_number":"62123456789","account_type":1,"account_holder":"T Nkosi"},
"consents":[{"purpose":"bureau_enquiry","text_version":"bureau-v3"}]}]]
local files = {}
local stage = 0
local reference = nil
local uploads = 0

function init(args)
  -- 500 KB each, distinct, shaped like PDF files (the store sniffs the content).
  local filler = string.rep("0123456789abcdef", 32000)
  local seed = tostring(math.random(1, 1000000000))
  files[1] = "%PDF-1.7\n% payslip " .. seed .. "\n" .. filler .. "\n%%EOF\n"
  files[2] = "%PDF-1.7\n% statement " .. seed .. "\n" .. filler .. "\n%%EOF\n"
end

function request()
  if stage == 0 or reference == nil then
    return wrk.format("POST", "/api/v1/applications",
      {["Authorization"] = auth, ["Content-Type"] = "application/json"}, application)
  end
  local kind = (stage == 1) and "payslip" or "bank_statement"
  -- A distinct file per upload: the store keeps one document per application and SHA-256.
  uploads = uploads + 1
  local body = files[stage] .. "% " .. uploads .. "\n%%EOF\n"
  return wrk.format("POST",
    "/api/v1/applications/" .. reference .. "/documents?kind=" .. kind .. "&file_name=" .. kind .. ".pdf",
    {["Authorization"] = auth, ["Content-Type"] = "application/pdf"}, body)
end

function response(status, headers, body)
  if stage == 0 then
    reference = body and body:match('"reference":"([^"]+)"')
    if reference then stage = 1 end
  elseif stage == 1 then
    stage = 2
  else
    stage = 0
    reference = nil
  end
end
"#;

/// What one wrk run measured.
#[derive(Debug, Default)]
struct Measured {
    requests_per_second: f64,
    p50: String,
    p99: String,
    requests: u64,
    not_2xx: u64,
}

pub fn run(args: &[String]) -> Result<()> {
    let seconds: u64 = flag(args, "--duration").map(|v| v.parse()).transpose()?.unwrap_or(20);
    let connections: u32 =
        flag(args, "--connections").map(|v| v.parse()).transpose()?.unwrap_or(16);
    let wrk =
        which("wrk").context("wrk is not installed (Debian package `wrk`: apt-get install wrk)")?;

    let server = postgres::ensure()?;
    dev::recreate_database(&server, DATABASE)?;
    let url = server.url_for(DATABASE);
    dev::migrate(&url)?;

    let pocket = release_binary("pocket");
    let sandbox_bin = release_binary("pocket-sandbox");
    if args.iter().any(|a| a == "--no-build") && pocket.exists() && sandbox_bin.exists() {
        println!("using the release binaries built before (--no-build)");
    } else {
        println!("building the release binaries (pocket, pocket-sandbox)...");
        run_command(cargo().args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "pocket-portal",
            "-p",
            "pocket-sandbox",
            "--bins",
        ]))?;
    }

    let ports = free_ports(6)?;
    let (netcash, xds, clickatell, sentry, worker_port, http) =
        (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
    let documents = std::env::temp_dir().join(format!("pocket-loadtest-{}", std::process::id()));
    std::fs::create_dir_all(&documents)?;
    let mut children = Children::default();

    let mut sandbox = Command::new(&sandbox_bin);
    sandbox
        .env("POCKET_SANDBOX_PORT", netcash.to_string())
        .env("POCKET_SANDBOX_XDS_PORT", xds.to_string())
        .env("POCKET_SANDBOX_CLICKATELL_PORT", clickatell.to_string())
        .env("POCKET_SANDBOX_SENTRY_PORT", sentry.to_string())
        .env(
            "POCKET_SANDBOX_CLICKATELL_CALLBACK",
            format!("http://127.0.0.1:{worker_port}/webhooks/clickatell/{CALLBACK_SECRET}"),
        );
    children.spawn("simulators", &mut sandbox)?;
    wait_for_port(clickatell)?;
    wait_for_port(xds)?;

    let provider_env = |cmd: &mut Command| {
        cmd.env("DATABASE_URL", &url)
            .env("CLICKATELL_URL", format!("http://127.0.0.1:{clickatell}"))
            .env("CLICKATELL_API_KEY", SANDBOX_CLICKATELL_KEY)
            .env("CLICKATELL_CALLBACK_SECRET", CALLBACK_SECRET)
            // No email is sent (the applicants have no address); a closed port if one were.
            .env("SES_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("SES_ACCESS_KEY_ID", "loadtest")
            .env("SES_SECRET_ACCESS_KEY", "loadtest")
            .env("EMAIL_FROM", "loans@pocketloans.example.co.za")
            .env("XDS_URL", format!("http://127.0.0.1:{xds}/xdsconnect/XDSConnectWS.asmx"))
            .env("XDS_USER", SANDBOX_XDS_USER)
            .env("XDS_PASSWORD", SANDBOX_XDS_PASSWORD)
            .env("XDS_PRODUCT_ID", "15")
            .env("RUST_LOG", "warn");
    };
    let mut worker = Command::new(&pocket);
    worker.arg("worker").env("POCKET_HTTP_ADDR", format!("127.0.0.1:{worker_port}"));
    provider_env(&mut worker);
    children.spawn("worker", &mut worker)?;
    wait_for_port(worker_port)?;

    // A partner and its key, made as an administrator would.
    let partner = |args: &[&str]| -> Result<String> {
        let out = Command::new(&pocket)
            .arg("partner")
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .stderr(Stdio::inherit())
            .output()
            .context("running pocket partner")?;
        if !out.status.success() {
            bail!("pocket partner {args:?} failed");
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    partner(&["create", "Load Test Leads"])?;
    let key = partner(&["add-key", "Load Test Leads"])?
        .lines()
        .last()
        .map(|l| l.trim().to_owned())
        .context("pocket partner add-key printed no key")?;

    let mut serve = Command::new(&pocket);
    serve
        .arg("serve")
        .env("POCKET_PORTAL_ADDR", format!("127.0.0.1:{http}"))
        .env("POCKET_PUBLIC_URL", format!("http://127.0.0.1:{http}"))
        .env("POCKET_DEV_MODE", "true")
        .env("POCKET_DOCUMENTS", &documents)
        .env("POCKET_PORTAL_SECRET", "loadtest-portal-secret-0123456789abcdef0123456789")
        // The limit is the server's capacity here, not a partner's allowance.
        .env("POCKET_API_REQUESTS_PER_MINUTE", "100000000")
        // Submissions answer at once ("deciding"); the worker decides them in the background.
        .env("POCKET_API_DECISION_WAIT_SECS", "0");
    provider_env(&mut serve);
    let serve_pid = children.spawn("server", &mut serve)?;
    wait_for_port(http)?;
    let base = format!("http://127.0.0.1:{http}");

    println!("(a) quotes: {connections} connections, {seconds} s");
    let quote = wrk_run(
        &wrk,
        &[
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-H",
            &format!("Authorization: Bearer {key}"),
            &format!("{base}/api/v1/quote?amount_cents=200000&term_days=30&first_loan=true"),
        ],
        &key,
    )?;
    let quote_peak = peak_memory_kb(serve_pid)?;

    let script = documents.join("submissions.lua");
    std::fs::write(&script, SUBMISSION_SCRIPT.replace("ID_NUMBER", GOOD_PAYER_ID))?;
    println!("(b) submissions with two 500 KB uploads each: 4 connections, {seconds} s");
    let started = Instant::now();
    let submissions = wrk_run(
        &wrk,
        &[
            "-t4",
            "-c4",
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
            &script.to_string_lossy(),
            &base,
        ],
        &key,
    )?;
    let elapsed = started.elapsed();
    let submissions_peak = peak_memory_kb(serve_pid)?;
    let applications = count_applications(&url)?;

    println!();
    println!("Partner API load test (release build, 127.0.0.1, {} cores)", cores());
    println!(
        "  (a) quotes           {:>9.1} req/s  p50 {:>9}  p99 {:>9}  requests {}  non-2xx {}",
        quote.requests_per_second, quote.p50, quote.p99, quote.requests, quote.not_2xx
    );
    println!(
        "  (b) submit + 2x500KB {:>9.1} req/s  p50 {:>9}  p99 {:>9}  requests {}  non-2xx {}",
        submissions.requests_per_second,
        submissions.p50,
        submissions.p99,
        submissions.requests,
        submissions.not_2xx
    );
    println!(
        "      {} applications submitted in {:.1} s ({:.1} per second, each with its uploads)",
        applications,
        elapsed.as_secs_f64(),
        applications as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  server peak memory (VmHWM): after (a) {quote_peak} kB, after (b) {submissions_peak} kB"
    );
    drop(children);
    let _ = std::fs::remove_dir_all(&documents);
    dev::drop_database(&server, DATABASE)?;
    Ok(())
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// A binary of the workspace as `cargo build --release` left it.
fn release_binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| if dir.is_absolute() { dir } else { project_root().join(dir) })
        .unwrap_or_else(|| project_root().join("target"));
    target.join("release").join(name)
}

/// Runs wrk and reads its summary.
fn wrk_run(wrk: &Path, args: &[&str], key: &str) -> Result<Measured> {
    let out = Command::new(wrk)
        .args(args)
        .env("POCKET_LOADTEST_KEY", key)
        .stderr(Stdio::inherit())
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("wrk failed:\n{text}");
    }
    let mut m = Measured::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => m.p50 = (*v).to_owned(),
            ["99%", v] => m.p99 = (*v).to_owned(),
            ["Requests/sec:", v] => m.requests_per_second = v.parse().unwrap_or(0.0),
            [n, "requests", "in", ..] => m.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => m.not_2xx = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    if m.requests == 0 {
        bail!("wrk made no requests:\n{text}");
    }
    Ok(m)
}

/// The peak resident set of a process, in kB (`VmHWM`).
fn peak_memory_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/<pid>/status")
}

fn count_applications(url: &str) -> Result<i64> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(url).await?;
        let n: i64 =
            sqlx::query_scalar("select count(*) from application").fetch_one(&mut conn).await?;
        anyhow::Ok(n)
    })
}

/// Free loopback ports, held open together so that they differ, then released.
fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners.iter().map(|l| Ok(l.local_addr()?.port())).collect()
}

fn wait_for_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("nothing listens on port {port} after a minute")
}

/// The processes of the run; dropping it stops them (SIGTERM, then a kill after ten seconds).
#[derive(Default)]
struct Children(Vec<(&'static str, Child)>);

impl Children {
    fn spawn(&mut self, name: &'static str, cmd: &mut Command) -> Result<u32> {
        let child = cmd.spawn().with_context(|| format!("starting the {name}"))?;
        let pid = child.id();
        self.0.push((name, child));
        Ok(pid)
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (_, child) in self.0.iter_mut().rev() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for (name, child) in self.0.iter_mut().rev() {
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if matches!(child.try_wait(), Ok(None)) {
                eprintln!("the {name} did not stop in time; killing it");
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
