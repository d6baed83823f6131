-- An API key may be made to expire (`expires_in_days` when it is created): after `expires_at`
-- (unix milliseconds) its genuine credential answers `401 api_key_expired`, and the row stays,
-- as a revoked key's does, for the audit trail and the list. NULL: it never expires (the default,
-- and every key made before this migration).
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
