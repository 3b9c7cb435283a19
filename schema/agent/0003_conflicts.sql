-- motcua agent database, schema version 3: conflict records (schema/derived/0001_dossier_conflict.sql,
-- included before this file). The agent refolds every dossier after this migration (agent/store.cpp).
SELECT 1;
