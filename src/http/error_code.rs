//! Every error code the API answers, each with its status: the one list, which the OpenAPI
//! document's `ErrorCode` schema is checked against.

/// Defines [`ErrorCode`] from `Variant => ("code", status)` lines, with its lookups.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal),)*) => {
        /// A stable, machine-readable error code, and the HTTP status it is answered with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order the OpenAPI document lists them.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as clients see it, e.g. `token_expired`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                }
            }
        }
    };
}

error_codes! {
    /// 400: the body is not JSON of the expected shape (malformed, unknown field, wrong type, missing field)
    InvalidBody => ("invalid_body", 400),
    /// 400: the query string is not valid UTF-8
    InvalidQuery => ("invalid_query", 400),
    /// 400: `limit` is not an integer from 1 to 100
    LimitInvalid => ("limit_invalid", 400),
    /// 400: the cursor was tampered with or belongs to another list, workspace or caller
    CursorInvalid => ("cursor_invalid", 400),
    /// 400: the sign-in's state is unknown, used, expired or was started by another browser
    SignInStateInvalid => ("sign_in_state_invalid", 400),
    /// 400: WorkOS refused the sign-in (the user cancelled, or the code was refused)
    SignInRefused => ("sign_in_refused", 400),
    /// 401: no `Authorization: Bearer` credential, or another scheme
    NotAuthenticated => ("not_authenticated", 401),
    /// 401: the access token is not a well-formed JWT
    TokenMalformed => ("token_malformed", 401),
    /// 401: the bearer credential is over 8 KB
    TokenTooLarge => ("token_too_large", 401),
    /// 401: the token is not RS256
    TokenAlgorithmInvalid => ("token_algorithm_invalid", 401),
    /// 401: the token header needs extensions we do not support (crit, b64)
    TokenHeaderUnsupported => ("token_header_unsupported", 401),
    /// 401: no key of the identity provider matches the token's kid
    TokenKeyUnknown => ("token_key_unknown", 401),
    /// 401: the token's key is not usable for RS256
    TokenKeyUnusable => ("token_key_unusable", 401),
    /// 401: the token signature is invalid
    TokenSignatureInvalid => ("token_signature_invalid", 401),
    /// 401: the token has expired
    TokenExpired => ("token_expired", 401),
    /// 401: the token is not valid yet
    TokenNotYetValid => ("token_not_yet_valid", 401),
    /// 401: the token's issuer is not trusted
    TokenIssuerInvalid => ("token_issuer_invalid", 401),
    /// 401: the token is not meant for this API
    TokenAudienceInvalid => ("token_audience_invalid", 401),
    /// 401: a required claim (exp, sub) is missing
    TokenClaimMissing => ("token_claim_missing", 401),
    /// 401: the API key is unknown, revoked or forged
    ApiKeyInvalid => ("api_key_invalid", 401),
    /// 401: the API key's lifetime (`expires_in_days` when it was made) has run out; make a new one
    ApiKeyExpired => ("api_key_expired", 401),
    /// 401: the session cookie names no live session (signed out, revoked, expired); sign in again
    SessionExpired => ("session_expired", 401),
    /// 401: no user with this email and password (one answer for both)
    InvalidCredentials => ("invalid_credentials", 401),
    /// 401: a WorkOS webhook delivery whose `WorkOS-Signature` is missing, malformed, not of this body under the webhook secret, or over 180 s from now
    WebhookSignatureInvalid => ("webhook_signature_invalid", 401),
    /// 403: the token's user has not signed in through POST /v1/auth/web/callback
    UserNotProvisioned => ("user_not_provisioned", 403),
    /// 403: WorkOS has deleted this user: none of their credentials is accepted, and they cannot sign in again
    UserDeleted => ("user_deleted", 403),
    /// 403: the caller's role does not allow this (API keys act as admin at most)
    InsufficientRole => ("insufficient_role", 403),
    /// 403: the API key lacks the scope named in `WWW-Authenticate`
    InsufficientScope => ("insufficient_scope", 403),
    /// 403: only users may do this (API keys act only inside their workspace)
    ApiKeyNotAllowed => ("api_key_not_allowed", 403),
    /// 403: a cookie-authenticated change (or a sign-in) from an origin that is neither this worker's nor an entry of ALLOWED_ORIGINS, or with no Origin or Referer
    OriginRefused => ("origin_refused", 403),
    /// 403: WorkOS will not sign this user in until they verify their email; the hosted sign-in at `authorize_url` asks for the code WorkOS mailed
    EmailVerificationRequired => ("email_verification_required", 403),
    /// 403: the user is not a member of that WorkOS organisation; the session is unchanged
    OrganizationNotMember => ("organization_not_member", 403),
    /// 404: no such route
    RouteNotFound => ("route_not_found", 404),
    /// 404: no such workspace, or the caller is not a member (existence does not leak)
    OrgNotFound => ("org_not_found", 404),
    /// 404: the user is not a member of the workspace
    MemberNotFound => ("member_not_found", 404),
    /// 404: no user with this id or email has signed in yet
    UserNotFound => ("user_not_found", 404),
    /// 404: no such API key in this workspace
    ApiKeyNotFound => ("api_key_not_found", 404),
    /// 404: nothing to show once: not a first sign-in, or already shown
    WelcomeNotFound => ("welcome_not_found", 404),
    /// 404: no session of yours with this id
    SessionNotFound => ("session_not_found", 404),
    /// 404: no such invitation in this workspace
    InvitationNotFound => ("invitation_not_found", 404),
    /// 405: the route does not answer this method; see `Allow`
    MethodNotAllowed => ("method_not_allowed", 405),
    /// 409: another workspace has this slug (case-insensitively)
    SlugTaken => ("slug_taken", 409),
    /// 409: a workspace keeps at least one owner
    LastOwner => ("last_owner", 409),
    /// 409: a personal workspace cannot be deleted, and its owner cannot leave, be removed or be demoted
    PersonalWorkspace => ("personal_workspace", 409),
    /// 409: the user is already a member
    AlreadyMember => ("already_member", 409),
    /// 409: several users have this email; add by user_id
    UserAmbiguous => ("user_ambiguous", 409),
    /// 409: the invitation has been accepted; remove the member instead
    InvitationAccepted => ("invitation_accepted", 409),
    /// 409: a replayed callback's stored answer cannot be opened (pepper rotated); sign in again
    ReplayUnavailable => ("replay_unavailable", 409),
    /// 409: an account with this email exists; sign in instead
    EmailTaken => ("email_taken", 409),
    /// 409: the organisation demands another sign-in (SSO or MFA); send the browser to `authorize_url`
    OrganizationSignInRequired => ("organization_sign_in_required", 409),
    /// 409: WorkOS asks more of this sign-in than a password (SSO, a second factor, or a choice of organisation); send the browser to `authorize_url`, AuthKit's hosted sign-in
    HostedSignInRequired => ("hosted_sign_in_required", 409),
    /// 413: the body is over 16 KB
    PayloadTooLarge => ("payload_too_large", 413),
    /// 415: the body is not sent as application/json
    UnsupportedMediaType => ("unsupported_media_type", 415),
    /// 422: the slug breaks a rule; the message says which
    SlugInvalid => ("slug_invalid", 422),
    /// 422: a name is 1 to 100 characters after trimming, without control characters
    NameInvalid => ("name_invalid", 422),
    /// 422: an API key needs at least one scope
    ScopesInvalid => ("scopes_invalid", 422),
    /// 422: no usable email for the user (WorkOS does not know them, or no email claim)
    EmailUnavailable => ("email_unavailable", 422),
    /// 422: WorkOS's password policy refuses the password; the message says why
    PasswordRejected => ("password_rejected", 422),
    /// 429: too many sign-in attempts from this address; retry after `Retry-After` seconds
    RateLimited => ("rate_limited", 429),
    /// 500: a bug on our side
    InternalError => ("internal_error", 500),
    /// 500: the worker is misconfigured
    ConfigurationInvalid => ("configuration_invalid", 500),
    /// 503: D1 failed; retry
    StorageUnavailable => ("storage_unavailable", 503),
    /// 503: the identity provider's keys cannot be fetched; retry
    JwksUnavailable => ("jwks_unavailable", 503),
    /// 503: WorkOS cannot be reached; retry
    WorkosUnavailable => ("workos_unavailable", 503),
    /// 503: the workspace kept changing while this change was being decided (every attempt lost to another change); retry
    Conflict => ("conflict", 503),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
