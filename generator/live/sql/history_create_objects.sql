-- What schemagen created, object by object (ownership.py): apply touches, and rollback drops, only these. Created
-- with the history, and on its own in a history an older schemagen made.
CREATE TABLE IF NOT EXISTS :"schema".objects (
        database text NOT NULL,
        kind text NOT NULL,
        schema text NOT NULL,
        name text NOT NULL,
        signature text NOT NULL DEFAULT '',
        script text NOT NULL,
        PRIMARY KEY (database, kind, schema, name, signature)
    )
