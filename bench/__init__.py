"""Vigil's benchmarks: ``python -m bench`` runs them all, ``python -m bench NAME`` one.

They measure and print; they are not tests and exit 0 whatever the figures are.
"""
