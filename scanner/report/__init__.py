"""Exports and summaries of a job's results."""
