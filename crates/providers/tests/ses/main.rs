//! The SES client against `moto`, an independent implementation of the SES v2 API (ses.md),
//! started as a child process for each test, and against a throttling peer. The test command
//! sets `POCKET_MOTO_SERVER` to the `moto_server` executable.

mod moto;
mod throttling;

use pocket_providers::ses::{SesClient, SesConfig, SesCredentials};

/// A client aimed at `endpoint` with static test credentials.
pub(crate) async fn client_for(endpoint: &str) -> SesClient {
    let mut config = SesConfig {
        endpoint_url: Some(endpoint.to_owned()),
        credentials: SesCredentials::Static {
            access_key_id: "AKIAPOCKETTEST".to_owned(),
            secret_access_key: "pocket-test-secret".to_owned(),
        },
        ..SesConfig::default()
    };
    config.backoff.base_delay = std::time::Duration::from_millis(5);
    config.backoff.max_delay = std::time::Duration::from_millis(50);
    SesClient::new(config).await
}
