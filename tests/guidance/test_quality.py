"""The evaluation set (bench/guide_eval.yaml): how often the right answer comes first and within three."""

from tests.guidance.test_search import EVAL, top


def test_the_evaluation_set_meets_its_hit_rates(db_session, guide):
    questions = EVAL["questions"]
    assert len(questions) >= 150
    first = within_three = 0
    missed = []
    for question, expected in questions:
        found = top(db_session, question)
        first += bool(found[:1] and found[0] in expected)
        if set(found[:3]) & set(expected):
            within_three += 1
        else:
            missed.append(question)
    assert within_three / len(questions) >= 0.90, missed
    assert first / len(questions) >= 0.75
