"""The first guard on Cypher we did not write (the LLM's, or typed by a user): read-only,
single statement, bounded rows.

It is a lexer, not a regex over the raw text: comments and string literals are taken out
before any keyword is looked for, so ``MATCH (n) /* */ DELETE n`` or ``//\\nDELETE`` cannot
hide a clause, and a quoted ``';'`` or ``'DELETE'`` inside a string is not mistaken for one.
It refuses rather than parses: anything it is not sure of is refused. The store then runs
what passes inside a read-only transaction with a timeout (the second guard).
"""

from __future__ import annotations

import re


class CypherRefused(ValueError):
    """The query was not run. ``reason`` says why, in words for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class QueryTimeout(RuntimeError):
    """A query ran into its time limit and was stopped (both stores raise this)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(
            f"the query ran longer than its {timeout_s:g} s limit and was stopped; "
            "add a LIMIT or match fewer nodes"
        )
        self.timeout_s = timeout_s


WRITE_KEYWORDS = frozenset(
    {
        "CREATE",
        "MERGE",
        "SET",
        "DELETE",
        "DETACH",
        "REMOVE",
        "DROP",
        "LOAD",
        "FOREACH",
        "COPY",
        "INSTALL",
        "UNINSTALL",
        "ATTACH",
        "ALTER",
        "USE",
        "IMPORT",
        "EXPORT",
        "CHECKPOINT",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "TRANSACTION",
        "GRANT",
        "DENY",
        "REVOKE",
        "TERMINATE",
        "START",
        "STOP",
        "ENABLE",
        "DISABLE",
        "RENAME",
        "SHOW",
        "PROFILE",
        "EXPLAIN",
        "PERIODIC",
        "TRUNCATE",
        "INSERT",
        "UPDATE",
        "FINISH",
    }
)
"""Clauses and admin words that never belong in a read-only query (case-insensitive)."""

READ_ONLY_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
        "show_tables",
        "table_info",
        "show_connection",
        "db_version",
    }
)
"""The only procedures ``CALL`` may name (lower case)."""

FIRST_WORDS = frozenset({"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL"})

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL = re.compile(r"\bCALL\b\s*(?P<name>[A-Za-z_][A-Za-z0-9_.]*)?\s*(?P<next>.)?", re.I | re.S)
_LIMIT = re.compile(r"\bLIMIT\b", re.I)
_RETURN = re.compile(r"\bRETURN\b", re.I)


def _lex(cypher: str) -> tuple[str, str]:
    """(scan view, output view).

    Scan view: code only; each string literal becomes ``''`` and each backtick identifier
    ``_q_``, comments become a space. Output view: the query without its comments.
    """
    scan: list[str] = []
    out: list[str] = []
    i, n = 0, len(cypher)
    while i < n:
        ch = cypher[i]
        two = cypher[i : i + 2]
        if two == "//":
            end = cypher.find("\n", i)
            end = n if end < 0 else end
            scan.append(" ")
            out.append(" ")
            i = end
        elif two == "/*":
            end = cypher.find("*/", i + 2)
            if end < 0:
                raise CypherRefused("an unterminated /* comment")
            scan.append(" ")
            out.append(" ")
            i = end + 2
        elif ch in "'\"`":
            j = i + 1
            while j < n:
                if cypher[j] == "\\" and ch != "`":
                    j += 2
                    continue
                if cypher[j] == ch:
                    if ch == "`" and cypher[j + 1 : j + 2] == "`":  # `` escapes a backtick
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise CypherRefused("an unterminated quoted string or name")
            scan.append(" _q_ " if ch == "`" else " '' ")
            out.append(cypher[i : j + 1])
            i = j + 1
        else:
            scan.append(ch)
            out.append(ch)
            i += 1
    return "".join(scan), "".join(out)


def check_read_only(cypher: str, *, limit: int = 200) -> str:
    """The query, comments removed and a ``LIMIT`` added when it has none; or CypherRefused."""
    if not cypher or not cypher.strip():
        raise CypherRefused("the query is empty")
    if "\x00" in cypher:
        raise CypherRefused("the query contains a NUL character")
    scan, out = _lex(cypher)
    scan = scan.strip()
    out = out.strip()
    # One statement: a single trailing ";" is tolerated and dropped, any other is refused.
    while scan.endswith(";"):
        scan = scan[:-1].rstrip()
        out = out.rstrip()[:-1].rstrip() if out.rstrip().endswith(";") else out
    if ";" in scan:
        raise CypherRefused("only one statement is allowed (found ';' between statements)")
    if not scan:
        raise CypherRefused("the query is empty")
    words = [w.upper() for w in _WORD.findall(scan)]
    if not words or words[0] not in FIRST_WORDS:
        raise CypherRefused(
            "a read query must start with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL"
        )
    bad = sorted({w for w in words if w in WRITE_KEYWORDS})
    if bad:
        raise CypherRefused(f"only read queries may run; refused clause(s): {', '.join(bad)}")
    for m in _CALL.finditer(scan):
        name = (m.group("name") or "").lower()
        if not name:
            raise CypherRefused("CALL { ... } subqueries are not allowed")
        if name not in READ_ONLY_PROCEDURES or m.group("next") != "(":
            raise CypherRefused(f"CALL {name} is not one of the allowed read-only procedures")
    if _RETURN.search(scan) and not _LIMIT.search(scan[_last_return(scan) :]):
        out = f"{out}\nLIMIT {int(limit)}"
    return out


def _last_return(scan: str) -> int:
    starts = [m.start() for m in _RETURN.finditer(scan)]
    return starts[-1] if starts else 0
