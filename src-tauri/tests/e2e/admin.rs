//! The reports and administration screens in the real app: an administrator signs in, views
//! each report (SVG charts with their tables), exports one as CSV to a file, then opens the
//! administration page, issues a partner key (shown once), previews a message template and
//! reads the audit log. Screenshots go to target/test-output/desktop/.

use fantoccini::Client;
use sqlx::PgPool;

use super::common::{self, driver};
use driver::{find, shot, until};

async fn click(client: &Client, css: &str) {
    find(client, css).await.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

#[sqlx::test(migrator = "pocket_store::MIGRATOR")]
async fn an_administrator_reads_the_reports_exports_one_and_administers(pool: PgPool) {
    common::seed(&pool, 200).await;
    let priya = common::login(&pool, "priya").await;
    let config = driver::write_config(&common::config_json(&pool));
    let (processes, client) = driver::launch(&config).await;
    super::sign_in(&client, &priya).await;

    // Reports: each one draws its chart and its table.
    click(&client, "#nav-reports").await;
    find(&client, "#report-loan_book #chart-loan-book svg rect.bar").await;
    shot(&client, "10-report-loan-book").await;
    for (slug, chart) in [
        ("funnel", "chart-funnel"),
        ("collections", "chart-collections"),
        ("arrears", "chart-arrears"),
    ] {
        click(&client, &format!("button.tab[data-report='{slug}']")).await;
        find(&client, &format!("#report-{slug} #{chart} svg title")).await;
        find(&client, &format!("#report-{slug} table.report-table tbody tr")).await;
        shot(&client, &format!("11-report-{slug}")).await;
    }
    // The funnel's first stage is every application started in the range the page shows.
    click(&client, "button.tab[data-report='funnel']").await;
    let started =
        find(&client, "#report-funnel tr[data-stage='started'] td.num").await.text().await.unwrap();
    assert!(started.parse::<i64>().is_ok_and(|n| n > 0), "started: {started:?}");

    // Export: the shell writes the CSV where the officer said.
    let dir = std::env::temp_dir().join(format!("pocket-e2e-export-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("funnel.csv");
    let field = find(&client, "#export-path").await;
    field.clear().await.unwrap();
    field.send_keys(path.to_str().unwrap()).await.unwrap();
    click(&client, "#export").await;
    let toast = find(&client, ".toast-success").await.text().await.unwrap();
    assert!(toast.contains("Saved 7 rows"), "{toast}");
    let csv = std::fs::read_to_string(&path).expect("the exported file");
    assert!(csv.starts_with("stage,label,applications\r\nstarted,Started,"), "{csv}");
    std::fs::remove_dir_all(&dir).unwrap();

    // Administration: officers first.
    click(&client, "#nav-admin").await;
    find(&client, &format!("#officers-table tr[data-login='{priya}']")).await;
    shot(&client, "12-admin-officers").await;

    // A partner and its key, shown once.
    click(&client, "button.tab[data-section='partners']").await;
    find(&client, "#partner-name").await.send_keys("Acme Leads").await.unwrap();
    click(&client, "#partner-add").await;
    click(&client, "button[data-issue='Acme Leads']").await;
    let key =
        find(&client, "#issued-key-value").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(pocket_workflows::partner_keys::key_prefix(&key).is_some(), "a key: {key:?}");
    shot(&client, "13-admin-key-issued").await;
    let stored: String = sqlx::query_scalar(
        "select k.key_hash from partner_api_key k join partner p using (partner_id) where p.name = 'Acme Leads'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stored, pocket_workflows::partner_keys::hash_key(&key));
    click(&client, "#issued-key button").await;
    until(
        &client,
        "the key is gone from the screen",
        "return document.querySelector('#issued-key') === null",
    )
    .await;

    // A template previewed with the outbox's renderer.
    click(&client, "button.tab[data-section='templates']").await;
    click(&client, "#templates-table tr[data-code='debit_reminder'][data-channel='sms'] button")
        .await;
    until(
        &client,
        "the template in the form",
        "return document.querySelector('#template-code').value === 'debit_reminder'",
    )
    .await;
    click(&client, "#template-preview").await;
    let rendered = find(&client, "#template-rendered .preview-body").await.text().await.unwrap();
    assert!(rendered.contains("R1500.00") && !rendered.contains("{{"), "{rendered}");
    shot(&client, "14-admin-template-preview").await;

    // The audit log shows the partner just created.
    click(&client, "button.tab[data-section='audit']").await;
    find(&client, "tr.audit-row").await;
    until(
        &client,
        "the partner's audit entry",
        "return [...document.querySelectorAll('tr.audit-row')].some(r => r.textContent.includes('Acme Leads'))",
    )
    .await;
    shot(&client, "15-admin-audit").await;

    client.close().await.expect("closing the session");
    drop(processes);
    let _ = std::fs::remove_file(&config);
    common::drop_logins(&pool).await;
}
