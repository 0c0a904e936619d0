"""Load and validate rule files (server/rules/*.json) and the shared lexicons.

A rule file is data: spaCy token patterns, exceptions, the sense it assigns, its question kind,
a one-line explanation and example sentences. Its shape is rule.schema.json (JSON Schema, which
editors also read through each file's "$schema"); this module checks it and what a schema cannot
say: the id matches the file name, lexicon references exist, examples mark one word each.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema

HERE = Path(__file__).resolve().parent
RULES_DIR = HERE / "rules"
LEXICONS_PATH = HERE / "lexicons.json"
QUESTIONS_PATH = HERE / "questions.json"
SCHEMA_PATH = HERE / "rule.schema.json"

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
# The schema is the one source of the rule vocabulary; the code reads it from there.
SENSES = tuple(SCHEMA["properties"]["sense"]["enum"])
# The two problems a use can be pinned to (the senses a rewrite or a definition can give).
SIDES = ("product", "superintelligence")
SCOPES = tuple(SCHEMA["properties"]["scope"]["enum"])
# When a rule may fire: always; unless the text is about something other than AI; only in AI text;
# unless the text is about AI (for technical senses whose words AI writing also uses).
CONTEXTS = tuple(SCHEMA["properties"]["context"]["enum"])
# A rule file names its priority tier; the schema holds each tier's rank and meaning (one place).
PRIORITY_TIERS = {tier["const"]: tier["rank"] for tier in SCHEMA["properties"]["priority"]["oneOf"]}
RULE_ID = re.compile(SCHEMA["properties"]["id"]["pattern"].strip("^$"))  # use fullmatch: "$" would accept a trailing newline
MARKED = re.compile(r"\[\[(.+?)\]\]")


class RuleError(ValueError):
    """A rule file that does not follow the schema; the message names the file and the field."""


@dataclass(frozen=True)
class Example:
    text: str          # the sentence with the [[marker]] removed
    start: int         # code-point span of the marked word
    end: int
    sense: str         # the sense the engine must give the marked word ("none": no finding)
    page_url: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    description: str
    sense: str
    question: str | None
    explanation: str
    priority: int      # the rank of the file's tier (PRIORITY_TIERS): higher wins
    scope: str
    context: str
    patterns: list = field(hash=False)
    exceptions: list = field(hash=False)
    examples: tuple = ()
    path: str = ""

    def public(self) -> dict:
        """The rule as GET /api/v1/rules shows it."""
        example = next((e for e in self.examples if e.sense == self.sense), None)
        return {"id": self.id, "title": self.title, "description": self.description,
                "sense": self.sense,
                "example": example.text if example else None}


def load_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise RuleError(f"{path.name}: not valid JSON: {error}") from None


def expand_pattern(pattern, lexicons: dict, where: str):
    """Replace "$name" list references inside token patterns with the lexicon's word list."""
    if isinstance(pattern, list) and all(isinstance(p, str) for p in pattern):
        words = []  # a word list: splice each "$name" in place, keep order, drop repeats
        for item in pattern:
            if item.startswith("$"):
                if item[1:] not in lexicons:
                    raise RuleError(f"{where}: unknown lexicon {item}")
                words.extend(lexicons[item[1:]])
            else:
                words.append(item)
        return list(dict.fromkeys(words))
    if isinstance(pattern, list):
        return [expand_pattern(p, lexicons, where) for p in pattern]
    if isinstance(pattern, dict):
        return {k: expand_pattern(v, lexicons, where) for k, v in pattern.items()}
    return pattern


def parse_example(raw, where: str) -> Example:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise RuleError(f"{where}: an example needs a \"text\" string")
    marked = list(MARKED.finditer(raw["text"]))
    if len(marked) != 1:
        raise RuleError(f"{where}: example must mark exactly one word with [[...]]: {raw['text']!r}")
    if raw.get("sense") not in SENSES:
        raise RuleError(f"{where}: example sense must be one of {SENSES}")
    m = marked[0]
    text = raw["text"][:m.start()] + m.group(1) + raw["text"][m.end():]
    return Example(text=text, start=m.start(), end=m.start() + len(m.group(1)), sense=raw["sense"],
                   page_url=raw.get("page_url"))


@lru_cache(maxsize=1)
def schema_validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


def schema_errors(data) -> list[str]:
    """Every way the rule breaks the schema, each as "where: what" (where is a JSON path)."""
    errors = sorted(schema_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors]


def parse_rule(data, path: Path, lexicons: dict, questions: dict) -> Rule:
    where = path.name
    problems = schema_errors(data)
    if problems:
        raise RuleError(f"{where}: does not follow rule.schema.json: " + "; ".join(problems[:5]))
    if data["id"] != path.stem:
        raise RuleError(f"{where}: id must be a slug equal to the file name")
    question = data.get("question")
    if data["sense"] == "ambiguous" and question not in questions:
        raise RuleError(f"{where}: an ambiguous rule needs \"question\", one of {sorted(questions)}")
    scope, context = data.get("scope", "phrase"), data.get("context", "always")
    patterns = expand_pattern(data["patterns"], lexicons, where)
    exceptions = expand_pattern(data.get("exceptions", []), lexicons, where)
    examples = tuple(parse_example(e, where) for e in data["examples"])
    if not any(e.sense == data["sense"] for e in examples):
        raise RuleError(f"{where}: needs at least one positive example (sense {data['sense']})")
    if all(e.sense == data["sense"] for e in examples):
        raise RuleError(f"{where}: needs at least one negative example (another sense, or none)")
    return Rule(id=data["id"], title=data["title"], description=data["description"],
                sense=data["sense"], question=question if data["sense"] == "ambiguous" else None,
                explanation=data["explanation"],
                priority=PRIORITY_TIERS[data["priority"]], scope=scope, context=context,
                patterns=patterns, exceptions=exceptions, examples=examples, path=str(path))


def load_lexicons(path: Path = LEXICONS_PATH) -> dict:
    return load_json(path)


def load_questions(path: Path = QUESTIONS_PATH) -> dict:
    return load_json(path)


def load_rules(directory: Path = RULES_DIR, lexicons: dict | None = None,
               questions: dict | None = None) -> list[Rule]:
    """Every rule file in the folder, sorted by id; raises RuleError on the first bad file."""
    lexicons = load_lexicons() if lexicons is None else lexicons
    questions = load_questions() if questions is None else questions
    rules = [parse_rule(load_json(p), p, lexicons, questions) for p in sorted(directory.glob("*.json"))]
    if not rules:
        raise RuleError(f"no rule files in {directory}")
    return rules


def lexicon_references(directory: Path = RULES_DIR) -> set[str]:
    """Names of the lexicons that rule files splice in with "$name"."""
    found = set()
    for path in directory.glob("*.json"):
        found.update(re.findall(r'"\$([a-z_]+)"', path.read_text(encoding="utf-8")))
    return found


# A pattern word is compared with one token; these are the places a tokenizer keeps a word
# whole: on its own, between spaces, or as the end of a word ("n't" of "don't", "'s" of "ai's").
TOKEN_CONTEXTS = ("{}", "x {} x", "do{}", "ai{}", "ais{}")


def is_token(word: str, key: str, tokenize) -> bool:
    """Whether some token can equal word under key (LOWER compares with the lowercased token)."""
    if key == "LOWER" and word != word.lower():
        return False
    return any(word in tokenize(context.format(word)) for context in TOKEN_CONTEXTS)


def pattern_words(pattern, where: str, key: str | None = None):
    """(where, key, word) for every word of a token pattern ("$name" for a lexicon reference)."""
    if isinstance(pattern, dict):
        for k, v in pattern.items():
            yield from pattern_words(v, where, k if k in ("ORTH", "TEXT", "LOWER") else key)
    elif isinstance(pattern, list):
        for i, item in enumerate(pattern):
            yield from pattern_words(item, f"{where}/{i}" if not isinstance(item, str) else where, key)
    elif isinstance(pattern, str) and key:
        yield where, key, pattern


def dead_words(directory: Path = RULES_DIR, lexicons: dict | None = None) -> list[str]:
    """Words in rule patterns or lexicons that can never match, because the tokenizer
    (engine.blank_english) splits them: "fine-tuning" is "fine" "-" "tuning", "isn't" is "is"
    "n't", "today's" is "today" "'s". Each as "where: 'word' is never one token (...)"."""
    from .engine import blank_english  # engine imports this module

    nlp = blank_english()
    seen = {}

    def tokenize(text):
        if text not in seen:
            seen[text] = [t.text for t in nlp.make_doc(text)]
        return seen[text]

    lexicons = load_lexicons() if lexicons is None else lexicons
    # a lexicon word is checked as ORTH (the tokenizer alone) and again as LOWER where a LOWER list uses it
    found = [(f"lexicons.json: {name}", "ORTH", word) for name, words in lexicons.items() for word in words]
    for path in sorted(directory.glob("*.json")):
        data = load_json(path)
        for part in ("patterns", "exceptions"):
            for where, key, word in pattern_words(data.get(part, []), f"{path.name}: {part}"):
                if not word.startswith("$"):
                    found.append((where, key, word))
                elif key == "LOWER":
                    found.extend((f"{where} ({word})", key, w) for w in lexicons.get(word[1:], ()) if w != w.lower())
    return [f"{where}: {word!r} can never match a token ("
            + ("LOWER compares with the lowercased token" if key == "LOWER" and word != word.lower()
               else f"the tokenizer makes {' '.join(map(repr, tokenize(word)))}") + ")"
            for where, key, word in found if not is_token(word, key, tokenize)]


def unused_lexicons(directory: Path = RULES_DIR, lexicons: dict | None = None) -> list[str]:
    """Lexicons no rule uses: dead words a reader would take for live ones."""
    lexicons = load_lexicons() if lexicons is None else lexicons
    return sorted(set(lexicons) - lexicon_references(directory))
