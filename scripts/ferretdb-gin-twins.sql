-- Applied by scripts/services.sh to the PostgreSQL database behind the local FerretDB (idempotent).
--
-- FerretDB 1.24 pushes an equality filter down to PostgreSQL as JSONB containment,
-- `_jsonb -> 'field' @> value`, but builds each MongoDB index as a btree over `(_jsonb -> 'field')`,
-- which containment cannot use: every query not by _id alone was a sequential scan, so the cost
-- of a lookup grew with the collection. For each such btree this adds a GIN "twin" over the same
-- fields (jsonb_path_ops), which containment can use, on any subset of its fields. New indexes
-- get their twin from an event trigger; indexes made before it existed are twinned here.
-- FerretDB's prepared statements pass the field name as a parameter, and only a custom plan
-- sees it: the database's sessions plan every execution anew (FerretDB's connections pick this up
-- when they are opened, so a FerretDB started before this was first applied needs a restart).
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database()); END $$;

CREATE OR REPLACE FUNCTION omnigate_twin_index(index_oid oid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  def text := pg_get_indexdef(index_oid);
  fields text[];
  columns text;
  twin text;
BEGIN
  IF def IS NULL OR def NOT LIKE '%USING btree%' OR def LIKE '%_ferretdb_%' THEN RETURN; END IF;
  SELECT array_agg(m[1]) INTO fields FROM regexp_matches(def, '\(_jsonb -> (''[^'']+''::text)\)', 'g') AS m;
  -- _id alone is FerretDB's own affair (its lookups by _id are fast already).
  IF fields IS NULL OR fields = ARRAY['''_id''::text'] THEN RETURN; END IF;
  SELECT string_agg(format('(_jsonb -> %s) jsonb_path_ops', f), ', ') INTO columns FROM unnest(fields) AS f;
  SELECT format('%I.%I', n.nspname, left(c.relname, 59) || '_gin'), format('%I.%I', tn.nspname, t.relname)
    INTO twin, def
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE i.indexrelid = index_oid;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %s ON %s USING gin (%s)', split_part(twin, '.', 2), def, columns);
END $$;

CREATE OR REPLACE FUNCTION omnigate_twin_new_indexes() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM omnigate_twin_index(cmd.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS omnigate_twin_new_indexes;
CREATE EVENT TRIGGER omnigate_twin_new_indexes ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION omnigate_twin_new_indexes();

-- Indexes made before the trigger existed.
SELECT omnigate_twin_index(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relname NOT LIKE '%\_gin';
