"""Turning an object's bytes into text components. This first version handles plain-text formats only."""

from scanner.extract.extractor import ContentExtractor, decode_text

__all__ = ["ContentExtractor", "decode_text"]
