use super::stored_first_answer;
use super::views::{CallbackAnswer, CallbackMembershipView, DefaultApiKeyView, NewApiKeyView, UserView, WorkspaceView};
use crate::app::App;
use crate::auth::user_deleted;
use crate::crypto::sealing;
use crate::domain::{
    mint_api_key, new_id, personal_slug_base, random_base32, rfc3339, IdKind, Role, Scope, Scopes, API_KEY_MAC_PURPOSE,
};
use crate::http::{ApiError, ApiRequest, ApiResponse, ErrorCode};
use crate::log::log_error;
use crate::platform::Platform;
use crate::store::web_sign_in::{
    sign_in, stored_answer, NewPersonalWorkspace, SignInOutcome, StoredAnswer, StoredBody,
};
use crate::token::Identity;
use crate::workos::{canonical_email, UserEmail};

/// The default API key's name and scopes.
const DEFAULT_KEY_NAME: &str = "Default";
const DEFAULT_KEY_SCOPES: &[Scope] = &[Scope::Read, Scope::Write];

/// `POST /v1/auth/web/callback`: a browser that signed in with AuthKit enters the product.
///
/// One D1 round trip whatever the kind of sign-in: the first provisions the personal workspace,
/// owner membership and default API key, later ones record the sign-in, replays read; all in one
/// atomic batch (see [`sign_in`]). The answer is stored under the token's idempotency key (`jti`,
/// else `sid`) so that a replay gets it byte for byte.
pub async fn web_callback<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let identity = app.authenticate_token(request).await?;
    let key = identity.callback_idempotency_key().ok_or_else(|| {
        ApiError::not_authenticated("the token has neither a jti nor a sid to make the callback idempotent")
    })?;
    let db = app.platform.db();
    let now = app.platform.now();

    // A key this isolate has answered is a replay: one statement reads its answer. (The answer
    // is D1's; a key D1 no longer answers goes the whole way.)
    if app.isolate.answered_keys.contains(&key) {
        if let Some(answer) = stored_answer(db, &key, &identity.user_id, now).await? {
            return respond_with_stored(app, &key, answer);
        }
    }

    let email = match canonical_email(app.platform, app.config, &app.isolate.user_emails, &identity).await {
        Ok(email) => email,
        // WorkOS down (or no email) does not stop a replay from getting its stored answer.
        Err(error) => {
            return match stored_answer(db, &key, &identity.user_id, now).await? {
                Some(answer) => respond_with_stored(app, &key, answer),
                None => Err(error),
            }
        }
    };

    let answer = provision(app, &identity, &email, &key).await?;
    app.isolate.answered_keys.insert(&key);
    Ok(answer)
}

/// A sign-in of `identity` with its canonical email, in one D1 round trip: provisions a first
/// sign-in exactly once (201 with the default key), records a returning one (200), or answers a
/// replay of `key` from storage. The web callback and hosted sign-in's callback both enter here.
pub(super) async fn provision<P: Platform>(
    app: &App<'_, P>,
    identity: &Identity,
    email: &UserEmail,
    key: &str,
) -> Result<ApiResponse, ApiError> {
    let db = app.platform.db();
    let now = app.platform.now();
    let expires_at = identity.expires_at.saturating_add(app.config.jwt_leeway_seconds).saturating_mul(1000);
    let (new, [preferred, fallback]) = first_sign_in(app, identity, email, key, now, expires_at);
    match sign_in(db, &new).await? {
        SignInOutcome::Created { fallback_slug } => {
            Ok(ApiResponse::raw_json(201, if fallback_slug { fallback } else { preferred }))
        }
        SignInOutcome::Stored(answer) => respond_with_stored(app, key, answer),
        SignInOutcome::UserDeleted => Err(user_deleted()),
        SignInOutcome::KeyHeldElsewhere => {
            log_error("web callback: the idempotency key holds another user's answer");
            Err(ApiError::internal())
        }
    }
}

/// Mints everything a first sign-in creates and its 201 answers, one per slug the batch may pick
/// (the preferred slug, or the fallback when the preferred one is taken): each whole, and as
/// stored, its template beside the secret sealed once ([`stored_first_answer`]). Every sign-in
/// calls this: only the batch can tell whether it is the first.
fn first_sign_in<P: Platform>(
    app: &App<'_, P>,
    identity: &Identity,
    user_email: &UserEmail,
    key: &str,
    now: i64,
    expires_at: i64,
) -> (NewPersonalWorkspace, [Vec<u8>; 2]) {
    let email = user_email.email.as_str();
    let local_part = email.split_once('@').map_or(email, |(local, _)| local);
    let slug = personal_slug_base(local_part);
    let fallback_slug = format!("{slug}-{}", random_base32::<6>());
    let workspace_name = format!("{local_part}'s workspace");
    let workspace_id = new_id(IdKind::Workspace);
    let membership_id = new_id(IdKind::Membership);
    let api_key = mint_api_key();
    let pepper = app.config.peppers.current();
    let created_at = rfc3339(now);

    let default_scopes = Scopes::new(DEFAULT_KEY_SCOPES.iter().copied()).expect("not empty");
    // Each answer's template, its secret left empty; the answer is the template with the secret.
    let template_with_slug = |slug: &str| {
        let answer = CallbackAnswer {
            user: UserView {
                id: identity.user_id.clone(),
                email: email.to_owned(),
                created_at: created_at.clone(),
                last_seen_at: created_at.clone(),
            },
            workspace: WorkspaceView {
                id: workspace_id.clone(),
                name: workspace_name.clone(),
                slug: slug.to_owned(),
                personal: true,
                created_at: created_at.clone(),
                updated_at: created_at.clone(),
            },
            membership: CallbackMembershipView {
                id: membership_id.clone(),
                workspace_id: workspace_id.clone(),
                user_id: identity.user_id.clone(),
                role: Role::Owner,
                created_at: created_at.clone(),
            },
            default_api_key: Some(DefaultApiKeyView {
                api_key: NewApiKeyView {
                    id: api_key.id.clone(),
                    prefix: api_key.prefix.clone(),
                    name: DEFAULT_KEY_NAME.to_owned(),
                    scopes: default_scopes.clone(),
                    created_at: created_at.clone(),
                },
                secret: String::new(),
            }),
        };
        serde_json::to_string(&answer).expect("serialisable")
    };
    let templates = [template_with_slug(&slug), template_with_slug(&fallback_slug)];
    let answers = templates.each_ref().map(|template| {
        stored_first_answer::with_secret(template.as_bytes(), &api_key.credential)
            .expect("a template has its secret's place")
    });
    let new = NewPersonalWorkspace {
        user_id: identity.user_id.clone(),
        email: email.to_owned(),
        email_verified: user_email.verified,
        workspace_id,
        workspace_name,
        slug,
        fallback_slug,
        membership_id,
        api_key_hmac: pepper.mac_base64(API_KEY_MAC_PURPOSE, api_key.credential.as_bytes()),
        api_key_id: api_key.id,
        api_key_prefix: api_key.prefix,
        api_key_name: DEFAULT_KEY_NAME.to_owned(),
        api_key_scopes_json: default_scopes.to_stored(),
        pepper_kid: pepper.kid().to_owned(),
        event_ids: [new_id(IdKind::Event), new_id(IdKind::Event), new_id(IdKind::Event)],
        sealed_secret: stored_first_answer::seal_secret(pepper, key, &api_key.credential),
        answer_templates: templates.each_ref().map(|template| stored_first_answer::stored_template(template)),
        idempotency_key: key.to_owned(),
        expires_at,
        now,
    };
    (new, answers)
}

fn respond_with_stored<P: Platform>(
    app: &App<'_, P>,
    key: &str,
    answer: StoredAnswer,
) -> Result<ApiResponse, ApiError> {
    let body = match answer.body {
        StoredBody::Plain(body) => body.into_bytes(),
        StoredBody::Sealed { sealed, seal_kid } => app
            .config
            .peppers
            .get(&seal_kid)
            .and_then(|pepper| sealing::open(pepper, key, &sealed))
            .ok_or_else(unopened)?,
        StoredBody::SecretSealed { template, sealed_secret, seal_kid } => app
            .config
            .peppers
            .get(&seal_kid)
            .and_then(|pepper| stored_first_answer::open(pepper, key, template, &sealed_secret))
            .ok_or_else(unopened)?,
    };
    Ok(ApiResponse::raw_json(answer.status, body))
}

/// A stored answer whose sealed part does not open: sealed under a pepper since retired, or altered.
fn unopened() -> ApiError {
    log_error("web callback: a stored answer could not be unsealed (pepper rotated?)");
    ApiError::new(ErrorCode::ReplayUnavailable, "this sign-in was already processed; sign in again")
}
