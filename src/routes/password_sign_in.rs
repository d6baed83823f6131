//! Headless sign-in, as seed 000 does it: `POST /v1/auth/sign-up {email, password, first_name?,
//! last_name?}` creates the user at WorkOS and signs them in; `POST /v1/auth/sign-in {email,
//! password}` signs in. Both give the same session, cookie and provisioning as hosted sign-in,
//! answered as JSON; the router checks their origin and counts them against the sign-in limit.

use serde::Deserialize;
use serde_json::json;

use super::hosted_sign_in::{require_api_key, workos_unavailable};
use super::session_start::start_session;
use crate::app::App;
use crate::domain::Email;
use crate::http::request::not_null;
use crate::http::{login_path, ApiError, ApiRequest, ApiResponse, ErrorCode};
use crate::platform::Platform;
use crate::workos::authenticate::{self, GrantRefused};
use crate::workos::sign_up::{create_user, NewUser, SignUpRefused};

/// WorkOS's own limit on a password's length is far below this; anything longer is not one.
const MAX_PASSWORD_CHARS: usize = 1024;
/// A first or last name.
const MAX_NAME_CHARS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    email: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignUpBody {
    email: String,
    password: String,
    #[serde(default, deserialize_with = "not_null")]
    first_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    last_name: Option<String>,
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, message)
}

fn checked_email(email: &str) -> Result<Email, ApiError> {
    Email::parse(email).ok_or_else(|| invalid("email is not an email address"))
}

fn checked_password(password: &str) -> Result<(), ApiError> {
    match password.chars().count() {
        0 => Err(invalid("password is empty")),
        n if n > MAX_PASSWORD_CHARS => Err(invalid("password is over 1024 characters")),
        _ => Ok(()),
    }
}

fn checked_name(name: &Option<String>, field: &str) -> Result<(), ApiError> {
    match name {
        Some(name) if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) => {
            Err(invalid(&format!("{field} is at most 100 characters, without control characters")))
        }
        _ => Ok(()),
    }
}

/// `POST /v1/auth/sign-up`: 201 `{user, first_sign_in}` with the session cookie (200 when the
/// email's account exists and the password is its own).
pub async fn sign_up<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    require_api_key(app.config)?;
    let body: SignUpBody = request.json()?;
    let email = checked_email(&body.email)?;
    checked_password(&body.password)?;
    checked_name(&body.first_name, "first_name")?;
    checked_name(&body.last_name, "last_name")?;
    let new_user = NewUser {
        email: email.as_str(),
        password: &body.password,
        first_name: body.first_name.as_deref(),
        last_name: body.last_name.as_deref(),
    };
    let email_taken = || ApiError::new(ErrorCode::EmailTaken, "an account with this email exists; sign in instead");
    match create_user(app.platform, app.config, &new_user).await {
        Ok(()) => signed_in(app, request, &email, &body.password, 201).await,
        // A sign-up retried after its first attempt created the user but failed to sign them
        // in (WorkOS timed out on the password grant) finds the email taken. With the password
        // that created it, that is the same person: sign them in. With another, it is still
        // taken, whatever the grant said.
        Err(SignUpRefused::EmailTaken) => match signed_in(app, request, &email, &body.password, 200).await {
            Err(error) if matches!(error.code, ErrorCode::InvalidCredentials | ErrorCode::SignInRefused) => {
                Err(email_taken())
            }
            answered => answered,
        },
        Err(SignUpRefused::PasswordRejected(message)) => Err(ApiError::new(ErrorCode::PasswordRejected, &message)),
        Err(SignUpRefused::Unavailable { .. }) => Err(workos_unavailable()),
    }
}

/// `POST /v1/auth/sign-in`: 200 `{user, first_sign_in}` with the session cookie.
pub async fn sign_in<P: Platform>(app: &App<'_, P>, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
    require_api_key(app.config)?;
    let body: SignInBody = request.json()?;
    let email = checked_email(&body.email)?;
    checked_password(&body.password)?;
    signed_in(app, request, &email, &body.password, 200).await
}

/// The password grant, then the session.
async fn signed_in<P: Platform>(
    app: &App<'_, P>,
    request: &ApiRequest,
    email: &Email,
    password: &str,
    status: u16,
) -> Result<ApiResponse, ApiError> {
    let authenticated = authenticate::password(
        app.platform,
        app.config,
        email.as_str(),
        password,
        request.header("cf-connecting-ip"),
        request.header("user-agent"),
    )
    .await
    .map_err(|refused| {
        // AuthKit's hosted page asks for what a password grant cannot give: the code WorkOS
        // mailed, the SSO connection, the second factor, the organisation. This API has no
        // screens for them, so each such refusal says where the browser finishes the sign-in.
        let hosted = || login_path(&[("login_hint", email.as_str())]);
        match refused {
            GrantRefused::Terminal(code) if code == "email_verification_required" => ApiError::new(
                ErrorCode::EmailVerificationRequired,
                "verify your email address: WorkOS mailed a code, which the sign-in at authorize_url asks for",
            )
            .with_authorize_url(hosted()),
            GrantRefused::Terminal(code) if code == "invalid_credentials" => {
                ApiError::new(ErrorCode::InvalidCredentials, "the email or the password is wrong")
            }
            GrantRefused::Terminal(code) if authenticate::resolved_by_hosted_sign_in(&code) => ApiError::new(
                ErrorCode::HostedSignInRequired,
                &format!("WorkOS asks more of this sign-in than a password ({code}); continue at authorize_url"),
            )
            .with_authorize_url(hosted()),
            GrantRefused::Terminal(code) => {
                ApiError::new(ErrorCode::SignInRefused, &format!("WorkOS refused the sign-in ({code})"))
            }
            GrantRefused::Unavailable { .. } => workos_unavailable(),
        }
    })?;
    let started = start_session(app, &authenticated).await?;
    let mut response =
        ApiResponse::json(status, &json!({ "user": started.user, "first_sign_in": started.first_sign_in }));
    response.headers.push(("set-cookie".into(), started.set_cookie));
    Ok(response)
}
