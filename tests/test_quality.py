"""Detection quality on the project's own labelled sentences stays above its bars.

tests/data/labelled*.jsonl and hard-*.jsonl were written for this project by teammates who had not
seen the rules; `python -m server evaluate tests/data/labelled.jsonl --show-errors` lists what it
gets wrong.
"""
from pathlib import Path

import pytest

from server.evaluate import evaluate, load

DATA = Path(__file__).resolve().parent / "data"
# (min F1, min precision) per kind of set; qualified >= 0.85 and false flags <= 0.03 for every set.
# labelled*: mixed writing, held to the product's bars. hard-*: written to be hard (ML papers whose
# "alignment" is technical, lab posts, policy documents, dense essays where the side word sits in
# another clause); on first sight F1 0.782, 0.850, 0.844 and 0.850, still below the product's bars,
# so they hold what has been reached.
BARS = {"labelled": (0.90, 0.90), "hard": (0.86, 0.88)}
SETS = sorted(p for kind in BARS for p in DATA.glob(f"{kind}*.jsonl"))


@pytest.mark.parametrize("path", SETS, ids=[p.name for p in SETS])
def test_quality_bars(engine, path):
    # (The keyword baselines score F1 0.27-0.55 and false flags 6-100% on these sets, whatever the
    # rules do, so the bars below already put the rules far ahead of them; test_cli checks the
    # baselines' figures.)
    min_f1, min_precision = next(bars for kind, bars in BARS.items() if path.name.startswith(kind))
    ours, _, _ = evaluate(engine, load(str(path)))
    assert ours["f1"] >= min_f1 and ours["precision"] >= min_precision
    assert ours["qualified"] >= 0.85
    assert ours["false_flag"] <= 0.03
