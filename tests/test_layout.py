"""The README's Layout section names every module a newcomer looks for, so it cannot drift from the tree."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def layout_block() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.search(r"^## Layout\n+```\n(.*?)```", readme, re.S | re.M).group(1)


def test_every_server_module_and_content_script_is_in_the_layout():
    named = set(re.findall(r"[\w.-]+\.(?:json|py|js)\b", layout_block()))
    files = [p for p in (REPO / "server").glob("*") if p.suffix in (".py", ".json") and p.name != "__init__.py"]
    files += list((REPO / "extension" / "content").glob("*.js"))
    missing = sorted(p.relative_to(REPO).as_posix() for p in files if p.name not in named)
    assert not missing, f"README Layout does not name: {missing}"
