-- Whether WorkOS (or the token, with `email_verified: true`) vouches for a user's email. Adding
-- a member by email matches verified emails only: where an environment does not require
-- verification, anyone can sign up with an address they do not own. Existing users count as
-- unverified until their next sign-in records what WorkOS says.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
