-- motcua hub database, schema version 7: the accounts of the province's IT staff and their
-- sign-in sessions on the hub's web dashboard (hub/it_accounts.hpp, `motcua-hub users`).
-- Hub-internal: never sent to an office. Sign-ins, lockouts and account changes are recorded in
-- audit_log.

CREATE TABLE it_account (
  username            TEXT PRIMARY KEY,    -- lower-case ASCII letters, digits, '.', '_' or '-'
  display_name        TEXT NOT NULL,       -- NFC, shown on the dashboard
  password_hash       TEXT NOT NULL,       -- "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX"
  created_at          INTEGER NOT NULL,
  disabled_at         INTEGER,             -- set: cannot sign in, sessions end
  failed_logins       INTEGER NOT NULL DEFAULT 0, -- consecutive wrong passwords
  locked_until        INTEGER,             -- too many wrong passwords: no sign-in before this instant
  password_changed_at INTEGER NOT NULL     -- the account's creation, then every `users passwd`
) STRICT;

-- One row per signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so
-- a copy of the database (or a backup) does not let anyone in.
CREATE TABLE it_session (
  token_hash   BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  username     TEXT NOT NULL REFERENCES it_account(username),
  csrf_token   TEXT NOT NULL,              -- every form post must carry it
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX it_session_user ON it_session(username);
