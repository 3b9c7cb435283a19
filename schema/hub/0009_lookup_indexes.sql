-- motcua hub database, schema version 9: indexes for lookups that read a whole table without them
-- (tests/hub/query_plan_test.cpp reads the plan of every query the hub runs).

-- The facts flagged for a wrong office clock, per dossier and in order (motcua-hub dossier show).
CREATE INDEX clock_flag_dossier ON clock_flag(dossier_id, flagged_at);
-- The newest clock the hub has seen, before every action provincial staff take on a dossier
-- (hub/dossier_actions.cpp): max() reads the end of this index instead of every dossier's state.
CREATE INDEX dossier_state_last_hlc ON dossier_state(last_hlc);
-- The agents a unit has had: an office's page reads their syncs and batches. Without it, and
-- without statistics (the hub never runs ANALYZE), SQLite walks the whole report history backwards.
CREATE INDEX agent_unit ON agent(unit);
