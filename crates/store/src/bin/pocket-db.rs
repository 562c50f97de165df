//! `pocket-db`: database chores for developers and operators, on the database named by
//! `DATABASE_URL`: apply the migrations, seed the demo data set, remove the demo logins.
//!
//! ```text
//! pocket-db migrate
//! pocket-db seed [--applicants N] [--seed S] [--today YYYY-MM-DD]
//! pocket-db drop-demo-logins
//! ```

use std::process::ExitCode;
use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use pocket_store::demo::{self, DemoOptions};

const USAGE: &str = "usage: pocket-db migrate | seed [--applicants N] [--seed S] \
                     [--today YYYY-MM-DD] | drop-demo-logins   (database: DATABASE_URL)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pocket-db: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let url =
        std::env::var("DATABASE_URL").map_err(|_| format!("DATABASE_URL is not set\n{USAGE}"))?;
    let pool = sqlx::PgPool::connect(&url).await.map_err(|e| format!("connecting: {e}"))?;
    match args.first().map(String::as_str) {
        Some("migrate") => {
            pocket_store::migrate(&pool).await.map_err(|e| format!("migrating: {e}"))?;
            println!("migrations applied");
        }
        Some("seed") => {
            let options = seed_options(&args[1..])?;
            let started = Instant::now();
            let summary = demo::seed(&pool, options).await.map_err(|e| format!("seeding: {e}"))?;
            if summary.already_seeded {
                println!("the database already holds data; nothing was added");
            } else {
                println!("seeded the demo data in {:.1} s", started.elapsed().as_secs_f64());
            }
            println!("{summary}");
        }
        Some("drop-demo-logins") => {
            let dropped = demo::drop_demo_logins(&pool).await.map_err(|e| e.to_string())?;
            println!("dropped {dropped} demo logins");
        }
        _ => return Err(USAGE.to_string()),
    }
    Ok(())
}

fn seed_options(args: &[String]) -> Result<DemoOptions, String> {
    // Business dates are civil dates in Africa/Johannesburg, which is UTC+2 all year (DESIGN.md 4).
    let mut options = DemoOptions {
        applicants: 400,
        seed: 2026,
        today: (Utc::now() + Duration::hours(2)).date_naive(),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--applicants" => {
                options.applicants = value.parse().map_err(|_| format!("bad count {value:?}"))?
            }
            "--seed" => options.seed = value.parse().map_err(|_| format!("bad seed {value:?}"))?,
            "--today" => {
                options.today = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .map_err(|_| format!("bad date {value:?}, expected YYYY-MM-DD"))?
            }
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(options)
}
