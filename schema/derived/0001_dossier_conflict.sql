-- Derived, identical on agent and hub: the conflicts the fold recorded for each dossier
-- (docs/CONFLICTS.md). Every replica that holds a dossier's facts computes the same rows, so a
-- conflict reaches every office involved with the facts that cause it. Rewritten with the
-- dossier's state on every refold; never captured or shipped.
CREATE TABLE dossier_conflict (
  event_id        BLOB PRIMARY KEY,        -- the event that lost: kept in history, not applied
  dossier_id      BLOB NOT NULL,
  winner_event_id BLOB,                    -- the event applied in its place, if any
  rule            TEXT NOT NULL,           -- domain::conflict_rule_name
  detail          TEXT NOT NULL            -- English, for IT staff
) STRICT;
CREATE INDEX dossier_conflict_dossier ON dossier_conflict(dossier_id);
