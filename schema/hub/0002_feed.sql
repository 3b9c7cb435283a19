-- motcua hub database, schema version 2: how far each agent has applied its unit's feed, for
-- provincial IT (an agent asks for the entries after the last one it applied).

ALTER TABLE agent ADD COLUMN feed_position INTEGER NOT NULL DEFAULT 0;  -- last feed position the agent applied
ALTER TABLE agent ADD COLUMN feed_pulled_at INTEGER;                    -- when it last asked for its feed
