-- hedera_v1: the Hedera mirror node's first PostgreSQL schema (before TimescaleDB): transactions, transfer lists,
-- entities, record files, account balances; standalone sequences feeding nextval() defaults, and grants to an
-- importer user and a read-only REST API user.
-- Source:  https://github.com/hashgraph/hedera-mirror-node (Apache-2.0)
--          hedera-mirror-importer/src/main/resources/db/migration/V1.0__Init.sql
--          @ 494d08af3b295dbf22ba2d41e88cd2b0adf4829d
-- Changes (see SOURCE.md): the INSERTs of reference data removed; the Flyway placeholders ${api-user},
-- ${db-user}, ${db-name} filled in (mirror_api, mirror_node, the current database); no password; the users are
-- created only when missing (mirror_node, the importer's own user, came from the install script upstream).

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_node') THEN
    CREATE ROLE mirror_node LOGIN;  -- upstream: created by the install script, not by this migration
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_api') THEN
    CREATE USER mirror_api WITH
      LOGIN
      NOCREATEDB
      NOCREATEROLE
      NOINHERIT
      NOREPLICATION
      CONNECTION LIMIT -1;
  END IF;
END
$$;

CREATE SEQUENCE s_transaction_types_seq;
CREATE SEQUENCE s_record_files_seq;
CREATE SEQUENCE s_transactions_seq;
CREATE SEQUENCE s_entities_seq;
CREATE SEQUENCE s_transaction_results_seq;
CREATE SEQUENCE s_account_balances_seq;
CREATE SEQUENCE s_events_id_seq;

CREATE TABLE t_transaction_types (
	id			  INTEGER PRIMARY KEY NOT NULL DEFAULT nextval('s_transaction_types_seq')
	,proto_id INTEGER
	,name  VARCHAR(30)
);
-- (17 INSERTs of transaction types removed)

CREATE TABLE t_transaction_results (
	id                   INTEGER PRIMARY KEY NOT NULL DEFAULT nextval('s_transaction_results_seq')
	,proto_id            INTEGER
	,result              VARCHAR(100)
);
-- (90 INSERTs of transaction result codes removed)

CREATE TABLE t_record_files (
  id                   BIGINT PRIMARY KEY NOT NULL DEFAULT nextval('s_record_files_seq')
  ,name                VARCHAR(250) NOT NULL
	,load_start          BIGINT
	,load_end            BIGINT
	,file_hash           VARCHAR(96)
	,prev_hash           VARCHAR(96)
);

CREATE TABLE t_entity_types (
	id                  INT PRIMARY KEY NOT NULL
	,name               VARCHAR(8)
);
-- (3 INSERTs of entity types removed)

CREATE TABLE t_entities (
  id                  BIGINT PRIMARY KEY NOT NULL DEFAULT nextval('s_entities_seq')
  ,entity_num         BIGINT NOT NULL
	,entity_realm 		  BIGINT NOT NULL
	,entity_shard       BIGINT NOT NULL
  ,fk_entity_type_id  INT NOT NULL
	,exp_time_seconds	  BIGINT
	,exp_time_nanos	    BIGINT
	,auto_renew_period  BIGINT
	,admin_key          BYTEA
	,key                BYTEA
	,fk_prox_acc_id     BIGINT
	,deleted            BOOLEAN DEFAULT false
	,balance            BIGINT
);

CREATE TABLE t_account_balance_refresh_time (
  seconds             BIGINT NOT NULL
  ,nanos              BIGINT NOT NULL
);
-- (1 INSERT of the initial refresh time removed)

CREATE TABLE t_account_balances (
	id			             BIGINT PRIMARY KEY NOT NULL DEFAULT nextval('s_account_balances_seq')
	,shard               BIGINT NOT NULL
	,realm               BIGINT NOT NULL
	,num                 BIGINT NOT NULL
  ,balance             BIGINT NOT NULL
);

CREATE TABLE t_account_balance_history (
  snapshot_time        TIMESTAMP NOT NULL
	,seconds             BIGINT NOT NULL
  ,nanos               BIGINT NOT NULL
  ,balance             BIGINT NOT NULL
  ,fk_balance_id       BIGINT NOT NULL
);

CREATE TABLE t_transactions (
  id                   BIGINT PRIMARY KEY NOT NULL DEFAULT nextval('s_transactions_seq')
  ,fk_node_acc_id      BIGINT NOT NULL
  ,memo		             BYTEA
  ,vs_seconds          BIGINT NOT NULL
  ,vs_nanos            INT
  ,fk_trans_type_id    INT
  ,fk_result_id        INT
  ,consensus_seconds   BIGINT NULL
  ,consensus_nanos     BIGINT NULL
  ,fk_payer_acc_id     BIGINT NOT NULL
  ,charged_tx_fee      BIGINT
  ,initial_balance     BIGINT DEFAULT 0
  ,fk_cud_entity_id    BIGINT
	,fk_rec_file_id      BIGINT NOT NULL
);

CREATE TABLE t_cryptotransferlists (
  fk_trans_id          BIGINT NOT NULL
  ,account_id          BIGINT NOT NULL
  ,amount              BIGINT NOT NULL
);

CREATE TABLE t_file_data (
	fk_trans_id          BIGINT NOT NULL
	,file_data           BYTEA
);

CREATE TABLE t_contract_result (
	fk_trans_id          BIGINT NOT NULL
  ,function_params     BYTEA
	,gas_supplied				 BIGINT
	,call_result         BYTEA
	,gas_used            BIGINT
);

CREATE TABLE t_livehashes (
	fk_trans_id          BIGINT NOT NULL
	,livehash          BYTEA
);

CREATE TABLE t_events
(
    id                       BIGINT  NOT NULL DEFAULT nextval('s_events_id_seq')
    ,consensus_order         BIGINT  NOT NULL
    ,creator_node_id         BIGINT  NOT NULL
    ,creator_seq             BIGINT  NOT NULL
    ,other_node_id           BIGINT
    ,other_seq               BIGINT
    ,signature               BYTEA   NOT NULL
    ,hash                    BYTEA   NOT NULL
    ,self_parent_id          BIGINT
    ,other_parent_id         BIGINT
    ,self_parent_hash        BYTEA
    ,other_parent_hash       BYTEA
    ,self_parent_generation  BIGINT
    ,other_parent_generation BIGINT
    ,generation              BIGINT  NOT NULL
    ,created_timestamp_ns    BIGINT  NOT NULL
    ,consensus_timestamp_ns  BIGINT  NOT NULL
    ,latency_ns              BIGINT  NOT NULL
    ,txs_bytes_count         INTEGER NOT NULL
    ,platform_tx_count       INTEGER NOT NULL
    ,app_tx_count            INTEGER NOT NULL
);

-- CONSTRAINTS
-- t_entities
ALTER TABLE t_entities ADD CONSTRAINT fk_ent_type_id FOREIGN KEY (fk_entity_type_id) REFERENCES t_entity_types (id) ON DELETE CASCADE ON UPDATE CASCADE;

--t_account_balance_history
ALTER TABLE t_account_balance_history ADD CONSTRAINT fk_acc_bal_id FOREIGN KEY (fk_balance_id) REFERENCES t_account_balances (id) ON DELETE CASCADE ON UPDATE CASCADE;

-- t_transactions
ALTER TABLE t_transactions ADD CONSTRAINT fk_trans_type_id FOREIGN KEY (fk_trans_type_id) REFERENCES t_transaction_types (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE t_transactions ADD CONSTRAINT fk_node_account_id FOREIGN KEY (fk_node_acc_id) REFERENCES t_entities (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE t_transactions ADD CONSTRAINT fk_payer_account_id FOREIGN KEY (fk_payer_acc_id) REFERENCES t_entities (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE t_transactions ADD CONSTRAINT fk_cud_entity_id FOREIGN KEY (fk_cud_entity_id) REFERENCES t_entities (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE t_transactions ADD CONSTRAINT fk_result_id FOREIGN KEY (fk_result_id) REFERENCES t_transaction_results (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE t_transactions ADD CONSTRAINT fk_rec_file_id FOREIGN KEY (fk_rec_file_id) REFERENCES t_record_files (id) ON DELETE CASCADE ON UPDATE CASCADE;

-- t_cryptotransferlists
ALTER TABLE t_cryptotransferlists ADD CONSTRAINT fk_ctl_tx_id FOREIGN KEY (fk_trans_id) REFERENCES t_transactions (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE t_cryptotransferlists ADD CONSTRAINT fk_ctl_account_id FOREIGN KEY (account_id) REFERENCES t_entities (id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE t_cryptotransferlists ADD CONSTRAINT fk_ctl_acc_id FOREIGN KEY (account_id) REFERENCES t_entities (id) ON DELETE CASCADE ON UPDATE CASCADE;

-- t_file_data
ALTER TABLE t_file_data ADD CONSTRAINT fk_fd_tx_id FOREIGN KEY (fk_trans_id) REFERENCES t_transactions (id) ON DELETE CASCADE ON UPDATE CASCADE;

-- t_contract_result
ALTER TABLE t_contract_result ADD CONSTRAINT fk_cr_tx_id FOREIGN KEY (fk_trans_id) REFERENCES t_transactions (id) ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE t_livehashes ADD CONSTRAINT fk_cd_tx_id FOREIGN KEY (fk_trans_id) REFERENCES t_transactions (id) ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE t_events ADD CONSTRAINT pk_events_id PRIMARY KEY (id);
ALTER TABLE t_events ADD CONSTRAINT fk_events_self_parent_id FOREIGN KEY (self_parent_id) REFERENCES t_events (id);
ALTER TABLE t_events ADD CONSTRAINT fk_events_other_parent_id FOREIGN KEY (other_parent_id) REFERENCES t_events (id);

-- INDICES
-- t_transactions
CREATE INDEX idx_t_transactions_id ON t_transactions (id);
CREATE INDEX idx_t_transactions_seconds ON t_transactions (vs_seconds);
CREATE UNIQUE INDEX idx_t_transactions_transaction_id_unq ON t_transactions (vs_seconds, vs_nanos, fk_payer_acc_id);
CREATE INDEX idx_t_transactions_payer_id ON t_transactions (fk_payer_acc_id);
CREATE INDEX idx_t_transactions_node_account ON t_transactions (fk_node_acc_id);
CREATE INDEX idx_t_transactions_crud_entity ON t_transactions (fk_cud_entity_id);
CREATE INDEX idx_t_transactions_rec_file ON t_transactions (fk_rec_file_id);

-- t_cryptotransferlists
CREATE INDEX idx_cryptotransferslist_tx_id ON t_cryptotransferlists (fk_trans_id);
CREATE INDEX idx_cryptotransferlist_account ON t_cryptotransferlists (account_id);
CREATE INDEX idx_t_cryptotransferlist_amount ON t_cryptotransferlists (amount);
CREATE INDEX idx_t_cryptotransferlist_tx_id_account ON t_cryptotransferlists (fk_trans_id, account_id);

-- t_record_files
CREATE UNIQUE INDEX idx_t_record_files_name ON t_record_files (name);
CREATE UNIQUE INDEX idx_file_data_hash_unq ON t_record_files (file_hash);
CREATE INDEX idx_file_data_prev_hash_unq ON t_record_files (prev_hash);

--t_account_balance_history
CREATE UNIQUE INDEX t_acc_bal_hist_unique ON t_account_balance_history (seconds, fk_balance_id);
CREATE UNIQUE INDEX t_acc_bal_hist_unique2 ON t_account_balance_history (snapshot_time, seconds, fk_balance_id);
CREATE INDEX t_acc_bal_hist_sec ON t_account_balance_history (seconds);

--t_account_balances
CREATE UNIQUE INDEX idx_t_account_bal_unq ON t_account_balances (shard, realm, num);
CREATE INDEX idx_t_account_bal_id_num ON t_account_balances (id, num);
CREATE UNIQUE INDEX idx_t_account_bal_unq2 ON t_account_balances (id, shard, realm, num);

--t_entities
CREATE UNIQUE INDEX idx_t_entities_unq ON t_entities (entity_shard, entity_realm, entity_num, fk_entity_type_id);
CREATE INDEX idx_t_entities_id_num ON t_entities (id, entity_num);
CREATE INDEX idx_t_entities_id_num_id ON t_entities (id, entity_num, fk_entity_type_id);
CREATE INDEX idx_t_entities_id ON t_entities (id);

--t_transaction_types
CREATE INDEX idx_t_trans_type_id ON t_transaction_types (id);
CREATE UNIQUE INDEX idx_t_trans_type_unq ON t_transaction_types (proto_id, name);

-- t_file_data
CREATE INDEX idx_file_data_tx_id ON t_file_data (fk_trans_id);

-- t_contract_result
CREATE INDEX idx_contract_result_tx_id ON t_contract_result (fk_trans_id);

CREATE INDEX idx_livehash_tx_id ON t_livehashes (fk_trans_id);

--t_transaction_results
CREATE INDEX idx_t_trans_result_id ON t_transaction_results (id);
CREATE UNIQUE INDEX idx_t_trans_result_unq ON t_transaction_results (proto_id, result);

CREATE OR REPLACE VIEW v_entities AS
SELECT e.id, e.entity_num, et.name AS type
FROM t_entities e
, t_entity_types et
WHERE e.fk_entity_type_id = et.id;

GRANT USAGE ON SCHEMA public TO mirror_node;
GRANT CONNECT ON DATABASE :"DBNAME" TO mirror_node;
GRANT ALL PRIVILEGES ON DATABASE :"DBNAME" TO mirror_node;
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO mirror_node;
GRANT ALL ON t_record_files TO mirror_node;
GRANT ALL ON t_transactions TO mirror_node;
GRANT ALL ON t_cryptotransferlists TO mirror_node;
GRANT ALL ON t_transaction_types TO mirror_node;
GRANT ALL ON t_entities TO mirror_node;
GRANT ALL ON t_account_balance_history TO mirror_node;
GRANT ALL ON t_account_balances TO mirror_node;
GRANT ALL ON t_account_balance_refresh_time to mirror_node;
GRANT ALL ON t_file_data TO mirror_node;
GRANT ALL ON t_contract_result TO mirror_node;
GRANT ALL ON t_livehashes TO mirror_node;
GRANT ALL ON t_transaction_results TO mirror_node;
GRANT ALL ON t_entity_types TO mirror_node;
GRANT ALL ON t_events TO mirror_node;

GRANT ALL ON s_transaction_types_seq TO mirror_node;
GRANT ALL ON s_record_files_seq TO mirror_node;
GRANT ALL ON s_transactions_seq TO mirror_node;
GRANT ALL ON s_entities_seq TO mirror_node;
GRANT ALL ON s_transaction_results_seq TO mirror_node;
GRANT ALL ON s_account_balances_seq TO mirror_node;
GRANT ALL ON s_events_id_seq TO mirror_node;

GRANT ALL ON v_entities to mirror_node;

GRANT SELECT ON t_record_files TO mirror_api;
GRANT SELECT ON t_transactions TO mirror_api;
GRANT SELECT ON t_cryptotransferlists TO mirror_api;
GRANT SELECT ON t_transaction_types TO mirror_api;
GRANT SELECT ON t_entities TO mirror_api;
GRANT SELECT ON t_account_balance_refresh_time to mirror_api;
GRANT SELECT ON t_account_balance_history TO mirror_api;
GRANT SELECT ON t_account_balances TO mirror_api;
GRANT SELECT ON t_file_data TO mirror_api;
GRANT SELECT ON t_contract_result TO mirror_api;
GRANT SELECT ON t_livehashes TO mirror_api;
GRANT SELECT ON t_transaction_results TO mirror_api;
GRANT SELECT ON t_entity_types TO mirror_api;
GRANT SELECT ON t_events TO mirror_api;

GRANT SELECT ON v_entities TO mirror_api;
