"""Orchestrator, workers and the scan entry point."""
