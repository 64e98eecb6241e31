"""Turning an object's bytes into text components: format detection, one module per format family, limits.

Modules: ``extractor`` (the worker-side entry point), ``sandbox`` (the killable extraction subprocess), ``core``
(format dispatch and recursion), ``text`` (encodings, streaming, overlap), ``office`` (DOCX/XLSX/PPTX/ODF),
``ole`` (XLS, MSG dispatch, RTF), ``mail`` (EML, MSG), ``pdf``, ``archives`` (ZIP/TAR/GZ/BZ2/XZ/7z/RAR),
``limits`` (per-object budgets), ``detect`` (magic bytes).
"""

from scanner.extract.extractor import ContentExtractor, ExtractionReport
from scanner.extract.text import decode_text

__all__ = ["ContentExtractor", "ExtractionReport", "decode_text"]
