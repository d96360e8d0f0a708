"""Bottleneck analysis: which service holds the fleet back, and the evidence.

The core is pure: it asks an injected range-query function for PromQL results
and returns plain dataclasses, so the same code runs over Vigil's store, a
remote Prometheus datasource or an in-memory querier in tests.
"""
