use super::credential::session_invalid;
use super::session_refresh;
use super::{Caller, Credential};
use crate::app::App;
use crate::domain::WorkspaceRef;
use crate::http::ApiError;
use crate::platform::{Platform, RowExt, Statement};
use crate::store::change::Change;
use crate::store::users::UserRecord;
use crate::store::workspaces::{self, WorkspaceAccess};
use crate::store::{api_keys, sessions, users, Batch, BatchResults, Slot};

/// The statements that identify the caller, composed into a request's first batch.
#[derive(Debug, Clone, Copy)]
pub struct CallerLookup {
    slot: Slot,
}

impl CallerLookup {
    /// Pushes the caller's lookup. For an API key the first statement records its use (at most
    /// once a minute, genuine credential only), so that costs no round trip of its own.
    pub fn push<P: Platform>(batch: &mut Batch, app: &App<'_, P>, credential: &Credential) -> Self {
        Self::push_with_access(batch, app, credential, None)
    }

    /// [`Self::push`], and with `workspace` the workspace it names with the caller's standing in
    /// it (read with [`workspaces::access_from`]), in the row of the statement that reads the
    /// caller: one statement fewer in every batch of a route that names a workspace.
    fn push_with_access<P: Platform>(
        batch: &mut Batch,
        app: &App<'_, P>,
        credential: &Credential,
        workspace: Option<&WorkspaceRef>,
    ) -> Self {
        let slot = match credential {
            Credential::AccessToken(identity) => batch.push(match workspace {
                Some(workspace) => users::select_user_with_access(&identity.user_id, workspace),
                None => users::select_user(&identity.user_id),
            }),
            Credential::ApiKey(key) => {
                let macs = key.macs_by_pepper(&app.config.peppers);
                batch.push(api_keys::touch(key.key_id(), app.platform.now(), macs));
                batch.push(match workspace {
                    Some(workspace) => api_keys::select_for_auth_with_access(key.key_id(), workspace),
                    None => api_keys::select_for_auth(key.key_id()),
                })
            }
            Credential::Session(session) => {
                let now = app.platform.now();
                let idle_until = now + app.config.session_idle_seconds * 1000;
                batch.push(sessions::touch(&session.hashes, now, idle_until));
                batch.push(match workspace {
                    Some(workspace) => sessions::select_user_with_access(&session.hashes, now, workspace),
                    None => sessions::select_user(&session.hashes, now),
                })
            }
        };
        Self { slot }
    }

    /// The caller, once the batch has run: 403 `user_not_provisioned`, 401 `api_key_invalid` or
    /// `api_key_expired`, 401 `session_expired`. A cookie request whose access token has expired
    /// refreshes it first, so that a session revoked at WorkOS ends within one token lifetime;
    /// when WorkOS cannot be reached the request goes on (D1 roles authorise it) and the next one
    /// tries again.
    pub async fn read<P: Platform>(
        &self,
        app: &App<'_, P>,
        credential: &Credential,
        results: &BatchResults,
    ) -> Result<Caller, ApiError> {
        let row = results.first(self.slot);
        match credential {
            Credential::AccessToken(identity) => {
                Caller::of_token_user(row.map(UserRecord::from_row).transpose()?, identity.scope.as_deref())
            }
            Credential::ApiKey(key) => {
                Caller::api_key(key, api_keys::stored_from(row)?, &app.config.peppers, app.platform.now())
            }
            Credential::Session(session) => {
                let row = row.ok_or_else(session_invalid)?;
                let expires_at = row.opt_int("session_access_expires_at")?;
                if expires_at.is_some_and(|at| at <= app.platform.now()) {
                    session_refresh::access_token(app, &session.hashes, 0).await?;
                }
                Caller::user(Some(UserRecord::from_row(row)?))
            }
        }
    }

    /// One round trip that only identifies the caller.
    pub async fn identify<P: Platform>(app: &App<'_, P>, credential: &Credential) -> Result<Caller, ApiError> {
        let mut batch = Batch::new();
        let lookup = Self::push(&mut batch, app, credential);
        let results = batch.run(app.platform.db()).await?;
        lookup.read(app, credential, &results).await
    }
}

/// The caller and the workspace a path names (with the caller's standing in it), plus whatever
/// the route adds, resolved in one round trip.
#[derive(Debug)]
pub struct WorkspaceLookup<'c> {
    batch: Batch,
    /// The caller's lookup, whose row also holds the workspace found.
    caller: CallerLookup,
    credential: &'c Credential,
}

/// What a [`WorkspaceLookup`] found.
#[derive(Debug)]
pub struct WorkspaceLookupResult {
    /// The confirmed caller.
    pub caller: Caller,
    /// The workspace with the caller's standing; see [`super::Standing::in_workspace`].
    pub access: Option<WorkspaceAccess>,
    /// The rows of the statements the route pushed.
    pub results: BatchResults,
}

impl WorkspaceLookupResult {
    /// A change of the workspace found, by the caller, written against the version this
    /// snapshot read (see [`Change`]); 404 when no workspace was found.
    pub fn change(&self, now: i64) -> Result<Change, ApiError> {
        let access = self.access.as_ref().ok_or_else(super::standing::org_not_found)?;
        Ok(Change::new(&access.workspace.id, access.version, &self.caller.actor(), now))
    }
}

impl<'c> WorkspaceLookup<'c> {
    /// Starts the batch with the caller's and the workspace's lookups.
    pub fn new<P: Platform>(app: &App<'_, P>, credential: &'c Credential, workspace: &WorkspaceRef) -> Self {
        let mut batch = Batch::new();
        let caller = CallerLookup::push_with_access(&mut batch, app, credential, Some(workspace));
        Self { batch, caller, credential }
    }

    /// Adds a statement of the route's own to the same round trip.
    pub fn push(&mut self, statement: Statement) -> Slot {
        self.batch.push(statement)
    }

    /// Runs the batch; fails only on who the caller is (401/403), not on the workspace.
    pub async fn run<P: Platform>(self, app: &App<'_, P>) -> Result<WorkspaceLookupResult, ApiError> {
        let results = self.batch.run(app.platform.db()).await?;
        let caller = self.caller.read(app, self.credential, &results).await?;
        let access = workspaces::access_from(results.first(self.caller.slot))?;
        Ok(WorkspaceLookupResult { caller, access, results })
    }
}
