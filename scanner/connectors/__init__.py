"""Datasource connectors: async enumeration and reading, behind one small interface (see base.py)."""
