"""Turn Lark's parse failures into `PQLSyntaxError`s a person can act on.

Lark reports terminal names (``RPAR``, ``NAME``, ``$END``); users need plain words and, for the
mistakes people actually make, a sentence saying what to write instead. Each friendly rule below is
tried in order; the fallback lists the expected tokens in plain words.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from pql.ast import AGGREGATIONS
from pql.errors import PQLSyntaxError
from pql.keywords import RESERVED
from pql.span import Span

# Plain words for terminals, in the order they are listed in messages.
_PLAIN = {
    "PREDICT": "PREDICT", "EVALUATE": "EVALUATE", "EXPLAIN": "EXPLAIN", "DEFINE": "DEFINE", "AS": "AS",
    "RANK": "RANK TOP", "CLASSIFY": "CLASSIFY", "FORECAST": "FORECAST", "FOR": "FOR", "EACH": "EACH",
    "WHERE": "WHERE", "ASSUMING": "ASSUMING", "ALLOCATE": "ALLOCATE", "BUDGET": "BUDGET", "COST": "COST",
    "VALUE": "VALUE", "MAX": "MAX", "PER": "PER", "CAPACITY": "CAPACITY", "USING": "USING",
    "WITH": "WITH", "INTO": "INTO", "REPLACE": "REPLACE", "TOP": "TOP", "TIMEFRAMES": "TIMEFRAMES",
    "AND": "AND", "OR": "OR", "NOT": "NOT", "COMP_OP": "a comparison (= != < <= > >=)", "IN": "IN",
    "LIKE": "LIKE", "CONTAINS": "CONTAINS", "STARTS": "STARTS WITH", "ENDS": "ENDS WITH", "IS": "IS",
    "NULL": "NULL", "INF": "INF", "NAME": "a name", "NUMBER": "a number", "MINUS": "'-'",
    "SQ_STRING": "a string", "DQ_STRING": "a string", "TRUE": "TRUE", "FALSE": "FALSE",
    "TIMESTAMP": "TIMESTAMP", "DATE": "DATE", "LPAR": "'('", "RPAR": "')'", "COMMA": "','",
    "DOT": "'.'", "STAR": "'*'", "PLUS": "'+'", "SLASH": "'/'", "COLON": "':'", "EQUAL": "'='", "_SEMI": "';'", "$END": "end of input",
}
_ORDER = {name: i for i, name in enumerate(_PLAIN)}
# A value may start with any of these; listed together as "a value".
_VALUE_START = {"NUMBER", "MINUS", "SQ_STRING", "DQ_STRING", "TRUE", "FALSE", "NULL", "TIMESTAMP", "DATE"}
# Spellings that duplicate another entry, or quoted names implied by "a name".
_HIDDEN = {"NOT_LIKE", "STARTS_WITH", "ENDS_WITH", "BQ_NAME"}
_CLAUSE_WORDS = {"FOR", "WHERE", "ASSUMING", "ALLOCATE", "USING", "WITH", "INTO", "RANK", "CLASSIFY",
                 "FORECAST", "_SEMI", "$END", "PREDICT"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WORD_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\Z")


def translate(e: UnexpectedInput, text: str) -> PQLSyntaxError:
    """The `PQLSyntaxError` for a Lark failure on ``text``."""
    if isinstance(e, UnexpectedCharacters):
        return _bad_character(e, text)
    if isinstance(e, UnexpectedToken):
        return _bad_token(e, text)
    pos = getattr(e, "pos_in_stream", None) or 0
    return PQLSyntaxError("this is not valid PQL", text=text, span=Span.point(text, min(pos, len(text))))


def _bad_character(e: UnexpectedCharacters, text: str) -> PQLSyntaxError:
    pos = e.pos_in_stream
    char = text[pos]
    span = Span.point(text, pos)
    if char in "'\"`":
        what = "quoted name" if char == "`" else "string"
        return PQLSyntaxError(f"unterminated {what}: the {char} here is never closed", text=text, span=span,
                              hint=f"close it with a matching {char}; inside, write {char}{char} for a literal {char}")
    shown = repr(char) if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
    hint = None
    if text.startswith(("/*", "//"), pos) or char == "#":
        hint = "comments start with -- and run to the end of the line"
    elif char in _CURLY_QUOTES:
        hint = _straight_quotes_hint(text, pos)
    elif char in _MATH_SIGNS:
        hint = f"typographic sign: write {_MATH_SIGNS[char]} for {char} (comparisons are = != < <= > >=)"
    elif char.isalpha():
        hint = 'quote a name with other letters: "Kündé" or `Kündé`'
    return PQLSyntaxError(f"unexpected character {shown}", text=text, span=span, hint=hint)


# Typographic quotes (word processors and chat apps put them in), each with the straight quote it stands for.
_CURLY_QUOTES = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}


# Mathematical signs (pasted from documents, or typed on a phone), each with what PQL writes instead.
_MATH_SIGNS = {"≥": ">=", "≤": "<=", "≠": "!=", "⩾": ">=", "⩽": "<=", "−": "-", "×": "*", "÷": "/"}


def _straight_quotes_hint(text: str, pos: int) -> str:
    """``typographic quote: write 'lightgbm' with straight quotes`` for ``‘lightgbm’`` (the quoted text
    shown when its closing quote is on the same line, not far off)."""
    quote = _CURLY_QUOTES[text[pos]]
    end = text.find("\n", pos)
    line = text[pos + 1:len(text) if end == -1 else end]
    close = next((i for i, c in enumerate(line) if c in _CURLY_QUOTES), -1)
    if 0 <= close <= 40:
        return f"typographic quote: write {quote}{line[:close]}{quote} with straight quotes"
    return f"typographic quote: write strings with straight quotes ({quote}…{quote})"


def _token_span(tok, text: str) -> Span:
    if tok.type == "$END":  # Lark places it on the last token; point just past that token
        end = tok.end_pos if tok.end_pos is not None else len(text.rstrip())
        return Span.point(text, min(end, len(text)))
    return Span(start=tok.start_pos, end=tok.end_pos, line=tok.line, column=tok.column,
                end_line=tok.end_line, end_column=tok.end_column)


def _describe(tok) -> str:
    if tok.type == "$END":
        return "end of query"
    if tok.type == "_SEMI":
        return "';' (end of statement)"
    if tok.type in ("SQ_STRING", "DQ_STRING"):  # already quoted: show it as written, not ''days''
        return str(tok.value)
    return f"'{tok.value}'"


def _expected(e: UnexpectedToken) -> set[str]:
    try:
        accepts = e.accepts
    except Exception:  # noqa: BLE001 - the interactive replay is a nicety; fall back to the table
        accepts = None
    return set(accepts or e.expected)


def plain_expected(names: set[str]) -> str:
    """``{'RPAR', 'COMMA'}`` -> ``"',' or ')'"``, with value starters merged into "a value"."""
    names = {n for n in names if n not in _HIDDEN}
    if "NAME" in names:  # a double-quoted token there is a quoted name, implied by "a name"
        names.discard("DQ_STRING")
    words: list[tuple[int, str]] = []
    if len(names & _VALUE_START) >= 4:
        names -= _VALUE_START
        words.append((_ORDER["NUMBER"], "a value"))
    for n in names:
        words.append((_ORDER.get(n, len(_ORDER)), _PLAIN.get(n, n)))
    unique = list(dict.fromkeys(w for _, w in sorted(words)))
    if len(unique) == 1:
        return unique[0]
    return ", ".join(unique[:-1]) + " or " + unique[-1]


def _code_positions(text: str, upto: int) -> Iterator[tuple[int, bool]]:
    """``(position, starts a comment)`` for each character before ``upto`` outside quotes; a comment is
    reported at its ``--`` once and the rest of its line skipped."""
    i = 0
    while i < upto:
        c = text[i]
        if c in "'\"`":
            close = text.find(c, i + 1)
            while close != -1 and close + 1 < len(text) and text[close + 1] == c:  # '' inside a string
                close = text.find(c, close + 2)
            i = len(text) if close == -1 else close + 1
            continue
        if text.startswith("--", i):
            yield i, True
            nl = text.find("\n", i)
            i = len(text) if nl == -1 else nl + 1
            continue
        yield i, False
        i += 1


def _open_parens(text: str, upto: int) -> list[int]:
    """The positions of the '('s still open before ``upto``, outermost first (strings and comments skipped)."""
    stack: list[int] = []
    for i, comment in _code_positions(text, upto):
        if comment:
            continue
        if text[i] == "(":
            stack.append(i)
        elif text[i] == ")" and stack:
            stack.pop()
    return stack


def _open_paren(text: str, upto: int) -> int | None:
    """The position of the innermost '(' still open before ``upto``."""
    stack = _open_parens(text, upto)
    return stack[-1] if stack else None


def _bad_token(e: UnexpectedToken, text: str) -> PQLSyntaxError:
    tok = e.token
    if comment := _foreign_comment(tok, text):
        return comment
    expected = _expected(e)
    span = _token_span(tok, text)
    got = _describe(tok)

    def err(message: str, hint: str | None = None, where: Span = span) -> PQLSyntaxError:
        return PQLSyntaxError(message, text=text, span=where, hint=hint)

    value = str(tok.value)
    if tok.type != "NAME" and "NAME" in expected and _WORD.match(value) and value.upper() in RESERVED:
        return _reserved_name(value, span, text)
    before = _WORD_BEFORE.search(text, 0, tok.start_pos) if tok.type != "$END" else None
    if before and before.group(1).upper() in RESERVED:
        word = before.group(1)
        word_span = Span(start=before.start(1), end=before.end(1), line=span.line,
                         column=span.column - (tok.start_pos - before.start(1)), end_line=span.line,
                         end_column=span.column - (tok.start_pos - before.end(1)))
        if tok.type == "DOT":  # `not.x`: a reserved word used as a table name
            return _reserved_name(word, word_span, text)
        # `> FOR EACH`: the keyword was read as a name where a value belongs (and, a name being a value
        # too, may be followed by '(' or '.' or whatever follows a value)
        if expected <= {"LPAR", "DOT"} or {"LPAR", "DOT"} <= expected:
            return PQLSyntaxError(f"expected a value or a name, got the keyword {word.upper()}", text=text,
                                  span=word_span, hint=f'if {word} is a name, quote it: "{word}"')
    if expected == {"TOP"}:
        return err(f"RANK must be followed by TOP and a number, got {got}", hint="write RANK TOP 10")
    if "RPAR" in expected and tok.type in _CLAUSE_WORDS:
        opened = _open_paren(text, tok.start_pos if tok.type != "$END" else len(text))
        if opened is not None:
            return err(f"this '(' is never closed (expected ')' before {got})", where=Span.point(text, opened),
                       hint="add the missing ')'")
    if "FOR" in expected and tok.type in {"EACH", "NAME", "WHERE", "$END", "_SEMI", "USING", "ASSUMING"}:
        hint = "every PREDICT names its entities: PREDICT <target> FOR EACH table.key"
        if tok.type in ("EACH", "NAME"):
            return err(f"missing FOR before {'EACH' if tok.type == 'EACH' else got}", hint=hint)
        if tok.type in ("$END", "_SEMI"):
            return err("the statement ends before its FOR clause", hint=hint)
        return err(f"missing FOR: expected {plain_expected(expected)}, got {got}", hint=hint)
    if bare := _bare_name_in_formula(tok, text, expected):
        return bare
    hint = None
    if _code_in_comment(text, tok.start_pos if tok.type != "$END" else len(text)):
        hint = "-- starts a comment that runs to the end of the line; for two minus signs write -(-x)"
    elif tok.type == "MINUS" and text[:tok.start_pos].rstrip().endswith("-"):
        hint = "for two minus signs write -(-x)"
    elif tok.type in _CLAUSE_WORDS and re.search(r"\bINTO\b", text[:tok.start_pos], re.IGNORECASE):
        hint = "INTO comes last: PREDICT … FOR … [WHERE …] [USING …] [WITH …] INTO table"
    elif sql := _sql_habit(tok, text, expected):
        return sql
    elif tok.type in _ORDERED_CLAUSES and tok.type not in expected and expected & _ORDERED_CLAUSES:
        hint = "clauses go in this order: " + CLAUSE_ORDER
    elif tok.type != "$END" and (subject := _aggregation_subject(text, tok.start_pos)) is not None:
        hint = _formula_hint(tok, text, subject)
    elif value.upper() in ("=", "IN") and re.search(r"\bFOR\s+EACH\s+\S+\s*\Z", text[:tok.start_pos], re.IGNORECASE):
        hint = "FOR EACH names every entity; for some of them write FOR table.key = v or FOR table.key IN (…)"
    return err(f"unexpected {got}; expected {plain_expected(expected)}", hint=hint)


def _foreign_comment(tok, text: str) -> PQLSyntaxError | None:
    """``/* … */`` or ``// …``: a comment from another language. In ``0 /* x */`` the '/' reads as a
    division and the '*' fails, so the caret goes back one character, onto the '/'."""
    if tok.type not in ("SLASH", "STAR"):
        return None
    at = next((i for i in (tok.start_pos, tok.start_pos - 1) if i >= 0 and text.startswith(("/*", "//"), i)), None)
    if at is None:
        return None
    what = "block comments (/* … */)" if text.startswith("/*", at) else "'//' comments"
    start = Span.point(text, at)
    span = Span(start=at, end=at + 2, line=start.line, column=start.column, end_line=start.line,
                end_column=start.column + 2)
    return PQLSyntaxError(f"{what} are not PQL", text=text, span=span,
                          hint="comments start with -- and run to the end of the line")


# The clauses of a PREDICT, in the order the grammar (grammar/pql.lark, predict_stmt) reads them.
_ORDERED_CLAUSES = {"FOR", "WHERE", "ASSUMING", "ALLOCATE", "USING", "WITH", "INTO"}
CLAUSE_ORDER = "PREDICT … FOR … [WHERE …] [ASSUMING …] [ALLOCATE …] [USING …] [WITH …] [INTO …]"
_UNIT_WORDS = {u for unit in ("minutes", "hours", "days", "weeks", "months", "years") for u in (unit, unit[:-1])}
_WINDOW_BEFORE_UNIT = re.compile(r",\s*(-\s*INF|-?[\d.]+)\s*,\s*-?[\d.]+\s*,\s*\Z", re.IGNORECASE)


def _sql_habit(tok, text: str, expected: set[str]) -> PQLSyntaxError | None:
    """Errors for SQL written where PQL differs: BETWEEN, options joined with AND, a quoted unit."""
    if tok.type == "$END":
        return None
    pos, value = tok.start_pos, str(tok.value)
    span = _token_span(tok, text)
    if tok.type == "NAME" and value.upper() == "BETWEEN":
        left = re.search(r"([A-Za-z_\"`][\w.\"`]*)\s*\Z", text[:pos])
        x = left.group(1) if left else "x"
        bounds = re.match(r"BETWEEN\s+(\S+)\s+AND\s+([^\s)]+)", text[pos:], re.IGNORECASE)
        a, b = bounds.groups() if bounds else ("a", "b")
        return PQLSyntaxError("PQL has no BETWEEN", text=text, span=span,
                              hint=f"write {x} >= {a} AND {x} <= {b}")
    if ("COMMA" in expected and "INTO" in expected and tok.type in ("AND", "NAME")
            and re.search(r"\bWITH\b", text[:pos], re.IGNORECASE)):
        what = ", not with AND" if tok.type == "AND" else f" (a ',' is missing before '{value}')"
        return PQLSyntaxError("separate options with commas" + what, text=text, span=span,
                              hint="WITH model = 'lightgbm', epochs = 10")
    if tok.type in ("SQ_STRING", "DQ_STRING") and "NAME" in expected and _WINDOW_BEFORE_UNIT.search(text, 0, pos):
        inner = value[1:-1]
        hint = (f"drop the quotes: {inner}" if inner.lower() in _UNIT_WORDS
                else "a window's unit is a bare word: minutes, hours, days, weeks, months or years")
        return PQLSyntaxError(f"unexpected {value}: a time unit is not quoted", text=text, span=span, hint=hint)
    return None


_AGGREGATION_NAME = re.compile(r"\b(" + "|".join(AGGREGATIONS) + r")\s*\Z", re.IGNORECASE)
_FORMULA_HINT = ("an aggregation reads a column, table.* or a formula: + - * / over the aggregated table's "
                 "columns (table.column) and numbers, e.g. SUM(lines.quantity * lines.unit_price, 0, 30)")


def _aggregation_subject(text: str, pos: int) -> str | None:
    """``SUM(lines.qty * price, …)``: the text of what an aggregation reads, up to ``pos``, when ``pos``
    lies in it (before the aggregation's WHERE or window); None elsewhere."""
    for opened in reversed(_open_parens(text, pos)):  # a formula's own parentheses follow no word
        if _AGGREGATION_NAME.search(text, 0, opened):
            inside = text[opened + 1:pos]
            return None if "," in inside or re.search(r"\bWHERE\b", inside, re.IGNORECASE) else inside
        if re.search(r"[A-Za-z0-9_\"`]\s*\Z", text[:opened]):
            return None  # the '(' of something else: IN (…), COST (…)
    return None


_ARITHMETIC = ("STAR", "SLASH", "PLUS", "MINUS")


def _bare_name_in_formula(tok, text: str, expected: set[str]) -> PQLSyntaxError | None:
    """``SUM(lines.amount * s, 0, 30)``: a lone name (a DEFINEd name, a table, INF) in an aggregation's
    formula, where the parser wanted the '.' of table.column; the caret goes on the name, not past it."""
    if tok.type in ("$END", "DOT", "LPAR") or "DOT" not in expected:  # `x(`: a call, hinted elsewhere
        return None
    before = _WORD_BEFORE.search(text, 0, tok.start_pos)
    subject = _aggregation_subject(text, tok.start_pos)
    if before is None or subject is None:
        return None
    ahead = text[:before.start(1)].rstrip()
    if tok.type not in _ARITHMETIC and not ahead.endswith(tuple("-+*/")):
        return None  # `SUM(s, 0, 30)`: no formula; the plain subject hints cover it
    word = before.group(1)
    start = Span.point(text, before.start(1))
    span = Span(start=before.start(1), end=before.end(1), line=start.line, column=start.column,
                end_line=start.line, end_column=start.column + len(word))
    if word.upper() == "INF":
        hint = _FORMULA_HINT + "; -INF is only a window's start"
    else:
        table = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z_\"]", subject)
        column = f" (if it is a column, write {table.group(1)}.{word})" if table else ""
        hint = (_FORMULA_HINT + f"; a DEFINEd name or a table cannot go inside an aggregation's formula{column}; "
                f"combine a DEFINEd name outside the aggregation, e.g. SUM(lines.amount, 0, 30) * {word}")
    return PQLSyntaxError(f"'{word}' alone is not a column: an aggregation's formula reads table.column and "
                          "numbers only", text=text, span=span, hint=hint)


def _formula_hint(tok, text: str, subject: str) -> str | None:
    """What an aggregation may read, for the mistake at ``tok`` inside its subject (``subject``: the
    subject's text before ``tok``); None for a slip a formula does not explain (a missing comma)."""
    before = text[:tok.start_pos].rstrip()
    if tok.type == "LPAR" and re.search(r"[A-Za-z_]\Z", before):
        return ("an aggregation cannot hold another aggregation; combine them outside, e.g. "
                "SUM(lines.amount, 0, 30) / COUNT(lines.*, 0, 30)")
    if tok.type in _ARITHMETIC and re.search(r"\.\s*\*\Z", before):
        return "table.* counts rows and takes no arithmetic; " + _FORMULA_HINT
    if tok.type in ("COMP_OP", "IN", "LIKE", "IS", "AND", "OR", "NOT", "CONTAINS", "STARTS", "ENDS"):
        return ("a condition on the rows goes in the aggregation's WHERE, e.g. "
                "SUM(lines.amount WHERE lines.quantity > 0, 0, 30)")
    if tok.type in _ARITHMETIC or re.search(r"[-+*/]", subject.replace(".*", "")):
        return _FORMULA_HINT
    return None


_CODE_AFTER_DASHES = re.compile(r"--[A-Za-z0-9_(.\"`]")


def _code_in_comment(text: str, upto: int) -> bool:
    """Whether a ``--`` before ``upto`` (outside strings) reads like code, not a comment: ``--SUM(…)``,
    ``--(x)``, ``a --b`` (a double minus) after code on its line (a line that starts with ``--Note`` is a
    comment). PQL, like SQL, reads the rest of that line as a comment."""
    for i, comment in _code_positions(text, upto):
        if comment and _CODE_AFTER_DASHES.match(text, i) and text[text.rfind("\n", 0, i) + 1:i].strip():
            return True
    return False


def _reserved_name(word: str, span: Span, text: str) -> PQLSyntaxError:
    return PQLSyntaxError(f"'{word}' is a reserved word and cannot be used as a name", text=text, span=span,
                          hint=f'to use it as a name, quote it: "{word}"')
