"""Detection quality on the project's own labelled sentences stays above the product's bars.

tests/data/labelled*.jsonl were written for this project by teammates who had not seen the rules;
`python -m server evaluate tests/data/labelled.jsonl --show-errors` lists what it gets wrong.
"""
from pathlib import Path

import pytest

from server.evaluate import evaluate, load

LABELLED = sorted((Path(__file__).resolve().parent / "data").glob("labelled*.jsonl"))


@pytest.mark.parametrize("path", LABELLED, ids=[p.name for p in LABELLED])
def test_quality_bars(engine, path):
    # (The keyword baselines score F1 0.34-0.55 and false flags 6-100% on these sets, whatever the
    # rules do, so the bars below already put the rules far ahead of them; test_cli checks the
    # baselines' figures.)
    ours, _, _ = evaluate(engine, load(str(path)))
    assert ours["f1"] >= 0.90 and ours["precision"] >= 0.90
    assert ours["qualified"] >= 0.85
    assert ours["false_flag"] <= 0.03


HARD = sorted((Path(__file__).resolve().parent / "data").glob("hard-*.jsonl"))


@pytest.mark.parametrize("path", HARD, ids=[p.name for p in HARD])
def test_the_hard_sets_do_not_fall_back(engine, path):
    # hard-*.jsonl were written to be hard (ML papers whose "alignment" is technical, lab posts,
    # policy documents, dense essays where the side word sits in another clause); on first sight
    # they scored F1 0.782, 0.850, 0.844 and 0.850. Still below the product's bars, so this holds what has been
    # reached.
    ours, _, _ = evaluate(engine, load(str(path)))
    assert ours["f1"] >= 0.86 and ours["precision"] >= 0.88
    assert ours["qualified"] >= 0.85
    assert ours["false_flag"] <= 0.03
