"""`python -m server lint`: what is masked, where findings land (line:column of the original file),
the output formats, the exit codes, reading files (stdin, directories, binary files, other
encodings, unreadable files), and the pre-commit hook definition."""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from server import lint

REPO = Path(__file__).resolve().parents[1]
QUESTION = re.compile(r'^(?P<path>.+):(?P<line>\d+):(?P<column>\d+): (?P<sense>\w+) "(?P<word>[^"]+)": .+ \[(?P<rule>[a-z0-9-]+)\]$')


def run(engine, argv, stdin_bytes: bytes | None = None):
    """(exit status, stdout, stderr) of the linter with these arguments, in-process."""
    parser = argparse.ArgumentParser()
    lint.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(stdin_bytes or b""), encoding="utf-8")
    status = lint.main(parser.parse_args(argv), engine=engine, stdout=out, stderr=err, stdin=stdin)
    return status, out.getvalue(), err.getvalue()


def kept(text: str, kind: str) -> str:
    """The words the engine gets to see."""
    result = lint.masked(text, kind)
    assert len(result) == len(text)  # offsets stay those of the original
    assert [i for i, c in enumerate(text) if c == "\n"] == [i for i, c in enumerate(result) if c == "\n"
                                                            and text[i] == "\n"]
    return " ".join(result.split())


# -- masking ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text,kind,expected", [
    ("---\ntitle: alignment\ntags: [aligned]\n---\nProse here.\n", "markdown", "Prose here."),
    ("+++\ntitle = 'alignment'\n+++\nProse.", "markdown", "Prose."),
    ("Before.\n\n```python\nalignment = 1\n```\nAfter.", "markdown", "Before. After."),
    ("Before.\n~~~~\naligned\n~~~\nstill code\n~~~~\nAfter.", "markdown", "Before. After."),
    ("Before.\n\n```\nnever closed alignment\n", "markdown", "Before."),
    ("Para one.\n\n    aligned = True\n    more code\n\nPara two.", "markdown", "Para one. Para two."),
    ("A paragraph\n    continued, not code.", "markdown", "A paragraph continued, not code."),
    ("Call `align()` or ``a `b` alignment`` now.", "markdown", "Call or now."),
    ("See https://example.org/alignment?x=1 and www.aligned.example today.", "text", "See and today."),
    ("A [post](https://lw.example/aligned \"aligned title\") on it.", "markdown", "A [post] on it."),
    ("Text.\n[ref]: https://example.org/alignment\nMore.", "markdown", "Text. More."),
    ("Keep <span class=\"aligned\" data-x='alignment'>this</span> word.", "html", "Keep this word."),
    ("<p>One</p><p>Two</p>", "html", "One Two"),
    ("Say <!-- alignment\nnote --> it <code>aligned</code> <pre>x\naligned</pre> so.", "html", "Say it so."),
    ("<script>var aligned = 1;</script><style>.aligned{}</style>Prose.", "html", "Prose."),
    ("Tom&amp;Jerry &#8217; ok", "html", "Tom Jerry ok"),
    ("Markdown with <b>bold</b> and `code`.", "text", "Markdown with <b>bold</b> and `code`."),
])
def test_masked_keeps_only_prose(text, kind, expected):
    assert kept(text, kind) == expected


def test_block_level_tags_end_a_sentence():
    result = lint.masked("<li>Alignment</li><li>Next</li>", "html")
    assert result.index("\n") < result.index("Next") and result.startswith("\n")


@pytest.mark.parametrize("text,kind,expected", [
    ("We made progress on\nalignment, **really**.", "markdown", "We made progress on alignment, really ."),
    ("One.\n\n\nTwo `code` three.", "markdown", "One.\n\nTwo three."),
    ("Intro\n# Heading\n- item\n1. first\n> quote", "markdown", "Intro\n# Heading\n- item\n1. first\n> quote"),
    ("<p>One</p><p>Two <em>three</em>\nfour</p>", "html", "\nOne\nTwo three four\n"),
    ("Plain\nwrapped   line.", "text", "Plain wrapped line."),
])
def test_prose_is_what_the_engine_reads(text, kind, expected):
    read, origin = lint.prose(text, kind)
    assert read == expected
    assert len(origin) == len(read) + 1
    assert all(text[origin[i]] == c for i, c in enumerate(read) if not c.isspace())


def test_emphasis_and_wrapped_lines_do_not_change_the_decision(engine, tmp_path):
    plain, marked = tmp_path / "plain.md", tmp_path / "marked.md"
    plain.write_text("We made real progress on alignment with our AI models.\n")
    marked.write_text("We made real progress on\n**alignment** with our _AI_ models.\n")
    rule = QUESTION.match(run(engine, [str(plain)])[1]).group("rule")
    [line] = run(engine, [str(marked)])[1].splitlines()
    assert QUESTION.match(line).group("line", "column", "rule") == ("2", "3", rule)


def test_blocks_are_the_paragraphs_with_their_offsets():
    text = "One.\n\n  Two,\nstill two.\n \n\nThree."
    assert lint.blocks(text) == [(0, "One."), (8, "Two,\nstill two."), (27, "Three.")]


# -- findings and their places --------------------------------------------------------------------
def test_findings_land_on_the_original_line_and_character_column(engine, tmp_path):
    draft = tmp_path / "post.md"
    draft.write_text("---\ntitle: on alignment\n---\n# Notes\n\n"
                     "```\nalignment = 1\n```\n\n"
                     "🙂🙂 We made progress on alignment with AI models.\r\n"
                     "Is the `aligned` AI model aligned?\n", encoding="utf-8")
    status, out, err = run(engine, [str(draft)])
    assert status == 1 and err == ""
    lines = out.splitlines()
    assert [QUESTION.match(line).group("line", "column", "word") for line in lines] == [
        ("10", "24", "alignment"), ("11", "27", "aligned")]
    assert lines[0].startswith(f"{draft}:10:24: ambiguous \"alignment\": Progress on product alignment")
    assert lines[0].endswith("[progress-claim]")


def test_a_file_is_one_page(engine, tmp_path):
    alone, page = tmp_path / "alone.md", tmp_path / "page.md"
    alone.write_text("My essay is on alignment.\n")
    page.write_text("Large language models and AI agents are everywhere now.\n\nMy essay is on alignment.\n")
    assert run(engine, [str(alone)])[0] == 0
    status, out, _ = run(engine, [str(page)])
    assert status == 1 and out.startswith(f"{page}:3:16: ambiguous \"alignment\"")


def test_clean_file_exits_0_and_show_clear_lists_clear_uses(engine, tmp_path):
    draft = tmp_path / "clear.txt"
    draft.write_text("Superintelligence alignment is unsolved, and product alignment is going fine.\n")
    assert run(engine, [str(draft)]) == (0, "", "")
    status, out, _ = run(engine, ["--show-clear", str(draft)])
    assert status == 0
    assert [QUESTION.match(line).group("column", "sense") for line in out.splitlines()] == [
        ("19", "superintelligence"), ("54", "product")]


def test_disable_turns_a_rule_off_and_an_unknown_rule_is_a_usage_error(engine, tmp_path):
    draft = tmp_path / "d.md"
    draft.write_text("We made real progress on alignment with our AI models.\n")
    status, out, _ = run(engine, [str(draft)])
    assert status == 1 and "[progress-claim]" in out
    rule = QUESTION.match(out.splitlines()[0]).group("rule")
    remaining = run(engine, ["--disable", rule, str(draft)])
    assert f"[{rule}]" not in remaining[1]
    status, out, err = run(engine, ["--disable", "progress-claim", "--disable", "no-such-rule", str(draft)])
    assert status == 2 and out == ""
    assert "unknown rule id for --disable: no-such-rule" in err and "progress-claim" in err


def test_json_format_has_places_and_rewrites(engine, tmp_path):
    draft = tmp_path / "d.md"
    text = "# Draft 🙂\n\nIs the AI model aligned?\n"
    draft.write_text(text, encoding="utf-8")
    status, out, _ = run(engine, ["--format", "json", str(draft)])
    assert status == 1
    [entry] = json.loads(out)["files"]
    [finding] = entry["findings"]
    assert entry["path"] == str(draft)
    assert (finding["line"], finding["column"], finding["text"]) == (3, 17, "aligned")
    assert text[finding["start"]:finding["end"]] == "aligned"
    assert [(r["sense"], r["line"], r["column"], r["text"]) for r in finding["rewrites"]] == [
        ("product", 3, 17, "aligned in the product sense"), ("superintelligence", 3, 17, "aligned in the original sense")]
    made = text[:finding["rewrites"][1]["start"]] + finding["rewrites"][1]["text"] + text[finding["rewrites"][1]["end"]:]
    assert made == "# Draft 🙂\n\nIs the AI model aligned in the original sense?\n"
    sentence = finding["sentence"]
    assert text[sentence["start"]:sentence["end"]] == "Is the AI model aligned?"
    assert (sentence["line"], sentence["column"]) == (3, 1)


# -- reading ------------------------------------------------------------------------------------
def test_stdin_is_read_as_markdown(engine):
    status, out, _ = run(engine, ["-"], "Code: `alignment`.\n\nIs the AI model aligned?\n".encode())
    assert status == 1 and out.splitlines() == [
        out.splitlines()[0]] and out.startswith("<stdin>:3:17: ambiguous \"aligned\"")
    assert run(engine, ["-"], b"Nothing to see.\n") == (0, "", "")


def test_html_file(engine, tmp_path):
    page = tmp_path / "post.html"
    page.write_text('<html><head><title>Notes</title><style>.aligned{}</style></head>\n<body>'
                    '<p class="aligned">We made progress on <em>alignment</em> with AI models.</p>'
                    '<pre>alignment</pre></body></html>\n')
    status, out, _ = run(engine, [str(page)])
    assert status == 1
    assert [QUESTION.match(line).group("line", "column") for line in out.splitlines()] == [("2", "50")]


def test_read_errors_are_clear_and_exit_2_while_other_files_are_checked(engine, tmp_path, monkeypatch):
    good = tmp_path / "good.md"
    good.write_text("Is the AI model aligned?\n")
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\raligned")
    status, out, err = run(engine, [str(tmp_path), str(tmp_path / "missing.md"), str(binary), str(good),
                                    str(good / "inside.md")])
    assert status == 2
    assert out.startswith(f"{good}:1:17: ambiguous")
    assert err.splitlines() == [f"{tmp_path}: error: is a directory, not a file",
                                f"{tmp_path / 'missing.md'}: error: no such file",
                                f"{binary}: error: binary file (NUL bytes), not checked",
                                f"{good / 'inside.md'}: error: cannot read it: Not a directory"]


def test_an_unreadable_file(engine, tmp_path, monkeypatch):
    locked = tmp_path / "locked.md"
    locked.write_text("Is the AI model aligned?\n")
    if os.geteuid() != 0:  # root reads any file, so the permission error is also simulated below
        locked.chmod(0)
        assert run(engine, [str(locked)])[2] == f"{locked}: error: permission denied, cannot read it\n"
        locked.chmod(0o644)

    def refuse(self):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert run(engine, [str(locked)]) == (2, "", f"{locked}: error: permission denied, cannot read it\n")


def test_other_encodings(engine, tmp_path):
    windows = tmp_path / "windows.txt"
    windows.write_bytes("Is the AI model \u201caligned\u201d? It\u2019s unclear.\n".encode("cp1252"))
    status, out, err = run(engine, [str(windows)])
    assert status == 1 and out.startswith(f"{windows}:1:18: ambiguous \"aligned\"")
    assert err == f"{windows}: note: not UTF-8; read as Windows-1252\n"
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"Caf\xe9 \x81: is the AI model aligned?\n")  # 0x81 is undefined in cp1252
    status, out, err = run(engine, [str(latin)])
    assert status == 1 and ":1:25:" in out and "read as Latin-1" in err
    utf16 = tmp_path / "utf16.md"
    utf16.write_bytes("Is the AI model aligned?\n".encode("utf-16"))  # with its BOM
    status, out, err = run(engine, [str(utf16)])
    assert status == 1 and out.startswith(f"{utf16}:1:17:") and "UTF-16 (BOM)" in err
    bom8 = tmp_path / "bom.md"
    bom8.write_bytes(b"\xef\xbb\xbfIs the AI model aligned?\n")
    assert run(engine, [str(bom8)])[1].startswith(f"{bom8}:1:17:")


def test_decode_rules():
    assert lint.decode("é".encode()) == ("é", None)
    with pytest.raises(lint.ReadError, match="binary"):
        lint.decode(b"abc\x00def")
    assert lint.decode(codecs_bom("utf-16-be") + "hi".encode("utf-16-be"))[0] == "hi"


def codecs_bom(encoding):
    import codecs
    return {"utf-16-be": codecs.BOM_UTF16_BE}[encoding]


# -- the command and the pre-commit hook ------------------------------------------------------------
def test_usage_error_exits_2():
    result = subprocess.run([sys.executable, "-m", "server", "lint"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "FILE" in result.stderr


def test_pre_commit_hook_definition_runs(tmp_path):
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {"id", "name", "entry", "language"} <= hook.keys()
    assert hook["language"] == "python" and hook["entry"] == "python -m server lint"
    assert hook["types"] == ["text"] and set(hook["types_or"]) == {"markdown", "plain-text", "html"}
    from identify import identify  # the library pre-commit itself tags files with
    assert identify.tags_from_filename("post.md") >= {"text", "markdown"}
    assert identify.tags_from_filename("notes.txt") >= {"text", "plain-text"}
    assert identify.tags_from_filename("page.html") >= {"text", "html"}
    assert not set(hook["types_or"]) & identify.tags_from_filename("script.py")
    (tmp_path / "ok.md").write_text("Superintelligence alignment is unsolved.\n")
    (tmp_path / "vague.md").write_text("```\nalignment\n```\n\nIs the AI model aligned?\n")
    command = [sys.executable if word == "python" else word for word in shlex.split(hook["entry"])]
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # bytecode as tests/run.sh set it
    # pre-commit appends the staged files' names to the entry and runs it from the repository's root
    ok = subprocess.run(command + ["ok.md"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout == ""
    vague = subprocess.run(command + ["ok.md", "vague.md"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120)
    assert vague.returncode == 1
    assert vague.stdout.startswith('vague.md:5:17: ambiguous "aligned": ')
