-- Two-factor authentication (TOTP, RFC 6238) of operator accounts: the secret being set up,
-- the enabled one, the last time step a code was accepted for (a code is good once), and the
-- one-time recovery codes (SHA-256 of each).

CREATE TABLE operator_totp (
    operator_id INTEGER PRIMARY KEY REFERENCES operators(id) ON DELETE CASCADE,
    pending_secret TEXT,
    secret TEXT,
    last_step BIGINT
);

CREATE TABLE operator_recovery_codes (
    operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (operator_id, code_hash)
);
