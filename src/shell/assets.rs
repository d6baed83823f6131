use worker::{Env, Fetcher};

use crate::platform::StaticAssets;

/// The Workers static assets binding (`[assets]` in wrangler.toml, served only through the
/// worker: `run_worker_first`) as the core's [`StaticAssets`].
pub struct AssetsAdapter {
    fetcher: Option<Fetcher>,
}

impl AssetsAdapter {
    /// The binding `name` of `env`, if configured.
    pub fn new(env: &Env, name: &str) -> Self {
        Self { fetcher: env.assets(name).ok() }
    }
}

impl StaticAssets for AssetsAdapter {
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(fetcher) = &self.fetcher else { return Err("no ASSETS binding".into()) };
        // The host is ignored by the assets binding; the path names the file.
        let mut response =
            fetcher.fetch(format!("https://assets.invalid{path}"), None).await.map_err(|e| e.to_string())?;
        match response.status_code() {
            200 => response.bytes().await.map(Some).map_err(|e| e.to_string()),
            404 => Ok(None),
            status => Err(format!("the assets binding answered {status}")),
        }
    }
}
