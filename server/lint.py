"""`python -m server lint FILE... | -`: the engine over Markdown, plain-text and HTML drafts.

A file is one page (its paragraphs give each other context). What is not prose is masked first,
by `masked()`: each skipped character becomes a space (a block-level HTML tag a line break), so
the masked text has the original's length; `prose()` then makes each run of spaces one (keeping
paragraph and block breaks) and remembers where each character came from, so every offset the
engine returns maps to the original file, as a 1-based line and a column counted in characters.

Output: `path:line:column: sense "word": question [rule]` (Vale's, flake8's and LanguageTool's
convention), or `--format json`. Exit status: 0 nothing ambiguous, 1 something ambiguous, 2 a
usage or read error (the other files are still checked).
"""
from __future__ import annotations

import argparse
import codecs
import json
import re
import sys
from bisect import bisect_right
from pathlib import Path

KINDS = ("markdown", "html", "text")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown",
            ".mdx": "markdown", ".html": "html", ".htm": "html", ".xhtml": "html"}
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]

# -- what is masked -----------------------------------------------------------------------------
LINE = re.compile(r"[^\n]*\n?")
FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
INDENTED = re.compile(r"(?: {4}|\t)")
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.DOTALL)
COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
RAW_ELEMENT = re.compile(r"<(script|style|code|pre|kbd|samp|textarea|template|svg|math)\b[^>]*>.*?(?:</\1\s*>|\Z)",
                         re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<(?:/?([A-Za-z][\w:-]*)|[!?])(?:\"[^\"]*\"|'[^']*'|[^'\">])*>")
BLOCK_TAGS = frozenset("""address article aside blockquote body br dd details dialog div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol p section summary table tbody td tfoot
    th thead title tr ul pre script style textarea""".split())
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
LINK_TARGET = re.compile(r"\]\((<[^>\n]*>|[^)\s]*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)
# Emphasis delimiters (*, _, ~~) next to a word: masked so "**alignment**" reads as the word in
# its phrase ("progress on **alignment**"); "_" inside a word (snake_case) is not one.
EMPHASIS = re.compile(r"(?<![\w*~])(?:\*{1,3}|_{1,3}|~~)(?=[^\s*_~])|(?<=[^\s*_~])(?:\*{1,3}|_{1,3}|~~)(?![\w*~])")
URL = re.compile(r"\b(?:(?:https?|ftp|file)://|www\.|mailto:)[^\s<>\"'`]+", re.IGNORECASE)


def blank(chars: list[str], start: int, end: int, newline: bool = False) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "
    if newline and start < end:
        chars[start] = "\n"


def masked(text: str, kind: str) -> str:
    """text with everything that is not prose replaced by spaces, same length, line breaks kept.

    markdown: front matter, fenced and indented code blocks, inline code, emphasis delimiters,
    link targets and reference definitions, and everything html masks. html: comments, tags with their attributes
    (a block-level tag becomes a line break, ending the sentence), the content of <code>, <pre>,
    <script>, <style> and similar elements, entities. All kinds: URLs."""
    chars = list(text)
    if kind == "markdown":
        mask_markdown_blocks(text, chars)
        for match in INLINE_CODE.finditer("".join(chars)):
            blank(chars, match.start(), match.end())
    if kind in ("markdown", "html"):
        for pattern in (COMMENT, RAW_ELEMENT, TAG):
            for match in pattern.finditer("".join(chars)):
                name = match.group(1) if pattern.groups else None
                blank(chars, match.start(), match.end(), newline=bool(name) and name.lower() in BLOCK_TAGS)
        for match in ENTITY.finditer("".join(chars)):
            blank(chars, match.start(), match.end())
    if kind == "markdown":
        current = "".join(chars)
        for match in EMPHASIS.finditer(current):
            blank(chars, match.start(), match.end())
        for match in LINK_TARGET.finditer(current):
            blank(chars, match.start() + 1, match.end())
        for match in REFERENCE.finditer(current):
            blank(chars, match.start(), match.end())
    for match in URL.finditer("".join(chars)):
        blank(chars, match.start(), match.end())
    return "".join(chars)


def mask_markdown_blocks(text: str, chars: list[str]) -> None:
    """Front matter, fenced code blocks (to the closing fence, or the end of the file) and indented
    code blocks (lines indented four spaces or a tab after a blank line, as CommonMark has them
    outside lists)."""
    lines = [(m.start(), m.group()) for m in LINE.finditer(text) if m.group()]
    n = 0
    if FRONT_MATTER.match(text):
        closer = "---" if text.startswith("-") else "+++"
        for k in range(1, len(lines)):
            if lines[k][1].strip() in (closer, "...") and (closer == "---" or lines[k][1].strip() == closer):
                end = lines[k][0] + len(lines[k][1])
                blank(chars, 0, end)
                n = k + 1
                break
    fence, previous_blank = None, True
    while n < len(lines):
        start, line = lines[n]
        stripped = line.strip()
        if fence:
            blank(chars, start, start + len(line))
            closing = FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence) \
                    and not line[closing.end():].strip():
                fence = None
            previous_blank = False
        elif (opening := FENCE.match(line)) and not (opening.group(1)[0] == "`" and "`" in line[opening.end():]):
            fence = opening.group(1)
            blank(chars, start, start + len(line))
            previous_blank = False
        elif stripped and INDENTED.match(line) and previous_blank:
            while n < len(lines) and (not lines[n][1].strip() or INDENTED.match(lines[n][1])):
                blank(chars, lines[n][0], lines[n][0] + len(lines[n][1]))
                n += 1
            previous_blank = True
            continue
        else:
            previous_blank = not stripped
        n += 1


# -- reading files ------------------------------------------------------------------------------
class ReadError(Exception):
    """A file that cannot be checked; the message says why."""


def decode(data: bytes) -> tuple[str, str | None]:
    """(text, note): a BOM names the encoding; else UTF-8; else Windows-1252 (Latin-1 for the five
    bytes it leaves undefined), with a note saying so. NUL bytes without a BOM: a binary file."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), None if encoding == "utf-8-sig" else f"read as {encoding.upper()} (BOM)"
            except UnicodeDecodeError as error:
                raise ReadError(f"not valid {encoding.upper()} after its byte-order mark: {error.reason}") from None
    if b"\x00" in data[:8192]:
        raise ReadError("binary file (NUL bytes), not checked")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not UTF-8; read as Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not UTF-8; read as Latin-1"


def read(path: str, stdin=None) -> tuple[str, str | None]:
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin
        raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
        return decode(raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw)
    target = Path(path)
    if target.is_dir():
        raise ReadError("is a directory, not a file")
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise ReadError("no such file") from None
    except PermissionError:
        raise ReadError("permission denied, cannot read it") from None
    except OSError as error:
        raise ReadError(f"cannot read it: {error.strerror or error}") from None
    return decode(data)


def kind_of(path: str, forced: str | None) -> str:
    if forced:
        return forced
    if path == "-":
        return "markdown"
    return SUFFIXES.get(Path(path).suffix.lower(), "text")


# -- checking -----------------------------------------------------------------------------------
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
SPACE_RUN = re.compile(r"\s+")
# A Markdown line that starts a block of its own (heading, list item, quote, table row) keeps the
# line break before it: its sentence ends there.
BLOCK_START = re.compile(r"#{1,6}\s|[-*+]\s|\d{1,9}[.)]\s|>|\|")


def prose(text: str, kind: str) -> tuple[str, list[int]]:
    """The text the engine reads, and for each of its characters the offset in `text` it came from.

    The masked text with each run of spaces, line breaks and masked characters made one space,
    since spaCy makes extra spaces tokens of their own (breaking "progress on **alignment**")
    and the engine ends a sentence at a line break (breaking a hard-wrapped paragraph); a run
    holding a blank line of the file becomes a paragraph break, one holding a block-level tag or
    a line break before a Markdown block becomes a line break."""
    plain = masked(text, kind)
    out, origin, last = [], [], 0
    for run in SPACE_RUN.finditer(plain):
        out.append(plain[last:run.start()])
        origin.extend(range(last, run.start()))
        start, end = run.span()
        newlines = text.count("\n", start, end)
        if newlines >= 2:
            glue = "\n\n"
        elif any(plain[i] == "\n" and text[i] != "\n" for i in range(start, end)) or (
                newlines and kind == "markdown" and BLOCK_START.match(text, end)):
            glue = "\n"
        else:
            glue = " "
        out.append(glue)
        origin.extend([start] * len(glue))
        last = end
    out.append(plain[last:])
    origin.extend(range(last, len(plain)))
    origin.append(len(plain))
    return "".join(out), origin


def blocks(masked_text: str) -> list[tuple[int, str]]:
    """(offset, text) of the paragraphs of the masked text (blank lines between them)."""
    out, start = [], 0
    for gap in PARAGRAPH_BREAK.finditer(masked_text):
        if masked_text[start:gap.start()].strip():
            out.append((start, masked_text[start:gap.start()]))
        start = gap.end()
    if masked_text[start:].strip():
        out.append((start, masked_text[start:]))
    return out


def utf16_to_index(text: str):
    """A function from UTF-16 offsets into text to code-point offsets."""
    if text.isascii():
        return lambda unit: unit
    table, units = [], 0
    for i, ch in enumerate(text):
        table.append(units)
        units += 2 if ord(ch) > 0xFFFF else 1
    table.append(units)
    return lambda unit: bisect_right(table, unit) - 1


class Positions:
    """1-based line and character column of code-point offsets into a file."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def check_text(engine, text: str, kind: str, disabled: frozenset = frozenset()) -> list[dict]:
    """The findings of one file, in file order: each with code-point start/end into `text`, line
    and column (1-based) of both ends, and its rewrites and sentence placed the same way."""
    read, origin = prose(text, kind)
    page = blocks(read)
    found = engine.analyze([b for _, b in page], disabled) if page else []
    where = Positions(text)
    out = []
    for (offset, block), findings in zip(page, found):
        index = utf16_to_index(block)

        def span(start: int, end: int) -> dict:  # UTF-16 units into the block -> the file's characters
            first, last = offset + index(start), offset + index(end) - 1
            return place(where, origin[first], origin[last] + 1)
        for finding in findings:
            item = {k: v for k, v in finding.items() if k not in ("start", "end", "sentence", "rewrites")}
            item.update(span(finding["start"], finding["end"]))
            item["rewrites"] = [{"sense": r["sense"], "text": r["text"], **span(r["start"], r["end"])}
                                for r in finding.get("rewrites", [])]
            item["sentence"] = span(finding["sentence"]["start"], finding["sentence"]["end"])
            out.append(item)
    return out


def place(where: Positions, start: int, end: int) -> dict:
    (line, column), (end_line, end_column) = where(start), where(end)
    return {"start": start, "end": end, "line": line, "column": column, "end_line": end_line, "end_column": end_column}


def line_of(path: str, finding: dict) -> str:
    said = finding["question"] if finding["sense"] == "ambiguous" else finding["explanation"]
    return f'{path}:{finding["line"]}:{finding["column"]}: {finding["sense"]} "{finding["text"]}": {said} [{finding["rule"]}]'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help='Markdown, HTML or plain-text files; "-" reads stdin')
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: path:line:column: sense \"word\": question [rule]; json: findings with rewrites")
    parser.add_argument("--disable", action="append", default=[], metavar="RULE",
                        help="do not apply this rule (repeatable)")
    parser.add_argument("--show-clear", action="store_true",
                        help="also report uses that are already clear (product, superintelligence, specific)")
    parser.add_argument("--type", choices=KINDS, help="read every file as this kind (default: by suffix; stdin: markdown)")


def main(args, engine=None, stdout=None, stderr=None, stdin=None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if engine is None:
        from .engine import Engine
        engine = Engine()
    unknown = sorted(set(args.disable) - set(engine.rules))
    if unknown:
        print(f"lint: unknown rule id{'s' if len(unknown) > 1 else ''} for --disable: {', '.join(unknown)} "
              f"(known: {', '.join(sorted(engine.rules))})", file=stderr)
        return 2
    status, report = 0, []
    for path in args.files:
        shown = "<stdin>" if path == "-" else path
        try:
            text, note = read(path, stdin)
        except ReadError as error:
            print(f"{shown}: error: {error}", file=stderr)
            status = 2
            continue
        if note:
            print(f"{shown}: note: {note}", file=stderr)
        findings = check_text(engine, text, kind_of(path, args.type), frozenset(args.disable))
        if any(f["sense"] == "ambiguous" for f in findings) and status == 0:
            status = 1
        findings = [f for f in findings if args.show_clear or f["sense"] == "ambiguous"]
        if args.format == "json":
            report.append({"path": shown, "findings": findings, **({"note": note} if note else {})})
        else:
            for finding in findings:
                print(line_of(shown, finding), file=stdout)
    if args.format == "json":
        print(json.dumps({"files": report}, ensure_ascii=False, indent=2), file=stdout)
    return status
