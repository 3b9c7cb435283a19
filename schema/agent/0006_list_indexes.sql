-- motcua agent database, schema version 6: indexes that let the clerk's lists and the office's
-- status read a page of dossiers instead of every one (found by tests/agent/query_plan_test.cpp and
-- motcua-bench-office on a million dossiers). Derived, like dossier_state itself: nothing here is
-- replicated, and building them reads rows the office already holds.

-- A one-status queue (chờ bổ sung 5, chờ trả 9, đã trả 10) and `list --status N`, in the order they
-- show (appointment, none last, then code): the first page is read from the index and the query
-- stops there, instead of sorting every dossier of that status (most of an old office is in 10).
CREATE INDEX dossier_state_queue ON dossier_state(status, due_at IS NULL, due_at, code);

-- `list` without a status, in the same order: it read and sorted the whole table.
CREATE INDEX dossier_state_order ON dossier_state(due_at IS NULL, due_at, code);

-- The dossiers this office handed over and no longer holds (`status`, the report at every sync):
-- counted from the few index entries of other holders instead of reading every dossier.
CREATE INDEX dossier_state_holder ON dossier_state(holder_unit);
