"""schemagen: declarative schema-as-code for PostgreSQL and TimescaleDB.

Pipeline, one module per stage: load -> model -> render -> apply / inspect -> diff; cli is the thin front.
"""
from __future__ import annotations

__version__ = "0.1.0"
