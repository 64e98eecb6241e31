"""Extraction throughput per format family (extraction only, no classification), through the real worker path:
plain text streamed in-process, everything else in the extraction subprocess.

    python -m benchmarks.bench_extract [--mb 16]

Prints a table and merges its figures under the key "extract" into benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from benchmarks.report import merge_results
from scanner.config import ExtractionConfig
from scanner.extract import ContentExtractor, ExtractionReport

_LINE = "Invoice 2024-{i:06d} for ACME Corp, amount 1,234.56 EUR, contact jane.doe@example.com, ref {i}\n"


def _text(mb: int) -> bytes:
    out = io.StringIO()
    i = 0
    while out.tell() < mb << 20:
        out.write(_LINE.format(i=i))
        i += 1
    return out.getvalue().encode()


def _samples(mb: int, tmp: Path) -> dict[str, tuple[str, bytes]]:
    import docx
    import openpyxl

    sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "data" / "extract"))
    import extract_fixtures as fx

    text = _text(mb)
    lines = text.decode().splitlines()
    d = docx.Document()
    for ln in lines[: 40_000]:
        d.add_paragraph(ln)
    b = io.BytesIO()
    d.save(b)
    docx_bytes = b.getvalue()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    for i, ln in enumerate(lines[: 100_000]):
        ws.append([i, ln, 4_000_000_000_000_000 + i])
    b = io.BytesIO()
    wb.save(b)
    xlsx_bytes = b.getvalue()
    pdf = fx.make_pdf([lines[p * 50:(p + 1) * 50] for p in range(min(400, len(lines) // 50))])
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as z:
        for k in range(16):
            z.writestr(f"part{k}.txt", text[k * len(text) // 16:(k + 1) * len(text) // 16])
    return {"text": ("big.txt", text), "docx": ("doc.docx", docx_bytes), "xlsx": ("book.xlsx", xlsx_bytes),
            "pdf": ("doc.pdf", pdf), "zip": ("bundle.zip", zb.getvalue())}


async def _measure(ex: ContentExtractor, name: str, data: bytes) -> dict[str, float]:
    report = ExtractionReport()
    chars = 0
    t0 = time.perf_counter()
    async for comp in ex.extract(name, data, report):
        chars += len(comp.text)
    dt = time.perf_counter() - t0
    return {"input_mb": round(len(data) / 1048576, 2), "text_mchars": round(chars / 1e6, 2),
            "seconds": round(dt, 3), "input_mb_per_s": round(len(data) / 1048576 / dt, 2),
            "text_mchars_per_s": round(chars / 1e6 / dt, 2)}


async def main_async(mb: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as d:
        samples = _samples(mb, Path(d))
    ex = ContentExtractor(ExtractionConfig(timeout_s=600))
    out = {}
    try:
        await _measure(ex, "warm.zip", b"PK\x05\x06" + b"\x00" * 18)  # start the child outside the timings
        for family, (name, data) in samples.items():
            out[family] = await _measure(ex, name, data)
    finally:
        await ex.aclose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=int, default=16, help="size of the text the samples are made from")
    args = ap.parse_args()
    figures = asyncio.run(main_async(args.mb))
    print(f"{'family':8} {'input MB':>9} {'text Mch':>9} {'s':>8} {'MB/s':>8} {'Mch/s':>8}")
    for fam, f in figures.items():
        print(f"{fam:8} {f['input_mb']:9.2f} {f['text_mchars']:9.2f} {f['seconds']:8.3f} {f['input_mb_per_s']:8.2f} "
              f"{f['text_mchars_per_s']:8.2f}")
    merge_results("extract", figures)


if __name__ == "__main__":
    main()
