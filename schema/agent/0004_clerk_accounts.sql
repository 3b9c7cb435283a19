-- motcua agent database, schema version 4: the clerk web UI's local accounts and sign-in sessions.
-- Local to the office (never captured, never shipped): the office lead manages the accounts
-- (`motcua-agent users`), and what a clerk does is recorded in the facts under the clerk's
-- username as the actor.

CREATE TABLE clerk_account (
  username      TEXT PRIMARY KEY,          -- lower-case ASCII letters, digits, '.', '_' or '-'
  display_name  TEXT NOT NULL,             -- NFC, shown on the pages
  role          TEXT NOT NULL CHECK (role IN ('lead', 'clerk')),
  password_hash TEXT NOT NULL,             -- "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX"
  created_at    INTEGER NOT NULL,
  disabled_at   INTEGER,                   -- set: cannot sign in, sessions end
  failed_logins INTEGER NOT NULL DEFAULT 0,-- consecutive wrong passwords
  locked_until  INTEGER                    -- too many wrong passwords: no sign-in before this instant
) STRICT;

-- One row per signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so
-- a copy of the database does not let anyone in.
CREATE TABLE clerk_session (
  token_hash   BLOB PRIMARY KEY,
  username     TEXT NOT NULL REFERENCES clerk_account(username),
  csrf_token   TEXT NOT NULL,              -- every form post must carry it
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX clerk_session_user ON clerk_session(username);
