"""The account roles, lowest first; the console maps them onto its ordered ``Role``.

A module of its own so the command line can name them without loading the store.
"""

ROLES = ("viewer", "editor", "admin")
