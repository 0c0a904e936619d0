"""Rewrites that pin the sense of an ambiguous use: rule data in rewrites.json.

Each form of rewrites.json names the align words it rewrites, optional context around the word
(regexes, some of whose matches are replaced too, so "AI alignment" is rewritten as a whole and
"an aligned AI" becomes "an AI aligned in the original sense"), and one template per sense. The
first form that fits the word and its context gives the use's two rewrites. The file is checked
against rewrites.schema.json, and its regexes and templates compiled, when it loads.

Offsets here are code points into the block; engine.findings() turns them into UTF-16 units.
"""
from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jsonschema

from .rules import SIDES

HERE = Path(__file__).resolve().parent
REWRITES_PATH = HERE / "rewrites.json"
SCHEMA_PATH = HERE / "rewrites.schema.json"
SENSES = SIDES
WINDOW = 80  # characters before the word that before/if_before read
LIST_REF = re.compile(r"@([a-z_]+)")
ARTICLE_BEFORE = re.compile(r"\b([Aa]n?)(\s+)\Z")
SPACES = re.compile(r"\s{2,}")
ARTICLE_INSIDE = re.compile(r"\b([Aa]n?)(\s+)(?=([\w][\w'’]*))")
# A writer's sense index on an align word ("alignment2", "alignment_1", "alignment₂"): the two senses
# the word is split into. A numbered term is rewritten as its word, the sense said instead.
SENSE_INDEX_PATTERN = r"(?:[-_]?[12]|[\u2081\u2082])"
SENSE_INDEX = re.compile(SENSE_INDEX_PATTERN + "$")
SENTENCE_START = re.compile(r"(?:\A|[.!?:…]\s+|\n\s*|^[>#*\-\s]*)[\"'“‘(\[]*\Z", re.MULTILINE)


class RewriteError(ValueError):
    """rewrites.json does not follow its schema, or a regex or template in it is broken."""


@dataclass(frozen=True)
class Form:
    id: str
    words: frozenset
    before: re.Pattern | None
    after: re.Pattern | None
    if_before: re.Pattern | None
    if_before_not: re.Pattern | None
    if_after: re.Pattern | None
    if_after_not: re.Pattern | None
    templates: dict  # sense -> template


def expand(pattern: str, lists: dict, where: str) -> str:
    def splice(match):
        name = match.group(1)
        if name not in lists:
            raise RewriteError(f"{where}: unknown list @{name}")
        return f"(?:{lists[name]})"
    return LIST_REF.sub(splice, pattern)


def compile_regex(pattern: str | None, lists: dict, where: str, suffix: str = "") -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        return re.compile(f"(?:{expand(pattern, lists, where)}){suffix}")
    except re.error as error:
        raise RewriteError(f"{where}: bad regex: {error}") from None


def load_forms(path: Path = REWRITES_PATH) -> list[Form]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RewriteError(f"{path.name}: not valid JSON: {error}") from None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise RewriteError("; ".join(f"{path.name} at {'/'.join(map(str, e.path)) or '(top)'}: {e.message}"
                                     for e in errors))
    lists: dict[str, str] = {}
    for name, alternatives in data["lists"].items():  # a list may splice the lists above it
        lists[name] = expand(alternatives, lists, f"{path.name} list {name}")
    forms, seen = [], set()
    for item in data["forms"]:
        where = f"{path.name} form {item['id']}"
        if item["id"] in seen:
            raise RewriteError(f"{where}: duplicate id")
        seen.add(item["id"])
        regexes = {key: compile_regex(item.get(key), lists, f"{where} {key}", "\\Z" if key == "before" else "")
                   for key in ("before", "after", "if_before", "if_before_not", "if_after", "if_after_not")}
        groups = {"word"} | {name for key in ("before", "after") if regexes[key] for name in regexes[key].groupindex}
        for sense in SENSES:
            for _, field, spec, conversion in string.Formatter().parse(item[sense]):
                if field is not None and (field not in groups or spec or conversion):
                    raise RewriteError(f"{where} {sense}: {{{field}}} is not 'word' or a named group of before/after")
        forms.append(Form(item["id"], frozenset(item["words"]), templates={s: item[s] for s in SENSES}, **regexes))
    return forms


@lru_cache(maxsize=1)
def default_forms() -> tuple[Form, ...]:
    return tuple(load_forms())


def article(word: str) -> str:
    """'a' or 'an' before `word`, by its sound: acronyms by their first letter's name."""
    head = re.split(r"[-\s]", word, maxsplit=1)[0]
    if len(head) > 1 and head.isupper():
        return "an" if head[0] in "AEFHILMNORSX" else "a"
    lower = head.lower()
    if lower.startswith(("uni", "use", "usu", "one", "eu", "ubiq")):
        return "a"
    if lower.startswith(("hour", "honest", "honour", "honor", "heir")):
        return "an"
    return "an" if lower[:1] in "aeiou" else "a"


def fixed_article(current: str, following: str) -> str:
    wanted = article(following)
    return wanted.capitalize() if current[:1].isupper() else wanted


def fill(template: str, fields: dict) -> str:
    out = template.format_map(fields)
    if "  " in out or out[:1] == " " or out[-1:] == " ":
        out = SPACES.sub(" ", out).strip()
    if "a " in out or "an " in out or "A" in out:
        out = ARTICLE_INSIDE.sub(lambda m: fixed_article(m.group(1), m.group(3)) + m.group(2), out)
    return out


def find_form(forms, text: str, start: int, end: int):
    """The first form that fits the word at text[start:end], and the matches of its before/after."""
    word = SENSE_INDEX.sub("", text[start:end].lower())
    low = max(0, start - WINDOW)
    for form in forms:
        if word not in form.words:
            continue
        before = form.before.search(text, low, start) if form.before else None
        after = form.after.match(text, end) if form.after else None
        if (form.before and not before) or (form.after and not after):
            continue
        if form.if_before and not form.if_before.search(text, low, start):
            continue
        if form.if_before_not and form.if_before_not.search(text, low, start):
            continue
        if form.if_after and not form.if_after.match(text, end):
            continue
        if form.if_after_not and form.if_after_not.match(text, end):
            continue
        return form, before, after
    return None


def rewrites(text: str, start: int, end: int, forms=None) -> list[dict]:
    """The rewrites of the align word at text[start:end] (code points), one per sense:
    [{"sense", "start", "end", "text"}] with code-point offsets of the span each replaces;
    [] when no form fits."""
    found = find_form(default_forms() if forms is None else forms, text, start, end)
    if found is None:
        return []
    form, before, after = found
    word = text[start:end]
    span_start = before.start() if before else start
    span_end = after.end() if after else end
    fields = {"word": SENSE_INDEX.sub("", word.lower())}
    for match in (before, after):
        if match:
            fields.update(match.groupdict(""))
    original = text[span_start:span_end]
    upper = len(word) > 2 and word.isupper()
    capital = original[:1].isupper() and (
        (span_start == start and not upper) or SENTENCE_START.search(text, max(0, span_start - WINDOW), span_start))
    out = []
    preceding = ARTICLE_BEFORE.search(text, max(0, span_start - 4), span_start)
    for sense in SENSES:
        replacement, rewrite_start = fill(form.templates[sense], fields), span_start
        if upper:
            replacement = replacement.upper()
        elif capital:
            replacement = replacement[:1].upper() + replacement[1:]
        if preceding and preceding.group(1) != fixed_article(preceding.group(1), replacement):
            rewrite_start = preceding.start()
            replacement = fixed_article(preceding.group(1), replacement) + preceding.group(2) + replacement
        out.append({"sense": sense, "start": rewrite_start, "end": span_end, "text": replacement})
    return out


def apply(text: str, rewrite: dict) -> str:
    """text with one rewrite made (code-point offsets, as rewrites() gives them)."""
    return text[:rewrite["start"]] + rewrite["text"] + text[rewrite["end"]:]


def rewrites_utf16(text: str, start: int, end: int, to_utf16) -> list[dict]:
    """rewrites() with the API's offsets: UTF-16 code units (to_utf16 maps code points to them)."""
    return [dict(r, start=to_utf16(r["start"]), end=to_utf16(r["end"])) for r in rewrites(text, start, end)]
