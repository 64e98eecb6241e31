"""Include/exclude globs over '/'-separated relative paths: ``*`` stays in one segment, ``**/`` spans folders."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Translate one glob to a regex anchored on the whole relative path."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


class PathFilter:
    """Decides which files are wanted and which folders need not be walked at all."""

    def __init__(self, include: list[str], exclude: list[str]):
        self._include = [compile_glob(p.lstrip("/")) for p in include] or [compile_glob("**/*")]
        self._exclude = [compile_glob(p.lstrip("/")) for p in exclude]
        # A folder is pruned when it matches an exclude, or matches the part before a trailing "/**".
        self._prune = self._exclude + [compile_glob(p.lstrip("/")[:-3]) for p in exclude if p.endswith("/**")]

    def wants_file(self, rel: str) -> bool:
        return any(p.match(rel) for p in self._include) and not any(p.match(rel) for p in self._exclude)

    def prunes_dir(self, rel: str) -> bool:
        return any(p.match(rel) for p in self._prune)
