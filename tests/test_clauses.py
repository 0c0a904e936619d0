"""Where sentence-wide rules look: the align word's own clause, near it, minus another use's qualifiers."""
from server import clauses
from server.engine import blank_english

NLP = blank_english()  # the engine's tokenizer, without loading the rules


def lowers(text: str) -> list[str]:
    return [t.lower_ for t in NLP.make_doc(text)]


def test_contrast_words_and_dashes_start_clauses():
    words = lowers("Chat models are aligned, but a superintelligence would not be — nobody knows")
    starts = clauses.clause_starts(words)
    assert [words[s] for s in starts[1:]] == ["but", "—"]


def test_yet_and_not_start_a_clause_only_after_a_comma():
    words = lowers("It is evidence about RLHF, not evidence that it is not yet aligned")
    assert [words[s] for s in clauses.clause_starts(words)[1:]] == ["not"]


def test_a_dash_that_lists_examples_stays_in_the_clause():
    assert clauses.clause_starts(lowers("aligned with human values—such as RLHF")) == [0]


def test_window_is_the_clause_clipped_to_reach():
    starts = [0, 30, 90]
    assert clauses.clause_window(starts, 100, 40) == (30, 61)
    assert clauses.clause_window(starts, 100, 35) == (30, 56)
    assert clauses.clause_window(starts, 100, 80) == (60, 91)
    assert clauses.clause_window(starts, 100, 95) == (90, 100)
    assert clauses.clause_window([0], 10, 3) == (0, 10)


def test_closeness_is_larger_for_nearer_matches():
    near = clauses.closeness(lambda lo, hi: lo <= 23 < hi, (0, 41), 20)   # 3 tokens away
    far = clauses.closeness(lambda lo, hi: lo <= 35 < hi, (0, 41), 20)    # 15 tokens away
    assert near == clauses.REACH + 1 - 3 and far == clauses.REACH + 1 - 15


def test_another_uses_qualifiers_are_blanked_but_an_infinitive_goal_is_not():
    def features(text):
        return [(t.text, t.lower_) for t in NLP.make_doc(text)]

    f = features("Does solving alignment say anything about ASI alignment ?")
    seen = clauses.without_others_qualifiers(f, 2, [7])
    assert seen[6] == ("", "") and seen[2] == f[2]
    f = features("They build a researcher and then align superintelligence .")
    seen = clauses.without_others_qualifiers(f, 3, [6])
    assert seen[5] == ("", "") and seen[7] == f[7] == ("superintelligence", "superintelligence")


def test_each_use_takes_the_side_of_its_own_clause(engine):
    text = "Current methods work on chatbots via RLHF, but aligning a superintelligence is unsolved."
    (findings,) = engine.analyze([text])
    assert [f["sense"] for f in findings] == ["superintelligence"]
    text = "Solving alignment for chatbots tells us little about ASI alignment."
    (findings,) = engine.analyze([text])
    assert [(f["text"], f["sense"]) for f in findings] == [("alignment", "ambiguous"), ("alignment", "superintelligence")]


def test_neighbours_are_the_other_align_words_inside_the_window():
    assert clauses.neighbours([2, 5, 9, 40], 1, 0, 20) == [2, 9]
    assert clauses.neighbours([2, 5, 9, 40], 3, 30, 50) == []
    assert clauses.neighbours([2, 5, 9, 40], 2, 4, 20) == [1]


def test_coordinated_uses_each_read_their_own_conjunct(engine):
    def features(text):
        return [(t.text, t.lower_) for t in NLP.make_doc(text)]

    f = features("aligning a chatbot to refuse bad requests and aligning a superintelligence")
    # For the first verb the words before "and" are its own; the other verb and its object are not.
    assert clauses.others_qualifiers(f, 0, [8]) == {8, 9, 10}
    # For the second, the first verb and its whole conjunct are the other's.
    assert clauses.others_qualifiers(f, 8, [0]) == set(range(0, 7))
    # A noun and a verb are not two conjuncts of one kind: only the qualifiers right beside are blanked.
    assert clauses.coordinator_between(features("alignment and aligning"), 0, 0, 2) is None
    text = ("Labs mostly target aligning chat assistants to user instructions or aligning systems far "
            "beyond human level.")
    (findings,) = engine.analyze([text])
    assert [f["sense"] for f in findings] == ["product", "superintelligence"]
