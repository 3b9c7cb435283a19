-- motcua hub database, schema version 8: indexes for the fleet dashboard and /metrics
-- (hub/status.cpp), which count per unit and per agent on every page view.

-- Dossiers received by each unit, counted from the index alone.
CREATE INDEX dossier_receiving_unit ON dossier(receiving_unit);
-- Dossiers each unit holds now.
CREATE INDEX dossier_state_holder ON dossier_state(holder_unit);
-- Quarantined batches per agent (few rows; the batch table itself grows with every sync).
CREATE INDEX batch_quarantined ON batch(agent_id) WHERE status = 'quarantined';
-- Batches by outcome for /metrics, counted from the index instead of scanning every envelope.
CREATE INDEX batch_status ON batch(status);
-- Reports of the last hours, for the rising-error alert.
CREATE INDEX agent_report_history_received ON agent_report_history(received_at);
