-- julep: the memory store of Julep, a platform for AI agents (developers, agents, users, sessions and their
-- chat entries, tools, tasks/workflows and their executions and transitions, docs) on TimescaleDB.
-- Source:  https://github.com/julep-ai/julep (Apache-2.0), memory-store/migrations/*.up.sql
--          @ 911c8ed854bda6e416e5df1c00f76ef9fd13ee2f (2025-06-23; memory-store was removed from the repository later)
-- Kept, in this order: 000001-000006, 000008-000016, 000027, 000033, and 000017 as amended by 000034.
-- Changes (see SOURCE.md): the extensions timescaledb_toolkit, vectorscale and ai (pgai) are not created and
-- migration 000007 (a pgai vectorizer with a DiskANN index) is left out; 000006's data UPDATE removed;
-- migration 000013's continuous aggregate and view are created in the form 000033 gave them (000033's DROPs
-- removed); 000017/000034's compression statements are unwrapped from their exception-swallowing DO blocks;
-- migrations 000018-000026, 000028-000032 and 000035-000043 (search functions, later constraint changes,
-- usage, projects, secrets, api keys) are not included.

-- ==== migration 000001_initial ====
BEGIN;

-- init timescaledb
CREATE EXTENSION IF NOT EXISTS timescaledb CASCADE;

-- (timescaledb_toolkit: not used by the migrations kept here; removed)

-- add timescale's pgai extension
CREATE EXTENSION IF NOT EXISTS vector CASCADE;

-- (vectorscale: only for migration 000007's DiskANN index, not kept; removed)

-- (ai, i.e. pgai: only for migration 000007's vectorizer, not kept; removed)

-- add misc extensions (for indexing etc)
CREATE EXTENSION IF NOT EXISTS btree_gin CASCADE;

CREATE EXTENSION IF NOT EXISTS btree_gist CASCADE;

CREATE EXTENSION IF NOT EXISTS citext CASCADE;

CREATE EXTENSION IF NOT EXISTS "uuid-ossp" CASCADE;

-- Create function to update the updated_at timestamp
CREATE
OR REPLACE FUNCTION update_updated_at_column () RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$ language 'plpgsql';

COMMENT ON FUNCTION update_updated_at_column () IS 'Trigger function to automatically update updated_at timestamp';

COMMIT;

-- ==== migration 000002_developers ====
BEGIN;

-- Create developers table
CREATE TABLE IF NOT EXISTS developers (
    developer_id UUID NOT NULL,
    email TEXT NOT NULL CONSTRAINT ct_developers_email_format CHECK (
        email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'
    ),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    tags TEXT[] DEFAULT ARRAY[]::TEXT[],
    settings JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_developers PRIMARY KEY (developer_id),
    CONSTRAINT uq_developers_email UNIQUE (email),
    CONSTRAINT ct_settings_is_object CHECK (jsonb_typeof(settings) = 'object')
);

-- Create sorted index on developer_id (optimized for UUID v7)
CREATE INDEX IF NOT EXISTS idx_developers_id_sorted ON developers (developer_id DESC) INCLUDE (
    email,
    active,
    tags,
    settings,
    created_at,
    updated_at
)
WHERE
    active = TRUE;

-- Create index on email
CREATE INDEX IF NOT EXISTS idx_developers_email ON developers (email);

-- Create GIN index for tags array
CREATE INDEX IF NOT EXISTS idx_developers_tags ON developers USING GIN (tags);

-- Create trigger to automatically update updated_at
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'trg_developers_updated_at') THEN
        CREATE TRIGGER trg_developers_updated_at
            BEFORE UPDATE ON developers
            FOR EACH ROW
            EXECUTE FUNCTION update_updated_at_column();
    END IF;
END
$$;

-- Add comment to table
COMMENT ON TABLE developers IS 'Stores developer information including their settings and tags';

COMMIT;

-- ==== migration 000003_users ====
BEGIN;

-- Create users table if it doesn't exist
CREATE TABLE IF NOT EXISTS users (
    developer_id UUID NOT NULL,
    user_id UUID NOT NULL,
    name TEXT NOT NULL,
    about TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata JSONB NOT NULL DEFAULT '{}'::JSONB,
    CONSTRAINT pk_users PRIMARY KEY (developer_id, user_id)
);

-- Create foreign key constraint and index if they don't exist
DO $$ BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'users_developer_id_fkey'
    ) THEN
        ALTER TABLE users
            ADD CONSTRAINT users_developer_id_fkey
            FOREIGN KEY (developer_id)
            REFERENCES developers(developer_id);
    END IF;
END $$;

-- Create a GIN index on the entire metadata column if it doesn't exist
CREATE INDEX IF NOT EXISTS users_metadata_gin_idx ON users USING GIN (metadata);

-- Create trigger if it doesn't exist
DO $$ BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger WHERE tgname = 'update_users_updated_at'
    ) THEN
        CREATE TRIGGER update_users_updated_at
            BEFORE UPDATE ON users
            FOR EACH ROW
            EXECUTE FUNCTION update_updated_at_column();
    END IF;
END $$;

-- Add comment to table (comments are idempotent by default)
COMMENT ON TABLE users IS 'Stores user information linked to developers';

COMMIT;

-- ==== migration 000004_agents ====
BEGIN;

-- Create agents table
CREATE TABLE IF NOT EXISTS agents (
    developer_id UUID NOT NULL,
    agent_id UUID NOT NULL,
    canonical_name citext NOT NULL CONSTRAINT ct_agents_canonical_name_length CHECK (
        length(canonical_name) >= 1
        AND length(canonical_name) <= 255
    ),
    name TEXT NOT NULL CONSTRAINT ct_agents_name_length CHECK (
        length(name) >= 1
        AND length(name) <= 255
    ),
    about TEXT CONSTRAINT ct_agents_about_length CHECK (
        about IS NULL
        OR length(about) <= 5000
    ),
    instructions TEXT[] DEFAULT ARRAY[]::TEXT[],
    model TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata JSONB NOT NULL DEFAULT '{}'::JSONB,
    default_settings JSONB NOT NULL DEFAULT '{}'::JSONB,
    CONSTRAINT pk_agents PRIMARY KEY (developer_id, agent_id),
    CONSTRAINT uq_agents_canonical_name_unique UNIQUE (developer_id, canonical_name), -- per developer
    CONSTRAINT ct_agents_canonical_name_valid_identifier CHECK (canonical_name ~ '^[a-zA-Z][a-zA-Z0-9_]*$'),
    CONSTRAINT ct_agents_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT ct_agents_default_settings_is_object CHECK (jsonb_typeof(default_settings) = 'object')
);

-- Create foreign key constraint and index on developer_id
ALTER TABLE agents
DROP CONSTRAINT IF EXISTS fk_agents_developer,
ADD CONSTRAINT fk_agents_developer FOREIGN KEY (developer_id) REFERENCES developers (developer_id);

-- Create a GIN index on the entire metadata column
CREATE INDEX IF NOT EXISTS idx_agents_metadata ON agents USING GIN (metadata);

-- Create trigger to automatically update updated_at
CREATE
OR REPLACE TRIGGER trg_agents_updated_at BEFORE
UPDATE ON agents FOR EACH ROW
EXECUTE FUNCTION update_updated_at_column ();

-- Add comment to table
COMMENT ON TABLE agents IS 'Stores AI agent configurations and metadata for developers';

COMMIT;

-- ==== migration 000005_files ====
BEGIN;

-- Create files table
CREATE TABLE IF NOT EXISTS files (
    developer_id UUID NOT NULL,
    file_id UUID NOT NULL,
    name TEXT NOT NULL CONSTRAINT ct_files_name_length CHECK (
        length(name) >= 1
        AND length(name) <= 255
    ),
    description TEXT DEFAULT NULL CONSTRAINT ct_files_description_length CHECK (
        description IS NULL
        OR length(description) <= 1000
    ),
    mime_type TEXT DEFAULT NULL CONSTRAINT ct_files_mime_type_length CHECK (
        mime_type IS NULL
        OR length(mime_type) <= 127
    ),
    size BIGINT NOT NULL CONSTRAINT ct_files_size_positive CHECK (size > 0),
    hash BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_files PRIMARY KEY (developer_id, file_id)
);

-- Create foreign key constraint and index if they don't exist
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_files_developer') THEN
        ALTER TABLE files
            ADD CONSTRAINT fk_files_developer
            FOREIGN KEY (developer_id)
            REFERENCES developers(developer_id);
    END IF;
END $$;

-- Create trigger if it doesn't exist
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'trg_files_updated_at') THEN
        CREATE TRIGGER trg_files_updated_at
            BEFORE UPDATE ON files
            FOR EACH ROW
            EXECUTE FUNCTION update_updated_at_column();
    END IF;
END $$;

-- Create the file_owners table
CREATE TABLE IF NOT EXISTS file_owners (
    developer_id UUID NOT NULL,
    file_id UUID NOT NULL,
    owner_type TEXT NOT NULL,  -- 'user' or 'agent'
    owner_id UUID NOT NULL,
    CONSTRAINT pk_file_owners PRIMARY KEY (developer_id, file_id),
    CONSTRAINT fk_file_owners_file FOREIGN KEY (developer_id, file_id) REFERENCES files (developer_id, file_id),
    CONSTRAINT ct_file_owners_owner_type CHECK (owner_type IN ('user', 'agent'))
);

-- Create indexes
CREATE INDEX IF NOT EXISTS idx_file_owners_owner ON file_owners (developer_id, owner_type, owner_id);

-- Create function to validate owner reference
CREATE OR REPLACE FUNCTION validate_file_owner()
RETURNS TRIGGER AS $$
BEGIN
    IF NEW.owner_type = 'user' THEN
        IF NOT EXISTS (
            SELECT 1 FROM users
            WHERE developer_id = NEW.developer_id AND user_id = NEW.owner_id
        ) THEN
            RAISE EXCEPTION 'Invalid user reference';
        END IF;
    ELSIF NEW.owner_type = 'agent' THEN
        IF NOT EXISTS (
            SELECT 1 FROM agents
            WHERE developer_id = NEW.developer_id AND agent_id = NEW.owner_id
        ) THEN
            RAISE EXCEPTION 'Invalid agent reference';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Create trigger for validation
CREATE TRIGGER trg_validate_file_owner
BEFORE INSERT OR UPDATE ON file_owners
FOR EACH ROW
EXECUTE FUNCTION validate_file_owner();

COMMIT;

-- ==== migration 000006_docs ====
BEGIN;

-- Create function to validate language (make it OR REPLACE)
CREATE
OR REPLACE FUNCTION is_valid_language (lang text) RETURNS boolean AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM pg_ts_config WHERE cfgname::text = lang
    );
END;
$$ LANGUAGE plpgsql;

-- Create docs table
CREATE TABLE IF NOT EXISTS docs (
    developer_id UUID NOT NULL,
    doc_id UUID NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    index INTEGER NOT NULL,
    modality TEXT NOT NULL,
    embedding_model TEXT NOT NULL,
    embedding_dimensions INTEGER NOT NULL,
    language TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata JSONB NOT NULL DEFAULT '{}'::JSONB,
    CONSTRAINT pk_docs PRIMARY KEY (developer_id, doc_id, index),
    CONSTRAINT ct_docs_embedding_dimensions_positive CHECK (embedding_dimensions > 0),
    CONSTRAINT ct_docs_valid_modality CHECK (modality IN ('text', 'image', 'mixed')),
    CONSTRAINT ct_docs_index_positive CHECK (index >= 0),
    CONSTRAINT ct_docs_valid_language CHECK (is_valid_language (language)),
    CONSTRAINT ct_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object')
);

-- Create foreign key constraint if not exists (using DO block for safety)
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'fk_docs_developer'
    ) THEN
        ALTER TABLE docs
        ADD CONSTRAINT fk_docs_developer
        FOREIGN KEY (developer_id)
        REFERENCES developers(developer_id);
    END IF;
END $$;

-- Create trigger if not exists
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger WHERE tgname = 'trg_docs_updated_at'
    ) THEN
        CREATE TRIGGER trg_docs_updated_at
        BEFORE UPDATE ON docs
        FOR EACH ROW
        EXECUTE FUNCTION update_updated_at_column();
    END IF;
END $$;

-- Create the doc_owners table
CREATE TABLE IF NOT EXISTS doc_owners (
    developer_id UUID NOT NULL,
    doc_id UUID NOT NULL,
    owner_type TEXT NOT NULL, -- 'user' or 'agent'
    owner_id UUID NOT NULL,
    CONSTRAINT pk_doc_owners PRIMARY KEY (developer_id, doc_id),
    -- TODO: Ensure that doc exists (this constraint is not working)
    -- CONSTRAINT fk_doc_owners_doc FOREIGN KEY (developer_id, doc_id) REFERENCES docs (developer_id, doc_id),
    CONSTRAINT ct_doc_owners_owner_type CHECK (owner_type IN ('user', 'agent'))
);

-- Create indexes
CREATE INDEX IF NOT EXISTS idx_doc_owners_owner ON doc_owners (developer_id, owner_type, owner_id);


-- Create function to validate owner reference
CREATE
OR REPLACE FUNCTION validate_doc_owner () RETURNS TRIGGER AS $$
BEGIN
    IF NEW.owner_type = 'user' THEN
        IF NOT EXISTS (
            SELECT 1 FROM users
            WHERE developer_id = NEW.developer_id AND user_id = NEW.owner_id
        ) THEN
            RAISE EXCEPTION 'Invalid user reference';
        END IF;
    ELSIF NEW.owner_type = 'agent' THEN
        IF NOT EXISTS (
            SELECT 1 FROM agents
            WHERE developer_id = NEW.developer_id AND agent_id = NEW.owner_id
        ) THEN
            RAISE EXCEPTION 'Invalid agent reference';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Create trigger for validation
CREATE TRIGGER trg_validate_doc_owner BEFORE INSERT
OR
UPDATE ON doc_owners FOR EACH ROW
EXECUTE FUNCTION validate_doc_owner ();

-- Create indexes if not exists
CREATE INDEX IF NOT EXISTS idx_docs_metadata ON docs USING GIN (metadata);

-- Enable necessary PostgreSQL extensions
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE EXTENSION IF NOT EXISTS dict_int CASCADE;

CREATE EXTENSION IF NOT EXISTS dict_xsyn CASCADE;

CREATE EXTENSION IF NOT EXISTS fuzzystrmatch CASCADE;

-- Configure text search for all supported languages
DO $$
DECLARE
    lang text;
BEGIN
    BEGIN
        FOR lang IN (SELECT cfgname FROM pg_ts_config WHERE cfgname IN (
            'arabic', 'danish', 'dutch', 'english', 'finnish', 'french',
            'german', 'greek', 'hungarian', 'indonesian', 'irish', 'italian',
            'lithuanian', 'nepali', 'norwegian', 'portuguese', 'romanian',
            'russian', 'spanish', 'swedish', 'tamil', 'turkish'
        ))
        LOOP
            -- Configure integer dictionary
            EXECUTE format('ALTER TEXT SEARCH CONFIGURATION %I
                ALTER MAPPING FOR int, uint WITH intdict', lang);

            -- Configure synonym and stemming
            EXECUTE format('ALTER TEXT SEARCH CONFIGURATION %I
                ALTER MAPPING FOR asciihword, hword_asciipart, hword, hword_part, word, asciiword
                WITH xsyn, %I_stem', lang, lang);
        END LOOP;
    EXCEPTION
        WHEN others THEN
            RAISE NOTICE 'An error occurred during altering search configurations: %, %', SQLSTATE, SQLERRM;
    END;
END
$$;

-- Add the search_tsv column if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_name = 'docs' AND column_name = 'search_tsv'
    ) THEN
        ALTER TABLE docs ADD COLUMN search_tsv tsvector;
    END IF;
END $$;

-- Create function to update tsvector
CREATE
OR REPLACE FUNCTION docs_update_search_tsv () RETURNS trigger AS $$
BEGIN
    NEW.search_tsv :=
        setweight(to_tsvector(NEW.language::regconfig, unaccent(coalesce(NEW.title, ''))), 'A') ||
        setweight(to_tsvector(NEW.language::regconfig, unaccent(coalesce(NEW.content, ''))), 'B');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Create trigger if not exists
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger WHERE tgname = 'trg_docs_search_tsv'
    ) THEN
        CREATE TRIGGER trg_docs_search_tsv
        BEFORE INSERT OR UPDATE OF title, content, language
        ON docs
        FOR EACH ROW
        EXECUTE FUNCTION docs_update_search_tsv();
    END IF;
END $$;

-- Create indexes if not exists
CREATE INDEX IF NOT EXISTS idx_docs_search_tsv ON docs USING GIN (search_tsv);

CREATE INDEX IF NOT EXISTS idx_docs_title_trgm ON docs USING GIN (title gin_trgm_ops);

CREATE INDEX IF NOT EXISTS idx_docs_content_trgm ON docs USING GIN (content gin_trgm_ops);

-- (the UPDATE of existing rows removed: data, not schema)

COMMIT;

-- ==== migration 000008_tools ====
BEGIN;

-- Create tools table if it doesn't exist
CREATE TABLE IF NOT EXISTS tools (
    developer_id UUID NOT NULL,
    agent_id UUID NOT NULL,
    tool_id UUID NOT NULL,
    task_id UUID DEFAULT NULL,
    type TEXT NOT NULL CONSTRAINT ct_tools_type_length CHECK (
        length(type) >= 1
        AND length(type) <= 255
    ),
    name TEXT NOT NULL CONSTRAINT ct_tools_name_length CHECK (
        length(name) >= 1
        AND length(name) <= 255
    ),
    description TEXT CONSTRAINT ct_tools_description_length CHECK (
        description IS NULL
        OR length(description) <= 1000
    ),
    spec JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_tools PRIMARY KEY (developer_id, agent_id, tool_id),
    CONSTRAINT ct_unique_name_per_agent UNIQUE (agent_id, name, task_id),
    CONSTRAINT ct_spec_is_object CHECK (jsonb_typeof(spec) = 'object')
);

-- Create sorted index on task_id if it doesn't exist
CREATE INDEX IF NOT EXISTS idx_tools_task_id_sorted ON tools (task_id DESC)
WHERE
    task_id IS NOT NULL;

-- Create foreign key constraint and index if they don't exist
DO $$ BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'fk_tools_agent'
    ) THEN
        ALTER TABLE tools
            ADD CONSTRAINT fk_tools_agent
            FOREIGN KEY (developer_id, agent_id)
            REFERENCES agents(developer_id, agent_id) ON DELETE CASCADE;
    END IF;
END $$;

-- Drop trigger if exists and recreate
DROP TRIGGER IF EXISTS trg_tools_updated_at ON tools;

CREATE TRIGGER trg_tools_updated_at BEFORE
UPDATE ON tools FOR EACH ROW
EXECUTE FUNCTION update_updated_at_column ();

-- Add comment to table
COMMENT ON TABLE tools IS 'Stores tool configurations and specifications for AI agents';

COMMIT;

-- ==== migration 000009_sessions ====
BEGIN;

-- Create sessions table if it doesn't exist
CREATE TABLE IF NOT EXISTS sessions (
    developer_id UUID NOT NULL,
    session_id UUID NOT NULL,
    situation TEXT,
    system_template TEXT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata JSONB NOT NULL DEFAULT '{}'::JSONB,
    render_templates BOOLEAN NOT NULL DEFAULT TRUE,
    token_budget INTEGER,
    context_overflow TEXT,
    forward_tool_calls BOOLEAN,
    recall_options JSONB NOT NULL DEFAULT '{}'::JSONB,
    CONSTRAINT pk_sessions PRIMARY KEY (developer_id, session_id),
    CONSTRAINT uq_sessions_session_id UNIQUE (session_id),
    CONSTRAINT ct_sessions_token_budget_positive CHECK (
        token_budget IS NULL
        OR token_budget > 0
    ),
    CONSTRAINT ct_sessions_context_overflow_valid CHECK (
        context_overflow IS NULL
        OR context_overflow IN ('truncate', 'adaptive')
    ),
    CONSTRAINT ct_sessions_system_template_not_empty CHECK (length(trim(system_template)) > 0),
    CONSTRAINT ct_sessions_situation_not_empty CHECK (
        situation IS NULL
        OR length(trim(situation)) > 0
    ),
    CONSTRAINT ct_sessions_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT ct_sessions_recall_options_is_object CHECK (jsonb_typeof(recall_options) = 'object')
);

CREATE INDEX IF NOT EXISTS idx_sessions_metadata ON sessions USING GIN (metadata);

-- Create foreign key if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'fk_sessions_developer'
    ) THEN
        ALTER TABLE sessions
        ADD CONSTRAINT fk_sessions_developer
        FOREIGN KEY (developer_id)
        REFERENCES developers(developer_id);
    END IF;
END $$;

-- Create trigger if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger WHERE tgname = 'trg_sessions_updated_at'
    ) THEN
        CREATE TRIGGER trg_sessions_updated_at
        BEFORE UPDATE ON sessions
        FOR EACH ROW
        EXECUTE FUNCTION update_updated_at_column();
    END IF;
END $$;

-- Create participant_type enum if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'participant_type') THEN
        CREATE TYPE participant_type AS ENUM ('user', 'agent');
    END IF;
END $$;

-- Create session_lookup table if it doesn't exist
CREATE TABLE IF NOT EXISTS session_lookup (
    developer_id UUID NOT NULL,
    session_id UUID NOT NULL,
    participant_type participant_type NOT NULL,
    participant_id UUID NOT NULL,
    PRIMARY KEY (
        developer_id,
        session_id,
        participant_type,
        participant_id
    ),
    FOREIGN KEY (developer_id, session_id) REFERENCES sessions (developer_id, session_id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS idx_session_lookup_by_participant ON session_lookup (developer_id, participant_type, participant_id);

-- Create or replace the validation function
CREATE
OR REPLACE FUNCTION validate_participant () RETURNS trigger AS $$
BEGIN
    IF NEW.participant_type = 'user' THEN
        PERFORM 1 FROM users WHERE developer_id = NEW.developer_id AND user_id = NEW.participant_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'Invalid participant_id: % for participant_type user', NEW.participant_id;
        END IF;
    ELSIF NEW.participant_type = 'agent' THEN
        PERFORM 1 FROM agents WHERE developer_id = NEW.developer_id AND agent_id = NEW.participant_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'Invalid participant_id: % for participant_type agent', NEW.participant_id;
        END IF;
    ELSE
        RAISE EXCEPTION 'Unknown participant_type: %', NEW.participant_type;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Create triggers if they don't exist
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger WHERE tgname = 'trg_validate_participant_before_insert'
    ) THEN
        CREATE TRIGGER trg_validate_participant_before_insert
        BEFORE INSERT ON session_lookup
        FOR EACH ROW
        EXECUTE FUNCTION validate_participant();
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_trigger WHERE tgname = 'trg_validate_participant_before_update'
    ) THEN
        CREATE TRIGGER trg_validate_participant_before_update
        BEFORE UPDATE ON session_lookup
        FOR EACH ROW
        EXECUTE FUNCTION validate_participant();
    END IF;
END $$;

COMMIT;

-- ==== migration 000010_tasks ====
BEGIN;

/*
 * DEFERRED FOREIGN KEY CONSTRAINTS (Complexity: 6/10)
 * Uses PostgreSQL's deferred constraints to handle complex relationships between tasks and tools tables.
 * Constraints are checked at transaction commit rather than immediately, allowing circular references.
 * This enables more flexible data loading patterns while maintaining referential integrity.
 */
-- Create tasks table if it doesn't exist
CREATE TABLE IF NOT EXISTS tasks (
    developer_id UUID NOT NULL,
    canonical_name CITEXT NOT NULL CONSTRAINT ct_tasks_canonical_name_length CHECK (
        length(canonical_name) >= 1
        AND length(canonical_name) <= 255
    ),
    agent_id UUID NOT NULL,
    task_id UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL CONSTRAINT ct_tasks_name_length CHECK (
        length(name) >= 1
        AND length(name) <= 255
    ),
    description TEXT DEFAULT NULL CONSTRAINT ct_tasks_description_length CHECK (
        description IS NULL
        OR length(description) <= 1000
    ),
    input_schema JSONB NOT NULL,
    inherit_tools BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata JSONB DEFAULT '{}'::JSONB,
    CONSTRAINT pk_tasks PRIMARY KEY (developer_id, task_id, "version"),
    CONSTRAINT uq_tasks_canonical_name_unique UNIQUE (developer_id, canonical_name, "version"),
    CONSTRAINT fk_tasks_agent FOREIGN KEY (developer_id, agent_id) REFERENCES agents (developer_id, agent_id) ON DELETE CASCADE,
    CONSTRAINT ct_tasks_canonical_name_valid_identifier CHECK (canonical_name ~ '^[a-zA-Z][a-zA-Z0-9_]*$'),
    CONSTRAINT ct_tasks_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT ct_tasks_input_schema_is_object CHECK (jsonb_typeof(input_schema) = 'object'),
    CONSTRAINT ct_tasks_version_positive CHECK ("version" > 0)
);

-- Create sorted index on task_id if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_tasks_id_sorted') THEN
        CREATE INDEX idx_tasks_id_sorted ON tasks (task_id DESC);
    END IF;
END $$;

-- Create index on canonical_name if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_tasks_canonical_name') THEN
        CREATE INDEX idx_tasks_canonical_name ON tasks (developer_id DESC, canonical_name);
    END IF;
END $$;

-- Create a GIN index on metadata if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_tasks_metadata') THEN
        CREATE INDEX idx_tasks_metadata ON tasks USING GIN (metadata);
    END IF;
END $$;

-- Create function to validate owner reference
CREATE OR REPLACE FUNCTION validate_tool_task()
RETURNS TRIGGER AS $$
BEGIN
    IF NEW.task_id IS NOT NULL THEN
        IF NOT EXISTS (
            SELECT 1 FROM tasks
            WHERE developer_id = NEW.developer_id AND task_id = NEW.task_id
        ) THEN
            RAISE EXCEPTION 'Invalid task reference';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Create trigger for validation
CREATE TRIGGER trg_validate_tool_task
BEFORE INSERT OR UPDATE ON tools
FOR EACH ROW
EXECUTE FUNCTION validate_tool_task();

-- Create updated_at trigger if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM pg_trigger
        WHERE tgname = 'trg_tasks_updated_at'
    ) THEN
        CREATE TRIGGER trg_tasks_updated_at
            BEFORE UPDATE ON tasks
            FOR EACH ROW
            EXECUTE FUNCTION update_updated_at_column();
    END IF;
END $$;

-- Add comment to table (comments are idempotent by default)
COMMENT ON TABLE tasks IS 'Stores tasks associated with AI agents for developers';

-- Create 'workflows' table
CREATE TABLE IF NOT EXISTS workflows (
    developer_id UUID NOT NULL,
    task_id UUID NOT NULL,
    "version" INTEGER NOT NULL,
    name TEXT NOT NULL CONSTRAINT ct_workflows_name_length CHECK (
        length(name) >= 1
        AND length(name) <= 255
    ),
    step_idx INTEGER NOT NULL CONSTRAINT ct_workflows_step_idx_positive CHECK (step_idx >= 0),
    step_type TEXT NOT NULL CONSTRAINT ct_workflows_step_type_length CHECK (
        length(step_type) >= 1
        AND length(step_type) <= 255
    ),
    step_definition JSONB NOT NULL CONSTRAINT ct_workflows_step_definition_valid CHECK (jsonb_typeof(step_definition) = 'object'),
    CONSTRAINT pk_workflows PRIMARY KEY (developer_id, task_id, "version", name, step_idx),
    CONSTRAINT fk_workflows_tasks FOREIGN KEY (developer_id, task_id, "version") REFERENCES tasks (developer_id, task_id, "version") ON DELETE CASCADE
);

-- Add comment to 'workflows' table
COMMENT ON TABLE workflows IS 'Stores normalized workflows for tasks';

COMMIT;

-- ==== migration 000011_executions ====
BEGIN;

-- Create executions table if it doesn't exist
CREATE TABLE IF NOT EXISTS executions (
    developer_id UUID NOT NULL,
    task_id UUID NOT NULL,
    task_version INTEGER NOT NULL,
    execution_id UUID NOT NULL,
    input JSONB NOT NULL,
    -- NOTE: These will be generated using continuous aggregates from transitions
    -- status TEXT DEFAULT 'pending',
    -- output JSONB DEFAULT NULL,
    -- error TEXT DEFAULT NULL,
    -- updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata JSONB NOT NULL DEFAULT '{}'::JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_executions PRIMARY KEY (execution_id),
    CONSTRAINT fk_executions_developer FOREIGN KEY (developer_id) REFERENCES developers (developer_id),
    CONSTRAINT fk_executions_task FOREIGN KEY (developer_id, task_id, task_version) REFERENCES tasks (developer_id, task_id, "version"),
    CONSTRAINT ct_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object')
);

-- Create index on developer_id
CREATE INDEX IF NOT EXISTS idx_executions_developer_id ON executions (developer_id);

-- Create index on task_id
CREATE INDEX IF NOT EXISTS idx_executions_task_id ON executions (task_id, task_version);

-- Create a GIN index on the metadata column
CREATE INDEX IF NOT EXISTS idx_executions_metadata ON executions USING GIN (metadata);

-- Add comment to table (comments are idempotent by default)
COMMENT ON TABLE executions IS 'Stores executions associated with AI agents for developers';

COMMIT;

-- ==== migration 000012_transitions ====
BEGIN;

/*
 * CUSTOM TYPES AND ENUMS WITH COMPLEX CONSTRAINTS (Complexity: 7/10)
 * Creates custom composite type transition_cursor to track workflow state and enum type for transition states.
 * Uses compound primary key combining timestamps and UUIDs for efficient time-series operations.
 * Implements complex indexing strategy optimized for various query patterns (current state, next state, labels).
 */

-- Create transition type enum if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'transition_type') THEN
        CREATE TYPE transition_type AS ENUM (
            'init',
            'finish',
            'init_branch',
            'finish_branch',
            'wait',
            'resume',
            'error',
            'step',
            'cancelled'
        );
    END IF;
END $$;

-- Create transition cursor type if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'transition_cursor') THEN
        CREATE TYPE transition_cursor AS (
            workflow_name TEXT,
            step_index INT
        );
    END IF;
END $$;

-- Create transitions table if it doesn't exist
CREATE TABLE IF NOT EXISTS transitions (
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    execution_id UUID NOT NULL,
    transition_id UUID NOT NULL,
    type transition_type NOT NULL,
    step_label TEXT DEFAULT NULL,
    current_step transition_cursor NOT NULL,
    next_step transition_cursor DEFAULT NULL,
    output JSONB,
    task_token TEXT DEFAULT NULL,
    metadata JSONB DEFAULT '{}'::JSONB,
    CONSTRAINT pk_transitions PRIMARY KEY (created_at, execution_id, transition_id),
    CONSTRAINT ct_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object')
);

-- Convert to hypertable if not already
SELECT
    create_hypertable (
        'transitions',
        by_range ('created_at', INTERVAL '1 day'),
        if_not_exists => TRUE
    );

SELECT
    add_dimension (
        'transitions',
        by_hash ('execution_id', 2),
        if_not_exists => TRUE
    );

-- Create indexes if they don't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_transitions_metadata') THEN
        CREATE INDEX idx_transitions_metadata ON transitions USING GIN (metadata);
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_transitions_label') THEN
        CREATE UNIQUE INDEX idx_transitions_label ON transitions USING btree (execution_id, step_label, created_at DESC)
        WHERE (step_label IS NOT NULL);
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_transitions_next') THEN
        CREATE UNIQUE INDEX idx_transitions_next ON transitions USING btree (execution_id, next_step, created_at DESC)
        WHERE (next_step IS NOT NULL);
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_transitions_current') THEN
        CREATE UNIQUE INDEX idx_transitions_current ON transitions USING btree (execution_id, current_step, created_at DESC);
    END IF;
END $$;


-- Add foreign key constraint if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_transitions_execution') THEN
        ALTER TABLE transitions
            ADD CONSTRAINT fk_transitions_execution
            FOREIGN KEY (execution_id)
            REFERENCES executions(execution_id)
            ON DELETE CASCADE;
    END IF;
END $$;

-- Add comment to table
COMMENT ON TABLE transitions IS 'Stores transitions associated with AI agents for developers';

-- Create a trigger function that checks for valid transitions
CREATE
OR REPLACE FUNCTION check_valid_transition () RETURNS trigger AS $$
DECLARE
    previous_type transition_type;
    valid_next_types transition_type[];
BEGIN
    -- Get the latest transition_type for this execution_id
    SELECT t.type INTO previous_type
    FROM transitions t
    WHERE t.execution_id = NEW.execution_id
    ORDER BY t.created_at DESC
    LIMIT 1;

    IF previous_type IS NULL THEN
        -- If there is no previous transition, allow only 'init' or 'init_branch'
        IF NEW.type NOT IN ('init', 'init_branch', 'error', 'cancelled') THEN
            RAISE EXCEPTION 'First transition must be init / init_branch / error / cancelled, got %', NEW.type;
        END IF;
    ELSE
        -- Define the valid_next_types array based on previous_type
        CASE previous_type
            WHEN 'init' THEN
                valid_next_types := ARRAY['wait', 'error', 'step', 'cancelled', 'init_branch', 'finish'];
            WHEN 'init_branch' THEN
                valid_next_types := ARRAY['wait', 'error', 'step', 'cancelled', 'init_branch', 'finish_branch', 'finish'];
            WHEN 'wait' THEN
                valid_next_types := ARRAY['resume', 'step', 'cancelled', 'finish', 'finish_branch'];
            WHEN 'resume' THEN
                valid_next_types := ARRAY['wait', 'error', 'cancelled', 'step', 'finish', 'finish_branch', 'init_branch'];
            WHEN 'step' THEN
                valid_next_types := ARRAY['wait', 'error', 'cancelled', 'step', 'finish', 'finish_branch', 'init_branch'];
            WHEN 'finish_branch' THEN
                valid_next_types := ARRAY['wait', 'error', 'cancelled', 'step', 'finish', 'init_branch', 'finish_branch'];
            WHEN 'finish' THEN
                valid_next_types := ARRAY[]::transition_type[];  -- No valid next transitions
            WHEN 'error' THEN
                valid_next_types := ARRAY[]::transition_type[];  -- No valid next transitions
            WHEN 'cancelled' THEN
                valid_next_types := ARRAY[]::transition_type[];  -- No valid next transitions
            ELSE
                RAISE EXCEPTION 'Unknown previous transition type: %', previous_type;
        END CASE;

        IF NOT NEW.type = ANY(valid_next_types) THEN
            RAISE EXCEPTION 'Invalid transition from % to %', previous_type, NEW.type;
        END IF;
    END IF;

    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Create a trigger on the transitions table
CREATE OR REPLACE TRIGGER validate_transition BEFORE INSERT ON transitions FOR EACH ROW
EXECUTE FUNCTION check_valid_transition ();

COMMIT;

-- ==== migration 000013_executions_continuous_view ====
BEGIN;

/*
 * CONTINUOUS AGGREGATES WITH STATE AGGREGATION (Complexity: 9/10)
 * This is a TimescaleDB feature that automatically maintains a real-time summary of the transitions table.
 * It uses special aggregation functions like state_agg() to track state changes and last() to get most recent values.
 * The view updates every 10 minutes and can serve both historical and real-time data (materialized_only = FALSE).
 */
-- create a function to convert transition_type to text (needed coz ::text is stable not immutable)
CREATE
OR REPLACE function to_text (transition_type) RETURNS text AS $$
    select $1
$$ STRICT IMMUTABLE LANGUAGE sql;

-- (the continuous aggregate latest_transitions and the view latest_executions of this migration are
--  created below in the form migration 000033 gave them)

COMMIT;

-- ==== migration 000014_temporal_lookup ====
BEGIN;

-- Create temporal_executions_lookup table
CREATE TABLE IF NOT EXISTS temporal_executions_lookup (
    execution_id UUID NOT NULL,
    id TEXT NOT NULL,
    run_id TEXT,
    first_execution_run_id TEXT,
    result_run_id TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_temporal_executions_lookup PRIMARY KEY (execution_id, id),
    CONSTRAINT fk_temporal_executions_lookup_execution FOREIGN KEY (execution_id) REFERENCES executions (execution_id) ON DELETE CASCADE
);

-- Add comment to table
COMMENT ON TABLE temporal_executions_lookup IS 'Stores temporal workflow execution lookup data for AI agent executions';

COMMIT;

-- ==== migration 000015_entries ====
BEGIN;

-- Create chat_role enum
CREATE TYPE chat_role AS ENUM(
    'user',
    'assistant',
    'tool',
    'system',
    'developer'
);

-- Create a custom function that checks if `content` is non-empty
-- and that every JSONB element in the array is an 'object'.
CREATE
OR REPLACE FUNCTION all_jsonb_elements_are_objects (content jsonb[]) RETURNS boolean AS $$
DECLARE
    elem jsonb;
BEGIN
    -- Check each element in the `content` array
    FOREACH elem IN ARRAY content
    LOOP
        IF jsonb_typeof(elem) <> 'object' THEN
            RETURN false;
        END IF;
    END LOOP;
    
    RETURN true;
END;
$$ LANGUAGE plpgsql IMMUTABLE;

CREATE TABLE IF NOT EXISTS entries (
    session_id UUID NOT NULL,
    entry_id UUID NOT NULL,
    source TEXT NOT NULL,
    role chat_role NOT NULL,
    event_type TEXT NOT NULL DEFAULT 'message.create',
    name TEXT,
    content JSONB[] NOT NULL,
    tool_call_id TEXT DEFAULT NULL,
    tool_calls JSONB[] DEFAULT NULL,
    model TEXT NOT NULL,
    token_count INTEGER DEFAULT NULL,
    tokenizer TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    timestamp TIMESTAMPTZ NOT NULL,
    CONSTRAINT pk_entries PRIMARY KEY (session_id, entry_id, created_at),
    CONSTRAINT ct_content_is_array_of_objects CHECK (all_jsonb_elements_are_objects (content))
);

-- Convert to hypertable if not already
SELECT
    create_hypertable (
        'entries',
        by_range ('created_at', INTERVAL '1 day'),
        if_not_exists => TRUE
    );

SELECT
    add_dimension (
        'entries',
        by_hash ('session_id', 2),
        if_not_exists => TRUE
    );

-- Create indexes for efficient querying
CREATE INDEX IF NOT EXISTS idx_entries_by_session ON entries (session_id DESC);

-- Add foreign key constraint to sessions table
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'fk_entries_session'
    ) THEN
        ALTER TABLE entries
        ADD CONSTRAINT fk_entries_session
        FOREIGN KEY (session_id)
        REFERENCES sessions(session_id) ON DELETE CASCADE;
    END IF;
END $$;

-- TODO: We should consider using a timescale background job to update the token count
-- instead of a trigger.
-- https://docs.timescale.com/use-timescale/latest/user-defined-actions/create-and-register/
CREATE
OR REPLACE FUNCTION optimized_update_token_count_after () RETURNS TRIGGER AS $$
DECLARE
    calc_token_count INTEGER;
BEGIN
    -- Compute token_count outside the UPDATE statement for clarity and potential optimization
    calc_token_count := cardinality(
        ai.openai_tokenize(
            'gpt-4o', -- FIXME: Use `NEW.model`
            array_to_string(NEW.content::TEXT[], ' ')
        )
    );

    -- Perform the update only if token_count differs
    IF calc_token_count <> NEW.token_count THEN
        UPDATE entries
        SET token_count = calc_token_count
        WHERE entry_id = NEW.entry_id;
    END IF;

    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- FIXME: This trigger is causing the slow performance of the create_entries query
--
-- We should consider using a timescale background job to update the token count
-- instead of a trigger.
-- https://docs.timescale.com/use-timescale/latest/user-defined-actions/create-and-register/
--
-- CREATE TRIGGER trg_optimized_update_token_count_after
-- AFTER INSERT
-- OR
-- UPDATE ON entries FOR EACH ROW
-- EXECUTE FUNCTION optimized_update_token_count_after ();

-- Add trigger to update parent session's updated_at
CREATE
OR REPLACE FUNCTION update_session_updated_at () RETURNS TRIGGER AS $$
BEGIN
    UPDATE sessions
    SET updated_at = CURRENT_TIMESTAMP
    WHERE session_id = NEW.session_id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_update_session_updated_at
AFTER INSERT
OR
UPDATE ON entries FOR EACH ROW
EXECUTE FUNCTION update_session_updated_at ();

COMMIT;

-- ==== migration 000016_entry_relations ====
BEGIN;

-- Create citext extension if not exists
CREATE EXTENSION IF NOT EXISTS citext;

-- Create entry_relations table
CREATE TABLE IF NOT EXISTS entry_relations (
    session_id UUID NOT NULL,
    head UUID NOT NULL,
    relation CITEXT NOT NULL,
    tail UUID NOT NULL,
    is_leaf BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT pk_entry_relations PRIMARY KEY (session_id, head, relation, tail)
);

-- Add foreign key constraint to sessions table
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'fk_entry_relations_session'
    ) THEN
        ALTER TABLE entry_relations
        ADD CONSTRAINT fk_entry_relations_session
        FOREIGN KEY (session_id)
        REFERENCES sessions(session_id) ON DELETE CASCADE;
    END IF;
END $$;

-- Create indexes for efficient querying
CREATE INDEX idx_entry_relations_leaf ON entry_relations (session_id, is_leaf);

CREATE OR REPLACE FUNCTION auto_update_leaf_status() RETURNS TRIGGER AS $$
BEGIN
    -- Set is_leaf = false for any existing rows that will now have this new relation as a child
    UPDATE entry_relations 
    SET is_leaf = false
    WHERE session_id = NEW.session_id 
    AND tail = NEW.head;

    -- Set is_leaf for the new row based on whether it has any children
    NEW.is_leaf := NOT EXISTS (
        SELECT 1 
        FROM entry_relations 
        WHERE session_id = NEW.session_id 
        AND head = NEW.tail
    );

    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_auto_update_leaf_status
BEFORE INSERT OR UPDATE ON entry_relations
FOR EACH ROW
EXECUTE FUNCTION auto_update_leaf_status();

COMMIT;

-- ==== migration 000027_add_postgraphile ====
BEGIN;

CREATE SCHEMA IF NOT EXISTS postgraphile_auth;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

DO
$do$
BEGIN
   IF EXISTS (
      SELECT FROM pg_catalog.pg_roles
      WHERE  rolname = 'postgraphile') THEN

      RAISE NOTICE 'Role "postgraphile" already exists. Skipping.';
   ELSE
      CREATE ROLE postgraphile;
   END IF;
END
$do$;

DO
$do$
BEGIN
   IF EXISTS (
      SELECT FROM pg_catalog.pg_roles
      WHERE  rolname = 'no_access_role') THEN

      RAISE NOTICE 'Role "no_access_role" already exists. Skipping.';
   ELSE
      CREATE ROLE no_access_role;
   END IF;
END
$do$;

DO $$
BEGIN
    -- Check if the type already exists
    IF NOT EXISTS (
        SELECT 1
        FROM pg_type t
        JOIN pg_namespace n ON t.typnamespace = n.oid
        WHERE t.typname = 'jwt_token'
    ) THEN
        -- Create the type if it does not exist
        CREATE TYPE jwt_token AS (
            role text,
            exp integer,
            developer_id UUID
        );
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS postgraphile_auth.users(
    developer_id UUID NOT NULL,
    email TEXT NOT NULL CONSTRAINT ct_developers_email_format CHECK (
        email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'
    ),
    password_hash text
);

GRANT SELECT ON postgraphile_auth.users TO no_access_role;
GRANT SELECT ON postgraphile_auth.users TO postgraphile;

CREATE OR REPLACE FUNCTION current_developer_id() returns UUID as $$
  select nullif(current_setting('jwt.claims.developer_id', true), '')::UUID;
$$ language sql stable;

CREATE POLICY access_users
  ON postgraphile_auth.users
  FOR SELECT
  TO postgraphile
  USING (developer_id = current_developer_id());

CREATE OR REPLACE FUNCTION authenticate(
  email text,
  password text
)
returns jwt_token
as $$
declare
  account postgraphile_auth.users;
begin
  select a.* into account
    from postgraphile_auth.users as a
    where a.email = authenticate.email;

  if account.password_hash = crypt(password, account.password_hash) then
    return (
      'postgraphile',
      extract(epoch from now() + interval '7 days'),
      account.developer_id
    )::jwt_token;
  else
    return null;
  end if;
end;
$$ language plpgsql strict security definer;

GRANT EXECUTE ON FUNCTION authenticate(text, text) TO no_access_role, postgraphile;

CREATE OR REPLACE FUNCTION current_developer_id_by_execution_id(p_execution_id UUID)
RETURNS UUID AS $$
DECLARE
    v_developer_id UUID;
BEGIN
    SELECT developer_id
    INTO v_developer_id
    FROM executions
    WHERE execution_id = p_execution_id;

    RETURN v_developer_id;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION current_developer_id_by_session_id(p_session_id UUID)
RETURNS UUID AS $$
DECLARE
    v_developer_id UUID;
BEGIN
    SELECT developer_id
    INTO v_developer_id
    FROM sessions
    WHERE session_id = p_session_id;

    RETURN v_developer_id;
END;
$$ LANGUAGE plpgsql;

GRANT ALL ON ALL TABLES IN SCHEMA public TO postgraphile;

ALTER TABLE developers ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE file_owners ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE doc_owners ENABLE ROW LEVEL SECURITY;
ALTER TABLE tools ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_lookup ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflows ENABLE ROW LEVEL SECURITY;
ALTER TABLE executions ENABLE ROW LEVEL SECURITY;
ALTER TABLE temporal_executions_lookup ENABLE ROW LEVEL SECURITY;
ALTER TABLE entry_relations ENABLE ROW LEVEL SECURITY;

CREATE POLICY access_developers_policy
  ON developers
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_agents_policy
  ON agents
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_users_policy
  ON users
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_files_policy
  ON files
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_file_owners_policy
  ON file_owners
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_docs_policy
  ON docs
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_doc_owners_policy
  ON doc_owners
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_tools_policy
  ON tools
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_sessions_policy
  ON sessions
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_session_lookup_policy
  ON session_lookup
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_tasks_policy
  ON tasks
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_workflows_policy
  ON workflows
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_executions_policy
  ON executions
  FOR ALL
  TO postgraphile
  USING (developer_id = current_developer_id())
  WITH CHECK (developer_id = current_developer_id());

CREATE POLICY access_temporal_executions_lookup_policy
  ON temporal_executions_lookup
  FOR ALL
  TO postgraphile
  USING (execution_id = current_developer_id_by_execution_id(execution_id))
  WITH CHECK (execution_id = current_developer_id_by_execution_id(execution_id));

CREATE POLICY access_entry_relations_policy
  ON entry_relations
  FOR ALL
  TO postgraphile
  USING (session_id = current_developer_id_by_session_id(session_id))
  WITH CHECK (session_id = current_developer_id_by_session_id(session_id));

COMMENT ON TABLE public.entries IS '@omit';
COMMENT ON TABLE public.transitions IS '@omit';
REVOKE ALL ON public.entries FROM postgraphile;
REVOKE ALL ON public.transitions FROM postgraphile;

COMMIT;

-- ==== migration 000033_fix_latest_transitions ====
BEGIN;

/*
 * FIX FOR LATEST_TRANSITIONS CONTINUOUS AGGREGATE
 * 
 * This migration fixes an issue with the latest_transitions continuous aggregate view
 * where the join on the workflows table was causing empty rows when transitions were of
 * type 'finish' or 'error' since there's no step definition available for these states.
 * 
 * We remove the join on the workflows table and the step_definition column from the view.
 */

-- (the DROPs of the earlier aggregate, its policy and view removed: this script creates them once)

-- Create a continuous view that aggregates the transitions table without the workflows join
CREATE MATERIALIZED VIEW IF NOT EXISTS latest_transitions
WITH
    (
        timescaledb.continuous,
        timescaledb.materialized_only = FALSE
    ) AS
SELECT
    time_bucket ('1 day', t.created_at) AS bucket,
    t.execution_id,
    last (t.transition_id, t.created_at) AS transition_id,
    count(*) AS transition_count,
    max(t.created_at) AS created_at,
    last (t.type, t.created_at) AS type,
    last (t.step_label, t.created_at) AS step_label,
    last (t.current_step, t.created_at) AS current_step,
    last (t.next_step, t.created_at) AS next_step,
    last (t.output, t.created_at) AS output,
    last (t.task_token, t.created_at) AS task_token,
    last (t.metadata, t.created_at) AS metadata,
    last (e.task_id, e.created_at) AS task_id,
    last (e.task_version, e.created_at) AS task_version
FROM
    transitions t
    JOIN executions e ON t.execution_id = e.execution_id
GROUP BY
    bucket,
    t.execution_id
WITH
    no data;

-- Add the continuous aggregate policy
SELECT
    add_continuous_aggregate_policy (
        'latest_transitions',
        start_offset => NULL,
        end_offset => INTERVAL '10 minutes',
        schedule_interval => INTERVAL '10 minutes'
    );

-- Recreate the latest_executions view without step_definition
CREATE OR REPLACE VIEW latest_executions AS
SELECT
    e.developer_id,
    e.task_id,
    e.task_version,
    e.execution_id,
    e.input,
    e.metadata,
    e.created_at,
    coalesce(lt.created_at, e.created_at) AS updated_at,
    CASE
        WHEN lt.type::text IS NULL THEN 'queued'
        WHEN lt.type::text = 'init' THEN 'starting'
        WHEN lt.type::text = 'init_branch' THEN 'running'
        WHEN lt.type::text = 'wait' THEN 'awaiting_input'
        WHEN lt.type::text = 'resume' THEN 'running'
        WHEN lt.type::text = 'step' THEN 'running'
        WHEN lt.type::text = 'finish' THEN 'succeeded'
        WHEN lt.type::text = 'finish_branch' THEN 'running'
        WHEN lt.type::text = 'error' THEN 'failed'
        WHEN lt.type::text = 'cancelled' THEN 'cancelled'
        ELSE 'queued'
    END AS status,
    CASE
        WHEN lt.type::text = 'error' THEN lt.output ->> 'error'
        ELSE NULL
    END AS error,
    coalesce(lt.transition_count, 0) AS transition_count,
    coalesce(lt.output, '{}'::jsonb) AS output,
    lt.current_step,
    lt.next_step,
    lt.step_label,
    lt.task_token,
    lt.metadata AS transition_metadata
FROM
    executions e
    LEFT JOIN latest_transitions lt ON e.execution_id = lt.execution_id;

COMMIT;

-- ==== migration 000017_compression + 000034_switch_to_hypercore (unwrapped, see SOURCE.md) ====
BEGIN;

ALTER TABLE entries
    SET (
        timescaledb.compress = TRUE,
        timescaledb.compress_segmentby = 'session_id',
        timescaledb.compress_orderby = 'created_at DESC, entry_id DESC',
        timescaledb.compress_chunk_time_interval = '28 days'
    );

SELECT
    add_compression_policy ('entries', INTERVAL '7 days');

ALTER TABLE transitions
SET
    (
        timescaledb.compress = TRUE,
        timescaledb.compress_segmentby = 'execution_id',
        timescaledb.compress_orderby = 'created_at DESC, transition_id DESC',
        timescaledb.compress_chunk_time_interval = '28 days'
    );

SELECT
    add_compression_policy ('transitions', INTERVAL '7 days');

COMMIT;
