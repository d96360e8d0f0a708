"""Backfill: load history into the store from files and from another Prometheus.

Importers write through the same batch rows as scrapes, so imported samples are
queried, compacted and retained like any other. They never print; the CLI owns
progress display and summaries (see ``summary``).
"""
