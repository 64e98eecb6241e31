"""Benchmarks and the synthetic corpus generator they scan (:mod:`benchmarks.corpus`)."""
