//! The application's start-up (store, secret, first organizer, demo) and `serve`, which main
//! and the tests share. The state handlers reach is `state::AppState`; the router is
//! assembled in `routes`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::accounts::Accounts;
use crate::auth::JwtKeys;
use crate::board::Boards;
use crate::clock::Clock;
use crate::competitions::Competitions;
use crate::exam::Exam;
use crate::imports::Imports;
use crate::live_final::Finals;
use crate::passwords::PasswordHasher;
use crate::rehearsal::Rehearsals;
use crate::settings::{Settings, Storage};
use crate::state::{AppState, Services};
use crate::store::Store;
use crate::{demo, routes};

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
    let boards = Arc::new(Boards::new(store.clone()));
    let keys = Arc::new(JwtKeys::new(&secret));
    let hasher = PasswordHasher::default();
    let state = AppState::new(Services {
        exam: Exam::new(store.clone(), clock.clone(), boards.clone()),
        accounts: Accounts::new(
            store.clone(),
            clock.clone(),
            hasher.clone(),
            keys.clone(),
            boards.clone(),
        ),
        competitions: Competitions::new(store.clone(), clock.clone()),
        imports: Imports::new(store.clone(), clock.clone()),
        rehearsals: Rehearsals::new(store.clone(), clock.clone()),
        finals: Finals::new(store.clone(), clock.clone(), keys.clone()),
        boards,
        store,
        keys,
        clock,
    });
    let mut startup = Startup {
        initial_admin_password: None,
        data_dir: Some(dir.clone()),
    };
    if state.store.organizer_count().await? == 0 {
        let password = crate::auth::generate_password();
        let hash = hasher
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
        demo::seed(&state.store, &state.clock)
            .await
            .map_err(StartError::Demo)?;
    }
    Ok((state, startup))
}

/// Serves until `shutdown` completes, then finishes the requests in flight. Also runs the
/// sweeper that grades attempts whose deadline passed, and the store's recovery probe.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_sweeper, sweeper_stopped) = tokio::sync::watch::channel(false);
    let sweeper = tokio::spawn(
        state
            .exam
            .clone()
            .sweep_overdue_attempts(sweeper_stopped.clone()),
    );
    let store = state.store.clone();
    let prober = tokio::spawn(async move { store.probe_while_degraded(sweeper_stopped).await });
    if let Some(url) = state.store.postgres_url() {
        tokio::spawn(
            state
                .boards
                .clone()
                .listen_for_other_processes(url.to_owned()),
        );
        tokio::spawn(
            state
                .finals
                .clone()
                .listen_for_other_processes(url.to_owned()),
        );
    }
    // A final interrupted by a restart resumes where it stood, its countdown included.
    if let Err(e) = state.finals.resume_all().await {
        tracing::warn!(error = %e, "cannot resume the live finals; they resume when first asked for");
    }
    let boards = state.boards.clone();
    let finals = state.finals.clone();
    // Websocket viewers never end by themselves: close them when shutdown begins.
    let shutdown = async move {
        shutdown.await;
        boards.shut_down();
        finals.shut_down();
    };
    // `into_make_service`: each connection shares the one router. Served as a plain `Router`,
    // axum deep-clones the whole route table for every connection (about 10 KiB and a hundred
    // allocations each; docs/PERFORMANCE.md, "Live final", the heap profile).
    let result = axum::serve(listener, routes::router(state.clone()).into_make_service())
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_sweeper.send(true);
    let _ = sweeper.await;
    let _ = prober.await;
    state.store.close().await;
    result
}
