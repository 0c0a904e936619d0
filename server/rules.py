"""Load and validate rule files (server/rules/*.json) and the shared lexicons.

A rule file is data: spaCy token patterns, exceptions, the sense it assigns, its question kind,
a one-line explanation and example sentences. This module is the one place that knows the schema.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES_DIR = HERE / "rules"
LEXICONS_PATH = HERE / "lexicons.json"
QUESTIONS_PATH = HERE / "questions.json"

SENSES = ("ambiguous", "product", "superintelligence", "specific", "none")
SCOPES = ("phrase", "sentence")
# When a rule may fire: always; unless the text is about something other than AI; only in AI text;
# unless the text is about AI (for technical senses whose words AI writing also uses).
CONTEXTS = ("always", "not_off_topic", "ai", "not_ai")
RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # use fullmatch: "$" would accept a trailing newline
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
    enabled_by_default: bool
    priority: int
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
                "sense": self.sense, "enabled_by_default": self.enabled_by_default,
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


def parse_rule(data, path: Path, lexicons: dict, questions: dict) -> Rule:
    where = path.name
    if not isinstance(data, dict):
        raise RuleError(f"{where}: a rule file holds one JSON object")
    required = {"id": str, "title": str, "description": str, "sense": str, "explanation": str,
                "patterns": list, "examples": list}
    for key, kind in required.items():
        if not isinstance(data.get(key), kind):
            raise RuleError(f"{where}: \"{key}\" must be a {kind.__name__}")
    if not RULE_ID.fullmatch(data["id"]) or data["id"] != path.stem:
        raise RuleError(f"{where}: id must be a slug equal to the file name")
    if data["sense"] not in SENSES:
        raise RuleError(f"{where}: sense must be one of {SENSES}")
    question = data.get("question")
    if data["sense"] == "ambiguous" and question not in questions:
        raise RuleError(f"{where}: an ambiguous rule needs \"question\", one of {sorted(questions)}")
    scope, context = data.get("scope", "phrase"), data.get("context", "always")
    if scope not in SCOPES or context not in CONTEXTS:
        raise RuleError(f"{where}: scope must be one of {SCOPES}, context one of {CONTEXTS}")
    patterns = expand_pattern(data["patterns"], lexicons, where)
    exceptions = expand_pattern(data.get("exceptions", []), lexicons, where)
    for p in patterns + exceptions:
        if not isinstance(p, list) or not p or not all(isinstance(t, dict) for t in p):
            raise RuleError(f"{where}: each pattern is a non-empty list of token objects")
    examples = tuple(parse_example(e, where) for e in data["examples"])
    if not any(e.sense == data["sense"] for e in examples):
        raise RuleError(f"{where}: needs at least one positive example (sense {data['sense']})")
    if all(e.sense == data["sense"] for e in examples):
        raise RuleError(f"{where}: needs at least one negative example (another sense, or none)")
    return Rule(id=data["id"], title=data["title"], description=data["description"],
                sense=data["sense"], question=question if data["sense"] == "ambiguous" else None,
                explanation=data["explanation"],
                enabled_by_default=bool(data.get("enabled_by_default", True)),
                priority=int(data.get("priority", 50)), scope=scope, context=context,
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
