from __future__ import annotations

import pytest

from app.answer.forms import QuestionForm, classify


@pytest.mark.parametrize(
    ("question", "form"),
    [
        ("How long should I wait?", QuestionForm.HOW_LONG),
        ("how much time does a break need", QuestionForm.HOW_LONG),
        ("How often should we check in?", QuestionForm.HOW_OFTEN),
        ("What is the protest polka?", QuestionForm.WHAT_IS),
        ("what does stonewalling mean", QuestionForm.WHAT_IS),
        ("Why does he shut down?", QuestionForm.WHY),
        ("Is this normal for new parents?", QuestionForm.IS_NORMAL),
        ("Should we see a couples therapist?", QuestionForm.SHOULD_I),
        ("What can I do instead of shutting down?", QuestionForm.WHAT_CAN_I_DO),
        ("how do i ask for space", QuestionForm.WHAT_CAN_I_DO),
        ("What happens if the pursuer stops pursuing?", QuestionForm.WHAT_HAPPENS),
        ("pursuers and distancers", QuestionForm.OTHER),
    ],
)
def test_question_forms(question, form):
    assert classify(question) is form
