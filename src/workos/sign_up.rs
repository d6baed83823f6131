//! Creating a user with a password (`POST /user_management/users`), as headless sign-up does.

use serde_json::json;

use super::api::{call, Call, CallFailed};
use crate::config::Config;
use crate::platform::Platform;

/// Why WorkOS did not create the user.
#[derive(Debug, Clone, PartialEq)]
pub enum SignUpRefused {
    /// The email belongs to a user already (or WorkOS will not take it).
    EmailTaken,
    /// The password breaks the environment's policy: WorkOS's words.
    PasswordRejected(String),
    /// Try again later.
    Unavailable { retry_after_seconds: Option<u64> },
}

/// What a new user gives.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
}

/// Creates the user.
pub async fn create_user<P: Platform>(platform: &P, config: &Config, user: &NewUser<'_>) -> Result<(), SignUpRefused> {
    let body = json!({
        "email": user.email,
        "password": user.password,
        "first_name": user.first_name,
        "last_name": user.last_name,
    });
    match call(platform, config, Call::Post("/user_management/users", body)).await {
        Ok(_) => Ok(()),
        Err(CallFailed::Unavailable { retry_after_seconds }) => Err(SignUpRefused::Unavailable { retry_after_seconds }),
        Err(CallFailed::Refused { body, .. }) => {
            // WorkOS answers `{code, message, errors: [{code, message}]}`; any refusal that is
            // about the email means it is taken (or unusable), as its SDK treats it.
            let reasons: Vec<&serde_json::Value> =
                body["errors"].as_array().map(|errors| errors.iter().collect()).unwrap_or_default();
            let about_email = |code: &str| code.contains("email");
            if reasons.iter().any(|r| about_email(r["code"].as_str().unwrap_or(""))) {
                return Err(SignUpRefused::EmailTaken);
            }
            let message = reasons
                .iter()
                .find_map(|r| r["message"].as_str())
                .or_else(|| body["message"].as_str())
                .unwrap_or("WorkOS refused the password")
                .chars()
                .filter(|c| !c.is_control())
                .take(300)
                .collect();
            Err(SignUpRefused::PasswordRejected(message))
        }
    }
}
