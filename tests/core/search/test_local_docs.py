"""Local documents: real files (Markdown, text, HTML and a PDF the test writes) in FTS5."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import ProviderError
from core.search.base import SearchProvider
from core.search.local_docs import (
    LocalDocsIndex,
    LocalDocsSearch,
    default_index_path,
    fts_query,
    is_local_ref,
    passages,
    path_of,
)


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(path: Path, pages: list[str], title: str = "") -> None:
    """A minimal valid PDF, one line of Helvetica text per page, built by hand."""
    objects: list[bytes] = []
    n_pages = len(pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({_pdf_string(text)}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    info_id = None
    if title:
        objects.append(f"<< /Title ({_pdf_string(title)}) >>".encode())
        info_id = len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    info = f" /Info {info_id} 0 R" if info_id else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    (folder / "notes").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "tea.md").write_text(
        "# Green tea\n\nGreen tea is made from unoxidised leaves of Camellia sinensis.\n\n"
        "Matcha is powdered green tea.\n",
        encoding="utf-8",
    )
    (folder / "notes" / "seoul.txt").write_text(
        "서울 메모\n\n서울은 한국의 수도이다. 한강이 도시를 가로지른다.\n", encoding="utf-8"
    )
    (folder / "page.html").write_text(
        "<html><head><title>Oolong  guide</title><script>var hidden = 'zebrafish';</script>"
        "</head><body><h1>Oolong</h1><p>Oolong tea is partly oxidised.</p></body></html>",
        encoding="utf-8",
    )
    write_pdf(
        folder / "report.pdf",
        ["Chapter one covers ceremony.", "Chapter two covers pu-erh fermentation."],
        title="Tea report",
    )
    (folder / ".hidden" / "secret.md").write_text("# Hidden\n\nzebrafish everywhere\n")
    (folder / "image.png").write_bytes(b"\x89PNG zebrafish")
    return folder


def search(folders: list[Path], tmp_path: Path, **kwargs: object) -> LocalDocsSearch:
    return LocalDocsSearch(folders, index_path=tmp_path / "index.sqlite3", **kwargs)  # type: ignore[arg-type]


async def test_finds_markdown_text_html_and_pdf(docs: Path, tmp_path: Path) -> None:
    local = search([docs], tmp_path)
    assert isinstance(local, SearchProvider)
    try:
        md = await local.search("matcha powdered", max_results=3)
        html = await local.search("oxidised oolong", max_results=1)
        pdf = await local.search("ceremony", max_results=3)
    finally:
        await local.aclose()
    assert md[0].title == "Green tea" and "Matcha is powdered" in md[0].content
    assert path_of(md[0].url) == (docs / "tea.md").resolve()
    assert html[0].title == "Oolong guide" and "partly oxidised" in html[0].content
    assert pdf[0].title == "Tea report" and pdf[0].url.endswith("report.pdf#page=1")
    for hit in (*md, *html, *pdf):
        assert hit.provider == "local" and is_local_ref(hit.url) and hit.score > 0


async def test_a_pdf_hit_points_at_its_page(docs: Path, tmp_path: Path) -> None:
    local = search([docs], tmp_path)
    try:
        hits = await local.search("fermentation", max_results=5)
    finally:
        await local.aclose()
    assert [h.url.rsplit("/", 1)[1] for h in hits] == ["report.pdf#page=2"]
    assert "pu-erh fermentation" in hits[0].content


async def test_korean_words_are_found_without_their_particles(docs: Path, tmp_path: Path) -> None:
    local = search([docs], tmp_path)
    try:
        hits = await local.search("서울 수도", max_results=3)
    finally:
        await local.aclose()
    assert len(hits) == 1
    assert hits[0].title == "서울 메모"
    assert "서울은 한국의 수도이다" in hits[0].content
    assert path_of(hits[0].url).name == "seoul.txt"


async def test_scripts_hidden_folders_and_other_files_are_not_indexed(
    docs: Path, tmp_path: Path
) -> None:
    local = search([docs], tmp_path)
    try:
        assert await local.search("zebrafish", max_results=5) == []
        stats = await local.refresh()
    finally:
        await local.aclose()
    assert stats.files == 4 and stats.skipped == []


def test_refresh_is_incremental_by_modification_time(docs: Path, tmp_path: Path) -> None:
    index = LocalDocsIndex(tmp_path / "index.sqlite3", [docs])
    try:
        assert index.refresh().indexed == 4
        assert index.refresh().indexed == 0
        tea = docs / "tea.md"
        tea.write_text("# Green tea\n\nSencha is steamed.\n", encoding="utf-8")
        st = tea.stat()
        os.utime(tea, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        (docs / "page.html").unlink()
        stats = index.refresh()
        assert (stats.indexed, stats.removed, stats.files) == (1, 1, 3)
        assert [h.title for h in index.query("sencha", 5)] == ["Green tea"]
        assert index.query("matcha", 5) == []
        assert index.query("oolong", 5) == []
    finally:
        index.close()


def test_a_folder_no_longer_configured_is_dropped(docs: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("Rooibos is not tea.\n", encoding="utf-8")
    db = tmp_path / "index.sqlite3"
    both = LocalDocsIndex(db, [docs, other])
    assert both.refresh().files == 5
    both.close()
    only_other = LocalDocsIndex(db, [other])
    try:
        stats = only_other.refresh()
        assert (stats.files, stats.removed) == (1, 4)
        assert only_other.query("matcha", 5) == []
        assert len(only_other.query("rooibos", 5)) == 1
    finally:
        only_other.close()


def test_a_broken_pdf_is_skipped_with_its_reason(docs: Path, tmp_path: Path) -> None:
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    index = LocalDocsIndex(tmp_path / "index.sqlite3", [docs])
    try:
        stats = index.refresh()
    finally:
        index.close()
    assert stats.files == 4
    assert [Path(p).name for p, _ in stats.skipped] == ["broken.pdf"]


async def test_missing_folders_are_a_clear_error(tmp_path: Path) -> None:
    local = search([tmp_path / "nowhere"], tmp_path)
    try:
        with pytest.raises(ProviderError, match="None of the document folders exists"):
            await local.search("tea", max_results=3)
    finally:
        await local.aclose()
    with pytest.raises(ProviderError, match="--docs"):
        LocalDocsSearch([])


async def test_new_files_are_seen_after_the_refresh_interval(docs: Path, tmp_path: Path) -> None:
    now = [0.0]
    local = search([docs], tmp_path, refresh_interval_s=60, clock=lambda: now[0])
    try:
        assert await local.search("hojicha", max_results=3) == []
        (docs / "new.md").write_text("# Hojicha\n\nRoasted green tea.\n", encoding="utf-8")
        assert await local.search("hojicha", max_results=3) == []  # within the interval
        now[0] = 61.0
        assert [h.title for h in await local.search("hojicha", max_results=3)] == ["Hojicha"]
    finally:
        await local.aclose()


def test_the_default_index_lives_in_the_data_dir(isolated_home: Path) -> None:
    assert default_index_path().is_relative_to(isolated_home / "data")


def test_fts_query_quotes_every_word_as_a_prefix() -> None:
    assert fts_query('tea "OR" NEAR(x) 서울*') == '"tea"* OR "or"* OR "near"* OR "x"* OR "서울"*'
    assert fts_query("?!") == ""


def test_passages_keep_paragraphs_and_cut_long_ones() -> None:
    parts = passages("a " * 10 + "\n\n" + "word " * 400, 200)
    assert parts[0].startswith("a a")
    assert all(len(p) <= 200 for p in parts)
    assert sum(p.count("word") for p in parts) == 400
