# schemagen: the main job is `make sql`; the whole test suite (servers included) is `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
EXAMPLES := $(sort $(dir $(wildcard examples/*/model.yaml)))

.PHONY: all install sql sql-check docs docs-check mermaid examples testdb testdb-stop lint test test-fast bench bench-cli bench-fleet bench-plan bench-migra hypothesis clean

all: sql

# A venv in the repo with schemagen installed editable, re-made when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Publish the model's JSON Schema at schema/model.schema.json (what editors read: model.yaml's first line), render
# the root model into out/ (no database needed), and every example model into its own out/.
sql: $(STAMP)
	$(BIN)/schemagen schema > schema/model.schema.json
	$(BIN)/schemagen render -m model.yaml -o out
	@for d in $(EXAMPLES); do $(BIN)/schemagen render -m $${d}model.yaml -o $${d}out || exit 1; done

# The PR check: fail when a committed out/ (or a committed docs page, or schema/model.schema.json) is stale.
sql-check: $(STAMP) docs-check
	$(BIN)/schemagen schema | cmp -s - schema/model.schema.json || \
		{ echo "schema/model.schema.json is stale: run make sql" >&2; exit 1; }
	$(BIN)/schemagen render -m model.yaml -o out --check
	@for d in $(EXAMPLES); do $(BIN)/schemagen render -m $${d}model.yaml -o $${d}out --check || exit 1; done

# A Markdown page per database (with Mermaid diagrams): docs/schema/ for the root model, docs/ of each example.
docs: $(STAMP)
	$(BIN)/schemagen docs -m model.yaml -o docs/schema
	@for d in $(EXAMPLES); do $(BIN)/schemagen docs -m $${d}model.yaml -o $${d}docs || exit 1; done

docs-check: $(STAMP)
	$(BIN)/schemagen docs -m model.yaml -o docs/schema --check
	@for d in $(EXAMPLES); do $(BIN)/schemagen docs -m $${d}model.yaml -o $${d}docs --check || exit 1; done

# Mermaid and Debian's chromium, which tests/test_docs.py renders every committed diagram with.
mermaid:
	scripts/mermaid.sh install

# Install (first time) and start the three test servers; quick when they already run.
testdb:
	scripts/testdb.sh start

testdb-stop:
	scripts/testdb.sh stop

# ruff (pyproject.toml's [tool.ruff]) and the import contracts of [tool.importlinter] (who may import whom).
lint: $(STAMP)
	$(BIN)/ruff check --no-cache generator tests bench scripts
	$(BIN)/lint-imports

# Everything: install, check the import contracts, start the servers and install mermaid, run the whole suite.
# Two processes (pytest-xdist): a test mostly waits on a server, so two keep both cores busy. PGlite tests take
# turns under tests/servers.pglite_lock; tests/conftest.py keeps the files that share cluster-wide roles together.
# TEST_JOBS=0 runs the suite in one process.
TEST_JOBS ?= 2
test: $(STAMP) lint testdb mermaid
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) --dist loadgroup

# Property-based round trips with many more examples than CI runs.
hypothesis: $(STAMP) testdb
	SCHEMAGEN_HYPOTHESIS_EXAMPLES=200 $(BIN)/python -m pytest -q tests/test_properties.py

bench: $(STAMP) testdb
	$(BIN)/python bench/bench.py

# The command line's start-up against pg_dump, and diff --targets of 20 databases (bench/README.md).
bench-cli: $(STAMP) testdb
	$(BIN)/python bench/cli.py

bench-fleet: $(STAMP) testdb
	$(BIN)/python bench/fleet.py

# plan --dsn and apply --plan of one org-template change at 10 to 1,000 orgs; migra against schemagen plan on the
# plan corpus (migra from the bench extra).
bench-plan: $(STAMP) testdb
	$(BIN)/python bench/plan_bench.py

bench-migra: $(STAMP) testdb
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python bench/migra_bench.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
