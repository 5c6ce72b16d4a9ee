"""Searching the user's own documents: folders of .md, .txt, .html and .pdf files.

The files are indexed into SQLite FTS5 (BM25 ranking) in one index file under the data dir.
The index is a cache: it is brought up to date incrementally (only files whose modification
time or size changed are read again; deleted files and folders no longer configured are
dropped) and rebuilt from scratch when its layout version changes. Each file is cut into
passages (a PDF page at most), so a hit's snippet comes from the passage that matched.

Hits point at the file with a ``file://`` URL (``Path.as_uri()``, plus ``#page=N`` for a PDF
page, the fragment PDF viewers understand). Only this provider makes such URLs; the rest of
the app recognises them with ``is_local_ref``.

Queries: every word of the query is a prefix term (``"word"*``) joined with OR, ranked by
BM25. Prefix terms matter for languages that glue particles to words (Korean ``서울은`` is
found by ``서울``), and OR lets a long planned query still match partially.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.errors import ProviderError
from core.search.base import SearchHit

PROVIDER = "local"
SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf"})
INDEX_VERSION = 1
CHUNK_SLOTS = 1_000_000
"""Passage rowid = file id * CHUNK_SLOTS + passage number, so a file's passages are one
rowid range and are deleted without scanning the whole table."""
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_QUERY_TERMS = 24
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def is_local_ref(url: str) -> bool:
    """True for the file references this provider makes (``file:///…``)."""
    return url.startswith("file:///")


def path_of(url: str) -> Path:
    """The file a local reference points at (without its ``#page=`` fragment)."""
    return Path(unquote(urlsplit(url).path))


def local_ref(path: Path, page: int | None = None) -> str:
    uri = path.as_uri()
    return f"{uri}#page={page}" if page else uri


def default_index_path() -> Path:
    from core.config import data_dir

    return data_dir() / "local-docs" / "index.sqlite3"


# --------------------------------------------------------------------------- extraction


@dataclass
class Extracted:
    title: str
    pages: list[tuple[int | None, str]]
    """(page number or None, text): one entry per PDF page, one for other files."""


class _HTMLText(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
    _BLOCK = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "article",
            "header",
            "footer",
            "pre",
            "blockquote",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.heading = ""
        self._skip = 0
        self._in_title = False
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._in_h1 = True
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._in_h1 = False
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
            return
        if self._in_h1 and not self.heading:
            self.heading = data.strip()
        self.parts.append(data)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def _first_line_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= 120 else fallback
    return fallback


def extract(path: Path) -> Extracted:
    """Title and text of one file. Raises OSError or ValueError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _extract_pdf(path)
    text = _read_text(path)
    if suffix in (".html", ".htm"):
        parser = _HTMLText()
        parser.feed(text)
        parser.close()
        body = re.sub(r"[ \t]+", " ", "".join(parser.parts))
        body = re.sub(r"\n\s*\n\s*", "\n\n", body).strip()
        title = " ".join(parser.title.split()) or parser.heading or path.stem
        return Extracted(title, [(None, body)])
    if suffix in (".md", ".markdown"):
        m = _MD_HEADING_RE.search(text)
        title = m.group(1) if m else _first_line_title(text, path.stem)
        return Extracted(title, [(None, text)])
    return Extracted(_first_line_title(text, path.stem), [(None, text)])


def _extract_pdf(path: Path) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("the PDF is encrypted")
        pages = [(n, page.extract_text() or "") for n, page in enumerate(reader.pages, 1)]
        meta_title = ""
        if reader.metadata is not None and reader.metadata.title:
            meta_title = str(reader.metadata.title).strip()
    except PdfReadError as exc:
        raise ValueError(f"unreadable PDF: {exc}") from exc
    return Extracted(meta_title or path.stem, pages)


def passages(text: str, size: int) -> list[str]:
    """``text`` cut at paragraph breaks into passages of about ``size`` characters."""
    out: list[str] = []
    current: list[str] = []
    length = 0
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        while len(para) > size:
            cut = para.rfind(" ", size // 2, size)
            cut = cut if cut > 0 else size
            if current:
                out.append("\n\n".join(current))
                current, length = [], 0
            out.append(para[:cut].strip())
            para = para[cut:].strip()
        if not para:
            continue
        if length + len(para) > size and current:
            out.append("\n\n".join(current))
            current, length = [], 0
        current.append(para)
        length += len(para) + 2
    if current:
        out.append("\n\n".join(current))
    return [p for p in out if p]


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: each distinct word as a quoted prefix term, OR-ed."""
    words = list(dict.fromkeys(w.casefold() for w in _WORD_RE.findall(text)))
    return " OR ".join(f'"{w}"*' for w in words[:MAX_QUERY_TERMS])


# --------------------------------------------------------------------------- the index


@dataclass
class IndexStats:
    files: int = 0
    indexed: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) for files that could not be read."""
    missing_folders: list[str] = field(default_factory=list)
    seconds: float = 0.0


class LocalDocsIndex:
    """The FTS5 index over ``folders``. Thread-safe; every call is blocking."""

    def __init__(
        self, db_path: Path, folders: Sequence[Path | str], *, passage_chars: int = 1200
    ) -> None:
        self.db_path = db_path
        self.folders = [Path(f).expanduser().resolve() for f in folders]
        self.passage_chars = passage_chars
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.db_path, check_same_thread=False)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != INDEX_VERSION:
                db.executescript("DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS passages;")
            db.executescript(
                f"""
                CREATE TABLE IF NOT EXISTS files (
                    id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL,
                    mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, title TEXT NOT NULL);
                CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(
                    title, body, page UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
                PRAGMA user_version = {INDEX_VERSION};
                """
            )
            self._db = db
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _walk(self, stats: IndexStats) -> dict[str, os.stat_result]:
        found: dict[str, os.stat_result] = {}
        for folder in self.folders:
            if not folder.is_dir():
                stats.missing_folders.append(str(folder))
                continue
            for root, dirs, names in os.walk(folder):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in names:
                    if name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                        continue
                    path = os.path.join(root, name)
                    try:
                        st = os.stat(path)
                    except OSError:
                        continue
                    found[path] = st
        return found

    def refresh(self) -> IndexStats:
        """Index new and changed files, drop deleted ones; returns what it did."""
        started = time.perf_counter()
        stats = IndexStats()
        with self._lock:
            db = self._connect()
            on_disk = self._walk(stats)
            known = {
                path: (fid, mtime, size)
                for fid, path, mtime, size in db.execute(
                    "SELECT id, path, mtime_ns, size FROM files"
                )
            }
            with db:
                for path, (fid, _m, _s) in known.items():
                    if path not in on_disk:
                        self._drop(db, fid)
                        stats.removed += 1
                for path, st in on_disk.items():
                    old = known.get(path)
                    if old is not None and (old[1], old[2]) == (st.st_mtime_ns, st.st_size):
                        continue
                    if old is not None:
                        self._drop(db, old[0])
                    if st.st_size > MAX_FILE_BYTES:
                        stats.skipped.append((path, "larger than 64 MB"))
                        continue
                    try:
                        doc = extract(Path(path))
                    except (OSError, ValueError) as exc:
                        stats.skipped.append((path, str(exc) or type(exc).__name__))
                        continue
                    self._add(db, path, st, doc)
                    stats.indexed += 1
            stats.files = int(db.execute("SELECT count(*) FROM files").fetchone()[0])
        stats.seconds = time.perf_counter() - started
        return stats

    @staticmethod
    def _drop(db: sqlite3.Connection, fid: int) -> None:
        db.execute(
            "DELETE FROM passages WHERE rowid >= ? AND rowid < ?",
            (fid * CHUNK_SLOTS, (fid + 1) * CHUNK_SLOTS),
        )
        db.execute("DELETE FROM files WHERE id = ?", (fid,))

    def _add(self, db: sqlite3.Connection, path: str, st: os.stat_result, doc: Extracted) -> None:
        cur = db.execute(
            "INSERT INTO files (path, mtime_ns, size, title) VALUES (?, ?, ?, ?)",
            (path, st.st_mtime_ns, st.st_size, doc.title),
        )
        fid = int(cur.lastrowid or 0)
        rows: list[tuple[int, str, str, int | None]] = []
        for page, text in doc.pages:
            for part in passages(text, self.passage_chars):
                if len(rows) >= CHUNK_SLOTS - 1:
                    break
                rows.append((fid * CHUNK_SLOTS + len(rows), doc.title, part, page))
        db.executemany("INSERT INTO passages (rowid, title, body, page) VALUES (?, ?, ?, ?)", rows)

    def query(self, text: str, limit: int) -> list[SearchHit]:
        """The best passage of each of the ``limit`` best-ranked files."""
        match = fts_query(text)
        if not match:
            return []
        with self._lock:
            db = self._connect()
            rows = db.execute(
                "SELECT passages.rowid, page, bm25(passages, 3.0, 1.0) AS rank, "
                "snippet(passages, 1, '', '', '…', 40), files.path, files.title "
                "FROM passages JOIN files ON files.id = passages.rowid / ? "
                "WHERE passages MATCH ? ORDER BY rank LIMIT ?",
                (CHUNK_SLOTS, match, max(1, limit) * 8),
            ).fetchall()
        hits: list[SearchHit] = []
        seen: set[str] = set()
        for _rowid, page, rank, snip, path, title in rows:
            if path in seen:
                continue
            seen.add(path)
            hits.append(
                SearchHit(
                    title=title,
                    url=local_ref(Path(path), page),
                    content=" ".join(snip.split()),
                    score=-float(rank),
                    provider=PROVIDER,
                )
            )
            if len(hits) >= limit:
                break
        return hits


class LocalDocsSearch:
    """``SearchProvider`` over the user's folders. The index is refreshed on the first
    search and then at most every ``refresh_interval_s`` (a stat walk, cheap when nothing
    changed), so documents edited during a long research are still found."""

    name = "local"

    def __init__(
        self,
        folders: Iterable[Path | str],
        *,
        index_path: Path | None = None,
        refresh_interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        folder_list = [Path(f) for f in folders]
        if not folder_list:
            raise ProviderError(
                "No document folders for local search. Add one with --docs PATH or "
                "[local] folders in the config.",
                provider=PROVIDER,
            )
        self.index = LocalDocsIndex(index_path or default_index_path(), folder_list)
        self.refresh_interval_s = refresh_interval_s
        self._clock = clock
        self._refreshed_at: float | None = None
        self.last_stats: IndexStats | None = None

    def _refresh_if_due(self) -> None:
        now = self._clock()
        if self._refreshed_at is not None and now - self._refreshed_at < self.refresh_interval_s:
            return
        stats = self.index.refresh()
        self._refreshed_at = now
        self.last_stats = stats
        if len(stats.missing_folders) == len(self.index.folders):
            raise ProviderError(
                "None of the document folders exists: " + ", ".join(stats.missing_folders),
                provider=PROVIDER,
            )

    def _search_sync(self, query: str, max_results: int) -> list[SearchHit]:
        self._refresh_if_due()
        return self.index.query(query, max_results)

    async def search(
        self, query: str, *, max_results: int, filters: object | None = None
    ) -> list[SearchHit]:
        """``filters`` is accepted and ignored: local documents have no domain and no
        publication date, so the search filters leave them alone (``core.search.filters``)."""
        return await asyncio.to_thread(self._search_sync, query, max(1, int(max_results)))

    async def refresh(self) -> IndexStats:
        """Bring the index up to date now (``doctor``, a "reindex" action)."""
        self._refreshed_at = None
        await asyncio.to_thread(self._refresh_if_due)
        return self.last_stats or IndexStats()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.index.close)
