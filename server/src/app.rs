//! The application: shared state, the router that merges every route module, start-up
//! (store, secret, first organizer, demo) and `serve`, which main and the tests share.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tower_http::trace::TraceLayer;

use crate::auth::{JwtKeys, LoginThrottle, PasswordHasher};
use crate::autosave::{AttemptFactsCache, AutosaveWriter};
use crate::board::Boards;
use crate::clock::Clock;
use crate::settings::{Settings, Storage};
use crate::store::Store;
use crate::store::bank::BankSnapshot;
use crate::{demo, exam, routes};

/// Largest JSON body accepted anywhere.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;
/// Largest question or roster CSV accepted over HTTP.
pub const CSV_BODY_LIMIT: usize = 20 * 1024 * 1024;

/// What every handler can reach. Cheap to clone: everything is shared.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub keys: Arc<JwtKeys>,
    pub clock: Clock,
    pub hasher: PasswordHasher,
    pub throttle: LoginThrottle,
    /// The bank snapshot papers are drawn from, rebuilt when the store's bank generation
    /// moves. A tokio Mutex: rebuilding awaits the store, and concurrent starts should wait
    /// for one rebuild rather than each do their own.
    pub bank: Arc<Mutex<Option<Arc<BankSnapshot>>>>,
    /// The live leaderboards, one per competition watched or changed.
    pub boards: Arc<Boards>,
    /// What autosaves are checked against, per attempt, kept in memory.
    pub attempt_facts: Arc<AttemptFactsCache>,
    /// Group commit for autosaves.
    pub autosave: AutosaveWriter,
}

/// What start-up found or did, for the operator.
#[derive(Debug, Default)]
pub struct Startup {
    /// The first organizer's password, generated on the very first start (print it once).
    pub initial_admin_password: Option<String>,
    /// The data folder, when there is one.
    pub data_dir: Option<PathBuf>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Secret(String),
    #[error("cannot write {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("demo data: {0}")]
    Demo(String),
}

/// Opens the store (migrating it), loads the signing secret, creates the first organizer
/// when there is none, and seeds the demo when asked.
pub async fn prepare(settings: &Settings, clock: Clock) -> Result<(AppState, Startup), StartError> {
    let store = Store::open_with(&settings.storage, &settings.store).await?;
    store.check_writable_at_start(&settings.storage).await?;
    let dir = settings.data_dir.clone();
    std::fs::create_dir_all(&dir).map_err(|source| StartError::File {
        path: dir.display().to_string(),
        source,
    })?;
    let secret_dir = match &settings.storage {
        Storage::DataDir(dir) => Some(dir.as_path()),
        Storage::DatabaseUrl(_) => None,
    };
    let secret = crate::auth::load_secret(settings.jwt_secret.as_ref(), secret_dir, &store)
        .await
        .map_err(StartError::Secret)?;
    let state = AppState {
        boards: Arc::new(Boards::new(store.clone())),
        attempt_facts: Arc::new(AttemptFactsCache::default()),
        autosave: AutosaveWriter::start(store.clone()),
        store,
        keys: Arc::new(JwtKeys::new(&secret)),
        clock,
        hasher: PasswordHasher::default(),
        throttle: LoginThrottle::default(),
        bank: Arc::new(Mutex::new(None)),
    };
    let mut startup = Startup {
        initial_admin_password: None,
        data_dir: Some(dir.clone()),
    };
    if state.store.organizer_count().await? == 0 {
        let password = crate::auth::generate_password();
        let hash = state
            .hasher
            .hash(&password)
            .await
            .map_err(|e| StartError::Secret(e.to_string()))?;
        match state
            .store
            .create_organizer("admin", &hash, state.clock.now())
            .await
        {
            Ok(_) => {
                let path = dir.join("initial-admin-password");
                crate::auth::write_private_file(&path, format!("{password}\n").as_bytes())
                    .map_err(|source| StartError::File {
                        path: path.display().to_string(),
                        source,
                    })?;
                startup.initial_admin_password = Some(password);
            }
            // Another process sharing the database created it first.
            Err(e) if e.is_unique_violation() => {}
            Err(e) => return Err(e.into()),
        }
    }
    if settings.demo {
        demo::seed(&state).await.map_err(StartError::Demo)?;
    }
    Ok((state, startup))
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::health::router())
        .merge(routes::accounts::router())
        .merge(routes::competitions::router())
        .merge(routes::attempts::router())
        .merge(routes::admin::router())
        .merge(routes::companies::router())
        .merge(routes::exports::router())
        .merge(routes::monitor::router())
        .merge(routes::live::router())
        .merge(crate::web::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::health::refuse_api_while_storage_unreliable,
        ))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        // No ERROR line per 5xx: a 500 is logged with its cause by `AppError`, and a 503 of
        // the storage once per fault by the store's health.
        .layer(TraceLayer::new_for_http().on_failure(()))
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes the requests in flight. Also runs the
/// sweeper that grades attempts whose deadline passed, and the store's recovery probe.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_sweeper, sweeper_stopped) = tokio::sync::watch::channel(false);
    let sweeper = tokio::spawn(exam::sweep_overdue_attempts(
        state.clone(),
        sweeper_stopped.clone(),
    ));
    let store = state.store.clone();
    let prober = tokio::spawn(async move { store.probe_while_degraded(sweeper_stopped).await });
    if let Some(url) = state.store.postgres_url() {
        tokio::spawn(
            state
                .boards
                .clone()
                .listen_for_other_processes(url.to_owned()),
        );
    }
    let boards = state.boards.clone();
    // Websocket viewers never end by themselves: close them when shutdown begins.
    let shutdown = async move {
        shutdown.await;
        boards.shut_down();
    };
    let result = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_sweeper.send(true);
    let _ = sweeper.await;
    let _ = prober.await;
    state.store.close().await;
    result
}
