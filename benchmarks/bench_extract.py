"""Extraction throughput per format family (extraction only, no classification): the old pure-Python path
beside the new one (PDFium, calamine, lxml/XSLT), and the new one through the real worker path.

    python -m benchmarks.bench_extract [--mb 16]

For each family and path (``old``: ``Ctx(fast=False)``, the code the compiled parsers fall back to; ``new``),
a fresh process extracts the sample twice (the first run warms imports and caches, as the long-lived extraction
process is warm) and reports the CPU seconds of the second run and its peak RSS. The ``worker`` columns run the
new path as a worker does (plain text streamed in-process, everything else in the extraction subprocess): wall
seconds, CPU seconds and peak RSS of the process that extracted (the sandbox child where it runs there). Speeds
are input MB per CPU second (the machine is shared). Prints a table and merges its figures under the key
"extract" into benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.report import merge_results

_LINE = "Invoice 2024-{i:06d} for ACME Corp, amount 1,234.56 EUR, contact jane.doe@example.com, ref {i}\n"
FAMILIES = ("text", "csv", "docx", "xlsx", "pdf", "pptx", "odt", "zip")


def _text(mb: int) -> bytes:
    out = io.StringIO()
    i = 0
    while out.tell() < mb << 20:
        out.write(_LINE.format(i=i))
        i += 1
    return out.getvalue().encode()


def _csv(lines: list[str]) -> bytes:
    out = io.StringIO()
    out.write("id,name,email,city,amount,note\n")
    for i, ln in enumerate(lines):
        out.write(f'{i},Customer {i},c{i}@example.com,"Berlin, DE",{i % 997}.50,{ln[:40]}\n')
    return out.getvalue().encode()


def _pptx(lines: list[str]) -> bytes:
    import pptx
    from pptx.util import Inches

    prs = pptx.Presentation()
    layout = prs.slide_layouts[6]
    for s in range(400):
        slide = prs.slides.add_slide(layout)
        tf = slide.shapes.add_textbox(Inches(0.5), Inches(0.5), Inches(9), Inches(6)).text_frame
        tf.text = lines[s * 50]
        for ln in lines[s * 50 + 1:(s + 1) * 50]:
            tf.add_paragraph().text = ln
        slide.notes_slide.notes_text_frame.text = "speaker note " + lines[s]
    b = io.BytesIO()
    prs.save(b)
    return b.getvalue()


def _odt(lines: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    for ln in lines:
        doc.text.addElement(P(text=ln))
    b = io.BytesIO()
    doc.write(b)
    return b.getvalue()


def _samples(mb: int) -> dict[str, tuple[str, bytes]]:
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
    return {"text": ("big.txt", text), "csv": ("customers.csv", _csv(lines[: 100_000])),
            "docx": ("doc.docx", docx_bytes), "xlsx": ("book.xlsx", xlsx_bytes), "pdf": ("doc.pdf", pdf),
            "pptx": ("deck.pptx", _pptx(lines)), "odt": ("doc.odt", _odt(lines[: 40_000])),
            "zip": ("bundle.zip", zb.getvalue())}


def _peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM (peak resident set) of a process, in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _child(path: str, fast: bool) -> None:
    """In a fresh process: extract the file twice in-process, print the second run's figures as JSON."""
    from scanner.config import ExtractionConfig
    from scanner.extract.core import Ctx, extract_bytes
    from scanner.extract.limits import Budget

    data = Path(path).read_bytes()
    name = Path(path).name
    out: dict[str, Any] = {}
    for _ in range(2):
        budget = Budget(ExtractionConfig(max_text_chars=1 << 30))
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        chars = comps = 0
        for comp in extract_bytes(data, Ctx(budget, name, fast=fast)):
            chars += len(comp.text)
            comps += 1
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        out = {"cpu_s": r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, "chars": chars,
               "components": comps}
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


def _in_fresh_process(path: Path, fast: bool) -> dict[str, Any]:
    r = subprocess.run([sys.executable, "-m", "benchmarks.bench_extract", "--child", str(path),
                        "new" if fast else "old"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


async def _worker_path(path: Path, data: bytes) -> dict[str, Any]:
    """The new path as a worker runs it; CPU and peak RSS of the process that extracted."""
    import psutil

    from scanner.config import ExtractionConfig
    from scanner.extract import ContentExtractor, ExtractionReport

    ex = ContentExtractor(ExtractionConfig(timeout_s=600, max_text_chars=1 << 30))
    try:
        async for _ in ex.extract("warm.zip", b"PK\x05\x06" + b"\x00" * 18, ExtractionReport()):
            pass  # start the extraction subprocess outside the timings
        me = psutil.Process()
        child = next(p for p in me.children() if "scanner.extract.sandbox" in " ".join(p.cmdline()))
        for _ in range(2):  # the second run is timed (warm), as in the fresh-process columns
            proc = me if path.suffix in (".txt", ".csv") else child
            c0 = sum(proc.cpu_times()[:2])
            t0 = time.perf_counter()
            chars = 0
            async for comp in ex.extract(path.name, data, ExtractionReport()):
                chars += len(comp.text)
            wall = time.perf_counter() - t0
            cpu = sum(proc.cpu_times()[:2]) - c0
        return {"wall_s": wall, "cpu_s": cpu, "chars": chars, "peak_rss_mb": _peak_rss_mb(proc.pid)}
    finally:
        await ex.aclose()


def run(mb: int) -> dict[str, dict[str, Any]]:
    """Every family through the three paths; figures per family."""
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as d:
        for family, (name, data) in _samples(mb).items():
            path = Path(d) / name
            path.write_bytes(data)
            mbytes = len(data) / 1048576
            old = _in_fresh_process(path, fast=False)
            new = _in_fresh_process(path, fast=True)
            worker = asyncio.run(_worker_path(path, data))
            out[family] = {
                "input_mb": round(mbytes, 2), "text_mchars": round(new["chars"] / 1e6, 2),
                "old_cpu_s": round(old["cpu_s"], 3), "old_mb_per_s": round(mbytes / max(old["cpu_s"], 1e-6), 2),
                "old_peak_rss_mb": old["peak_rss_mb"],
                "new_cpu_s": round(new["cpu_s"], 3), "new_mb_per_s": round(mbytes / max(new["cpu_s"], 1e-6), 2),
                "new_peak_rss_mb": new["peak_rss_mb"],
                "speedup": round(old["cpu_s"] / max(new["cpu_s"], 1e-6), 2),
                "worker_wall_s": round(worker["wall_s"], 3), "worker_cpu_s": round(worker["cpu_s"], 3),
                "worker_mb_per_s": round(mbytes / max(worker["cpu_s"], 1e-6), 2),
                "worker_peak_rss_mb": worker["peak_rss_mb"],
                "same_chars": old["chars"] == new["chars"],
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=int, default=16, help="size of the text the samples are made from")
    ap.add_argument("--child", nargs=2, metavar=("PATH", "old|new"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], args.child[1] == "new")
        return
    figures = run(args.mb)
    print("CPU seconds of the extracting process; MB/s = input MB per CPU second; RSS = its peak (MB)")
    print(f"{'family':7} {'in MB':>6} {'Mchars':>6} | {'old s':>7} {'MB/s':>7} {'RSS':>6} | {'new s':>7} "
          f"{'MB/s':>7} {'RSS':>6} | {'x':>5} | {'worker wall':>11} {'cpu s':>7} {'MB/s':>7} {'RSS':>6}")
    for fam, f in figures.items():
        print(f"{fam:7} {f['input_mb']:6.2f} {f['text_mchars']:6.2f} | {f['old_cpu_s']:7.3f} {f['old_mb_per_s']:7.2f} "
              f"{f['old_peak_rss_mb']:6.0f} | {f['new_cpu_s']:7.3f} {f['new_mb_per_s']:7.2f} "
              f"{f['new_peak_rss_mb']:6.0f} | {f['speedup']:5.1f} | {f['worker_wall_s']:11.3f} "
              f"{f['worker_cpu_s']:7.3f} {f['worker_mb_per_s']:7.2f} {f['worker_peak_rss_mb']:6.0f}")
    merge_results("extract", figures)


if __name__ == "__main__":
    main()
