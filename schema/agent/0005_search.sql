-- motcua agent database, schema version 5: a trigram index over dossier_state.search_text, so the
-- clerk's search by part of a name ("dang van duc") reads the index instead of every dossier
-- (agent/counter.cpp search_dossiers). Derived, like dossier_state: the text itself stays in
-- dossier_state (external content); the index is filled here from the rows already held and kept
-- in step by the triggers below; `INSERT INTO dossier_search(dossier_search) VALUES ('rebuild')`
-- rebuilds it at any time.
CREATE VIRTUAL TABLE dossier_search USING fts5(
  search_text, content = 'dossier_state', content_rowid = 'rowid', tokenize = 'trigram', detail = 'none',
  columnsize = 0);
INSERT INTO dossier_search(dossier_search) VALUES ('rebuild');

-- facts::refresh_derived writes a dossier's row with INSERT OR REPLACE: the row it replaces goes
-- without firing DELETE triggers (recursive_triggers is off, SQLite's default, never changed here)
-- and the new row gets a new rowid, so the old entry is taken out before the insert.
CREATE TRIGGER dossier_search_before_insert BEFORE INSERT ON dossier_state BEGIN
  INSERT INTO dossier_search(dossier_search, rowid, search_text)
    SELECT 'delete', rowid, search_text FROM dossier_state WHERE dossier_id = new.dossier_id;
END;
CREATE TRIGGER dossier_search_after_insert AFTER INSERT ON dossier_state BEGIN
  INSERT INTO dossier_search(rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER dossier_search_after_delete AFTER DELETE ON dossier_state BEGIN
  INSERT INTO dossier_search(dossier_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER dossier_search_after_update AFTER UPDATE OF search_text ON dossier_state BEGIN
  INSERT INTO dossier_search(dossier_search, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
  INSERT INTO dossier_search(rowid, search_text) VALUES (new.rowid, new.search_text);
END;
