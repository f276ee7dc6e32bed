"""Reading SQL text without running it: ``:name`` placeholders, statement count and the read-only check.

A small lexer skips string literals, quoted identifiers, comments and PostgreSQL dollar quotes, so
a keyword or a colon inside them is never mistaken for SQL. Values are never put into the text:
placeholders become the driver's own parameter markers and the values are bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Dialect = Literal["postgresql", "sqlite", "mysql"]

READ_STARTS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "EXPLAIN", "SHOW", "DESCRIBE", "DESC"})
# Words that make a statement that starts like a read write, change the schema or leave the transaction.
# (Not every keyword: ``comment`` or ``start`` are common column names, and the read-only transaction
# the query runs in refuses writes anyway; this check is the first of two locks.)
WRITE_WORDS = frozenset({
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "GRANT", "REVOKE",
    "INTO", "ANALYZE", "COPY", "CALL", "EXECUTE", "ATTACH", "DETACH", "VACUUM", "REINDEX", "LOCK", "COMMIT",
    "ROLLBACK", "PRAGMA", "OUTFILE", "DUMPFILE",
})
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


class StatementError(ValueError):
    """The SQL text is refused before it reaches the database."""


@dataclass
class Scanned:
    """What the lexer found: code pieces, placeholders in order, words and statement count."""

    pieces: list[str | tuple[str]] = field(default_factory=list)  # text, or (name,) for a placeholder
    words: list[str] = field(default_factory=list)
    statements: int = 0
    executable_comment: bool = False

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(piece[0] for piece in self.pieces if isinstance(piece, tuple)))


def scan(sql: str, dialect: Dialect) -> Scanned:
    out = Scanned()
    text: list[str] = []
    i, n = 0, len(sql)
    in_statement = False

    def flush() -> None:
        if text:
            out.pieces.append("".join(text))
            text.clear()

    while i < n:
        ch = sql[i]
        if ch in "'\"`" and (ch != "`" or dialect == "mysql"):
            end = _quoted_end(sql, i, ch, backslash=dialect == "mysql")
            text.append(sql[i:end])
            in_statement = True
            i = end
        elif sql.startswith("--", i) or (ch == "#" and dialect == "mysql"):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            text.append(" ")
            i = end
        elif sql.startswith("/*", i):
            if dialect == "mysql" and sql.startswith(("/*!", "/*+"), i):
                out.executable_comment = True
            end = sql.find("*/", i + 2)
            if end < 0:
                raise StatementError("an unterminated /* comment")
            text.append(" ")
            i = end + 2
        elif ch == "$" and dialect == "postgresql" and (match := _DOLLAR_TAG.match(sql, i)):
            tag = match.group(0)
            end = sql.find(tag, match.end())
            if end < 0:
                raise StatementError(f"an unterminated {tag} quoted string")
            text.append(sql[i:end + len(tag)])
            in_statement = True
            i = end + len(tag)
        elif ch == ":" and sql.startswith("::", i):
            text.append("::")
            i += 2
        elif ch == ":" and (match := _NAME.match(sql, i + 1)) and not (i > 0 and sql[i - 1] == ":"):
            flush()
            out.pieces.append((match.group(0),))
            in_statement = True
            i = match.end()
        elif ch == ";":
            if in_statement:
                out.statements += 1
            in_statement = False
            text.append(ch)
            i += 1
        elif (match := _WORD.match(sql, i)) and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] in "_$")):
            out.words.append(match.group(0).upper())
            text.append(match.group(0))
            in_statement = True
            i = match.end()
        else:
            if not ch.isspace():
                in_statement = True
            text.append(ch)
            i += 1
    if in_statement:
        out.statements += 1
    flush()
    return out


def _quoted_end(sql: str, start: int, quote: str, *, backslash: bool) -> int:
    i = start + 1
    while i < len(sql):
        ch = sql[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    raise StatementError(f"an unterminated {quote} quoted text")


def check_statement(scanned: Scanned, *, writable: bool) -> None:
    """Refuse more than one statement, and on a read-only connection anything that could write."""
    if scanned.statements == 0:
        raise StatementError("the query is empty")
    if scanned.statements > 1:
        raise StatementError("only one statement per query is allowed")
    if writable:
        return
    if scanned.executable_comment:
        raise StatementError("MySQL executable comments (/*! ... */) are refused on a read-only connection")
    first = scanned.words[0] if scanned.words else ""
    if first not in READ_STARTS:
        raise StatementError(
            f"the connection is read-only: {first or 'this'} statements are refused; only SELECT-like queries run"
        )
    bad = sorted({word for word in scanned.words if word in WRITE_WORDS})
    if "REPLACE" in scanned.words and dialect_replace_into(scanned.words):
        bad.append("REPLACE")
    if bad:
        raise StatementError(f"the connection is read-only: the query uses {', '.join(bad)}, which could write")


def dialect_replace_into(words: list[str]) -> bool:
    return any(word == "REPLACE" and nxt == "INTO" for word, nxt in zip(words, words[1:], strict=False))


def bind(scanned: Scanned, values: dict[str, object], dialect: Dialect) -> tuple[str, list[object] | dict[str, object]]:
    """The query in the driver's parameter style and the values to bind; every placeholder needs a value."""
    missing = [name for name in scanned.names if name not in values]
    if missing:
        raise StatementError(f"no value for parameter{'s' if len(missing) > 1 else ''} {', '.join(':' + m for m in missing)}")
    parts: list[str] = []
    if dialect == "postgresql":
        numbers: dict[str, int] = {}
        for piece in scanned.pieces:
            if isinstance(piece, tuple):
                numbers.setdefault(piece[0], len(numbers) + 1)
                parts.append(f"${numbers[piece[0]]}")
            else:
                parts.append(piece)
        return "".join(parts), [values[name] for name in numbers]
    for piece in scanned.pieces:
        if isinstance(piece, tuple):
            parts.append(f":{piece[0]}" if dialect == "sqlite" else f"%({piece[0]})s")
        else:
            parts.append(piece if dialect == "sqlite" else piece.replace("%", "%%"))
    return "".join(parts), {name: values[name] for name in scanned.names}
