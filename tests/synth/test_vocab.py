"""The vocabulary: shared subjects pair institutions so that a subject alone leaves the label open."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace

from munseo.synth import (
    INSTITUTIONS,
)
from munseo.synth.content import Context
from munseo.synth.difficulty import difficulty
from munseo.synth.vocab import SHARED_SUBJECTS, institution, own_topics, shared_topics


def test_shared_subjects_leave_the_institution_open() -> None:
    paired = [label for pair, _ in SHARED_SUBJECTS for label in pair]
    assert sorted(paired) == sorted(INSTITUTIONS)  # every institution has one neighbour
    always = replace(difficulty("realistic"), shared=1.0)
    for pair, subjects in SHARED_SUBJECTS:
        for label in pair:
            inst = institution(label)
            assert not {t.subject for t in own_topics(inst)} & set(subjects)
            assert {t.subject for _, t in shared_topics(inst)} == set(subjects)
        # a shared-subject document of either institution draws from the same subjects, each in its
        # own field (its ministries and officials follow the subject, not the label)
        drawn = {label: Counter() for label in pair}
        for seed, label in itertools.product(range(150), pair):
            context = Context(random.Random(seed), label, always)
            assert context.topic.subject in subjects and context.topic_inst.label in pair
            drawn[label][context.topic.subject] += 1
        assert set(drawn[pair[0]]) == set(drawn[pair[1]]) == set(subjects)
    assert difficulty("realistic").shared == 0.0 and difficulty("hard").shared > 0.0
