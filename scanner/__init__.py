"""datascan: find sensitive data in file shares, SQL databases and local folders without copying it."""

__version__ = "0.1.0"
