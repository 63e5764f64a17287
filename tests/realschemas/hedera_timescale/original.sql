-- hedera_timescale: the Hedera mirror node's TimescaleDB schema (ledger history: transactions, transfers, topic
-- messages, balances), every time column a bigint of nanoseconds since the epoch.
-- Source:  https://github.com/hashgraph/hedera-mirror-node (Apache-2.0)
--   1. roles, schema, grants:  hedera-mirror-importer/src/main/resources/db/scripts/init_v2.sql
--                              @ 757ba83a0350d4db2acde6e3aa97414eb5a65c1c
--   2. tables and domains:     hedera-mirror-importer/src/main/resources/db/migration/V2.0.0__time_scale_init.sql
--   3. hypertables:            .../db/migration/V2.0.1__hyper_tables.sql
--   4. keys and indexes:       .../db/migration/V2.0.2__time_scale_index_init.sql
--                              (2-4 all @ 26ae81270b3d4fc293f547f90f421636c6593ceb)
--   5. integer_now, compression and its policies:
--                              .../db/migration/v2/_V2.0.3__time_scale_compression.sql
--                              @ 27d5b568382668a63d83532f9dc08bff7b51f173
-- Changes (see SOURCE.md): reference-data INSERTs removed; psql variables and Flyway placeholders filled in;
-- passwords dropped; part 5 restricted to the hypertables of parts 2-4 whose segment-by columns exist there
-- (and not record_file, whose integer time column refuses a bigint integer_now function).

-- 1. roles, schema and privileges (init_v2.sql; its CREATE DATABASE and \c are the harness's job here)
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_node') THEN
    CREATE ROLE mirror_node LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'readonly') THEN
    CREATE ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'readwrite') THEN
    CREATE ROLE readwrite IN ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_grpc') THEN
    CREATE ROLE mirror_grpc LOGIN IN ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_api') THEN
    CREATE ROLE mirror_api LOGIN IN ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_importer') THEN
    CREATE ROLE mirror_importer LOGIN IN ROLE readwrite;
  END IF;
END
$$;

ALTER DATABASE :"DBNAME" OWNER TO mirror_node;
CREATE SCHEMA IF NOT EXISTS mirrornode AUTHORIZATION mirror_node;

-- as the database owner, as init_v2.sql does after "\c :db_name :db_owner"
SET ROLE mirror_node;
GRANT USAGE ON SCHEMA mirrornode TO public;
REVOKE CREATE ON SCHEMA mirrornode FROM public;
GRANT CONNECT ON DATABASE :"DBNAME" TO readonly;
GRANT USAGE ON SCHEMA mirrornode TO readonly;
GRANT SELECT ON ALL TABLES IN SCHEMA mirrornode TO readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA mirrornode GRANT SELECT ON TABLES TO readonly;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA mirrornode TO readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA mirrornode GRANT SELECT ON SEQUENCES TO readonly;
GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA mirrornode TO readwrite;
ALTER DEFAULT PRIVILEGES IN SCHEMA mirrornode GRANT INSERT, UPDATE ON TABLES TO readwrite;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA mirrornode TO readwrite;
ALTER DEFAULT PRIVILEGES IN SCHEMA mirrornode GRANT USAGE ON SEQUENCES TO readwrite;
RESET ROLE;

-- as the superuser again
ALTER ROLE mirror_node SET search_path = mirrornode, public;
ALTER ROLE mirror_importer SET search_path = mirrornode, public;
ALTER ROLE mirror_grpc SET search_path = mirrornode, public;
ALTER ROLE mirror_api SET search_path = mirrornode, public;
CREATE EXTENSION IF NOT EXISTS timescaledb CASCADE SCHEMA mirrornode;
ALTER DATABASE :"DBNAME" SET timescaledb.telemetry_level = off;

-- the migrations run as the owner (Flyway's user), in its schema
SET ROLE mirror_node;
SET search_path = mirrornode, public;

-- 2. V2.0.0__time_scale_init.sql
-------------------
-- Init mirror node db, defining table schema
-- Supports mirror nodes migrated from v1.0
-------------------

-- domains
create domain hbar_tinybars as bigint;
create domain entity_num as integer;
create domain entity_realm_num as smallint;
create domain entity_type_id as character(1);
create domain entity_id as bigint;
create domain nanos_timestamp as bigint; -- dropped using this domain in some tables as it's needed as a bigint for hyper table partitioning

-- account_balance
create table if not exists account_balance (
    consensus_timestamp     bigint              not null,
    balance                 hbar_tinybars       not null,
    account_realm_num       entity_realm_num    not null,
    account_num             entity_num          not null
);
comment on table account_balance is 'account balances (historical) in tinybars at different consensus timestamps';

create table if not exists account_balance_file (
    consensus_timestamp     bigint          primary key,
    count                   bigint          not null,
    load_start              bigint,
    load_end                bigint,
    file_hash               varchar(96),
    name                    varchar(250)    not null,
    node_account_id         entity_id       not null
);

-- account_balance_sets
create table if not exists account_balance_sets (
    consensus_timestamp bigint not null,
    is_complete boolean not null default false,
    processing_start_timestamp timestamp without time zone null default (now() at time zone 'utc'),
    processing_end_timestamp timestamp without time zone null,
    constraint pk__account_balance_sets primary key (consensus_timestamp)
);
comment on table account_balance_sets is 'processing state of snapshots of the entire set of account balances at different consensus timestamps';

-- address_book
create table if not exists address_book
(
    start_consensus_timestamp   bigint      primary key,
    end_consensus_timestamp     bigint      null,
    file_id                     entity_id   not null,
    node_count                  int         null,
    file_data                   bytea       not null
);


-- address_book_entry
create table if not exists address_book_entry
(
    id                      serial          primary key,
    consensus_timestamp     bigint          references address_book (start_consensus_timestamp) not null,
    ip                      varchar(128)    null,
    port                    integer         null,
    memo                    varchar(128)    null,
    public_key              varchar(1024)   null,
    node_id                 bigint          null,
    node_account_id         entity_id       null,
    node_cert_hash          bytea           null
);

-- contract_result
create table if not exists contract_result
(
    function_parameters     bytea   null,
    gas_supplied            bigint  null,
    call_result             bytea   null,
    gas_used                bigint  null,
    consensus_timestamp     bigint  not null
);

-- crypto_transfer
create table if not exists crypto_transfer
(
    entity_id               entity_id       not null,
    consensus_timestamp     bigint          not null,
    amount                  hbar_tinybars   not null
);

-- file_data
create table if not exists file_data (
    file_data           bytea       null,
    consensus_timestamp bigint      not null,
    entity_id           entity_id   not null,
    transaction_type    smallint    not null
);

-- live_hash
create table if not exists live_hash (
    livehash            bytea,
    consensus_timestamp bigint not null
);

-- non_fee_transfer
create table if not exists non_fee_transfer (
    entity_id           entity_id       not null,
    consensus_timestamp bigint          not null,
    amount              hbar_tinybars   not null
);

-- record_file
-- id seq from v1.0 no longer explicitly created as s_record_files_seq
create table if not exists record_file (
    id              serial      primary key,
    name            character   varying(250)  not null,
    load_start      bigint,
    load_end        bigint,
    file_hash       character   varying(96),
    prev_hash       character   varying(96),
    consensus_start bigint      default 0 not null,
    consensus_end   bigint      default 0 not null,
    node_account_id entity_id   not null,
    count           bigint      not null
);

-- t_application_status
create table if not exists t_application_status (
    status_name     character varying(40),
    status_code     character varying(40),
    status_value    character varying(100)
);
-- (9 INSERTs of status rows removed)

-- t_entities
create table if not exists t_entities (
    entity_num              bigint      not null,
    entity_realm            bigint      not null,
    entity_shard            bigint      not null,
    fk_entity_type_id       integer     not null,
    auto_renew_period       bigint,
    key                     bytea,
    deleted                 boolean     default false,
    exp_time_ns             bigint,
    ed25519_public_key_hex  character   varying,
    submit_key              bytea,
    memo                    text,
    auto_renew_account_id   bigint,
    id                      bigint      not null,
    proxy_account_id        entity_id
);

-- t_entity_types
create table if not exists t_entity_types (
    id      integer     not null,
    name    character   varying(8)
);
-- (4 INSERTs of entity types removed)

-- t_transaction_results
create table if not exists t_transaction_results (
    proto_id    integer     not null,
    result      character   varying(100)
);
-- (the INSERTs of the transaction result codes removed)

-- t_transaction_types
create table if not exists t_transaction_types (
    proto_id    integer     not null,
    name        character   varying(30)
);
-- (the INSERTs of the transaction types removed)

-- topic_message
create table if not exists topic_message
(
    consensus_timestamp     bigint              primary key not null,
    realm_num               entity_realm_num    not null,
    topic_num               entity_num          not null,
    message                 bytea               not null,
    running_hash            bytea               not null,
    sequence_number         bigint              not null,
    running_hash_version    smallint            not null,
    chunk_num               integer,
    chunk_total             integer,
    payer_account_id        entity_id,
    valid_start_timestamp   nanos_timestamp
);

-- transaction
create table if not exists transaction (
    consensus_ns            bigint              not null,
    type                    smallint            not null,
    result                  smallint            not null,
    payer_account_id        entity_id           not null,
    valid_start_ns          bigint              not null,
    valid_duration_seconds  bigint,
    node_account_id         entity_id           not null,
    entity_id               entity_id,
    initial_balance         bigint              default 0,
    max_fee                 hbar_tinybars,
    charged_tx_fee          bigint,
    memo                    bytea,
    transaction_hash        bytea,
    transaction_bytes       bytea
);

-- 3. V2.0.1__hyper_tables.sql
-------------------
-- Create hyper tables for tables that have mostly insert logic
-- Use default of 604800000000000 ns (7 days) as chunk time interval
-------------------

-- Extend the database with TimescaleDB (done above as the superuser: it needs one)
-- create extension if not exists timescaledb cascade;

-- account_balance
select create_hypertable('account_balance', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- account_balance_file
select create_hypertable('account_balance_file', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- account_balance_sets
select create_hypertable('account_balance_sets', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- address_book skipped because foreign keys are supported with hyper tables, also we don't expect high traffic inserts

-- contract_result
select create_hypertable('contract_result', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- crypto_transfer
select create_hypertable('crypto_transfer', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- file_data
select create_hypertable('file_data', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- live_hash
select create_hypertable('live_hash', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- non_fee_transfer
select create_hypertable('non_fee_transfer', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- record_file
select create_hypertable('record_file', 'id', chunk_time_interval => 1000, if_not_exists => true);

-- t_entities
select create_hypertable('t_entities', 'id', chunk_time_interval => 1000000, if_not_exists => true);

-- t_entity_types, t_transaction_results, t_transaction_types: hyper table skipped as table rarely gets updated

-- topic_message
select create_hypertable('topic_message', 'consensus_timestamp', chunk_time_interval => 604800000000000, if_not_exists => true);

-- transaction
select create_hypertable('transaction', 'consensus_ns', chunk_time_interval => 604800000000000, if_not_exists => true);

-- 4. V2.0.2__time_scale_index_init.sql
-------------------
-- Add constraints and indexes to tables
-------------------

-- account_balance
alter table account_balance
    add constraint pk__account_balance primary key (consensus_timestamp, account_realm_num, account_num);
create index if not exists balances__account_then_timestamp
    on account_balance (account_realm_num desc, account_num desc, consensus_timestamp desc);

-- account_balance_sets
create index if not exists balance_sets__completed
    on account_balance_sets (is_complete, consensus_timestamp desc);

-- account_balance_file
create unique index if not exists account_balance_file__name
    on account_balance_file(name, consensus_timestamp desc);

-- address_book_entry
create index if not exists address_book_entry__timestamp
    on address_book_entry (consensus_timestamp);

-- contract_result
create index if not exists contract_result__consensus
    on contract_result (consensus_timestamp desc);

-- crypto_transfer
create index if not exists crypto_transfer__consensus_timestamp
    on crypto_transfer (consensus_timestamp);
create index if not exists crypto_transfer__entity_id_consensus_timestamp
    on crypto_transfer (entity_id, consensus_timestamp)
    where entity_id != 98; -- id corresponding to treasury address 0.0.98

-- file_data
create index if not exists file_data__consensus
    on file_data (consensus_timestamp desc);

-- live_hash
create index if not exists livehashes__consensus
    on live_hash (consensus_timestamp desc);

-- non_fee_transfer
create index if not exists non_fee_transfer__consensus_timestamp
    on non_fee_transfer (consensus_timestamp);

-- record_file
create unique index if not exists record_file_name ON record_file (name, id); -- have to add id due to partitioning
create unique index if not exists record_file_hash ON record_file (file_hash, id); -- have to add id due to partitioning
create index if not exists record_file__consensus_end on record_file (consensus_end);
create index if not exists record_file__prev_hash on record_file (prev_hash);

-- t_entities
-- Enforce lowercase hex representation by constraint rather than making indexes on lower(ed25519).
alter table t_entities
    add constraint c__t_entities__lower_ed25519
    check (ed25519_public_key_hex = lower(ed25519_public_key_hex));
create index if not exists entities__ed25519_public_key_hex_natural_id
    on t_entities (ed25519_public_key_hex, fk_entity_type_id, entity_shard, entity_realm, entity_num);
create unique index if not exists entities_unq on t_entities (entity_shard, entity_realm, entity_num, id); -- have to add id due to partitioning

-- topic_message
create index if not exists topic_message__realm_num_timestamp
    on topic_message (realm_num, topic_num, consensus_timestamp);
create unique index if not exists topic_message__topic_num_realm_num_seqnum
    on topic_message (realm_num, topic_num, sequence_number, consensus_timestamp); -- have to add consensus_timestamp due to partitioning

-- transaction
create index transaction__transaction_id
    on transaction (valid_start_ns, payer_account_id);
create index transaction__payer_account_id
    on transaction (payer_account_id);

-- 5. _V2.0.3__time_scale_compression.sql (restricted to this schema's hypertables, see SOURCE.md)
-------------------
-- Add compression policies to larger tables
-------------------

-- hyper tables with integer based time_column_name require a function that returns the now() value (current time) in the units of the time column
-- This is needed for policies
create or replace function unix_now() returns bigint
    language sql
    stable as
$$
select extract(epoch from now())::bigint * 1000000000
$$;

-- set integer now functions for tables
select set_integer_now_func('account_balance', 'unix_now');
select set_integer_now_func('account_balance_file', 'unix_now');
select set_integer_now_func('account_balance_sets', 'unix_now');
select set_integer_now_func('contract_result', 'unix_now');
select set_integer_now_func('crypto_transfer', 'unix_now');
select set_integer_now_func('file_data', 'unix_now');
select set_integer_now_func('live_hash', 'unix_now');
select set_integer_now_func('non_fee_transfer', 'unix_now');
select set_integer_now_func('t_entities', 'unix_now');
select set_integer_now_func('topic_message', 'unix_now');
select set_integer_now_func('transaction', 'unix_now');

-- turn compression on
-- (account_balance skipped: upstream segments it by account_id, a column this version does not have yet;
--  record_file skipped throughout: its time column is an integer, and TimescaleDB refuses unix_now(), a bigint
--  function, as its integer_now function: "invalid custom time function")

alter table account_balance_file
    set (timescaledb.compress, timescaledb.compress_segmentby = 'node_account_id');

alter table account_balance_sets
    set (timescaledb.compress);

alter table contract_result
    set (timescaledb.compress);

alter table crypto_transfer
    set (timescaledb.compress, timescaledb.compress_segmentby = 'entity_id');

alter table file_data
    set (timescaledb.compress, timescaledb.compress_segmentby = 'entity_id');

alter table live_hash
    set (timescaledb.compress);

alter table non_fee_transfer
    set (timescaledb.compress, timescaledb.compress_segmentby = 'entity_id');

alter table t_entities
    set (timescaledb.compress, timescaledb.compress_segmentby = 'fk_entity_type_id');

alter table topic_message
    set (timescaledb.compress, timescaledb.compress_segmentby = 'realm_num, topic_num');

alter table transaction
    set (timescaledb.compress, timescaledb.compress_segmentby = 'payer_account_id, type');

-- add compression policy (${compressionAge}: one week of nanoseconds here, see SOURCE.md)
select add_compression_policy('account_balance_file', bigint '604800000000000');
select add_compression_policy('account_balance_sets', bigint '604800000000000');
select add_compression_policy('contract_result', bigint '604800000000000');
select add_compression_policy('crypto_transfer', bigint '604800000000000');
select add_compression_policy('file_data', bigint '604800000000000');
select add_compression_policy('live_hash', bigint '604800000000000');
select add_compression_policy('non_fee_transfer', bigint '604800000000000');
select add_compression_policy('t_entities', bigint '604800000000000');
select add_compression_policy('topic_message', bigint '604800000000000');
select add_compression_policy('transaction', bigint '604800000000000');

RESET ROLE;
RESET search_path;
