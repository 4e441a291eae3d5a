//! `AppState`: what every handler can reach — the store, the token keys, the clock, the
//! live boards, and the services: accounts, competitions, imports, the exam and the finals. It imports no
//! route: the routes import it.

use std::sync::Arc;

use crate::accounts::Accounts;
use crate::auth::JwtKeys;
use crate::board::Boards;
use crate::clock::Clock;
use crate::competitions::Competitions;
use crate::exam::Exam;
use crate::imports::Imports;
use crate::live_final::Finals;
use crate::rehearsal::Rehearsals;
use crate::store::Store;

/// What every handler can reach: the one shared `Services`. axum clones the state for every
/// request, so it is one reference count here; cloning the services themselves took ~40
/// (each holds the store's pools and more): 9 % of the CPU of an autosave storm
/// (docs/PERFORMANCE.md, "Server load").
#[derive(Clone, Debug)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> AppState {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The store, the token keys, the clock and the services.
#[derive(Debug)]
pub struct Services {
    pub store: Store,
    pub keys: Arc<JwtKeys>,
    pub clock: Clock,
    /// Registration and login.
    pub accounts: Accounts,
    /// Creating, checking and listing competitions.
    pub competitions: Competitions,
    /// The bank and roster imports.
    pub imports: Imports,
    /// `ecoquiz rehearse`'s competitions and companies, and their purge.
    pub rehearsals: Rehearsals,
    /// The live leaderboards, one per competition watched or changed.
    pub boards: Arc<Boards>,
    /// The exam in motion: starts, autosaves, submits, grading, close.
    pub exam: Exam,
    /// The live finals: their shows, phones and screens.
    pub finals: Arc<Finals>,
}
