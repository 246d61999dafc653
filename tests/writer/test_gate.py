"""The writer's gate on hand-written cases (none from the blind set or the training pairs)."""

from app.writer.gate import check, invented, key_terms, missing_terms

MSG = "you forgot to book the vet for Biscuit again, the appointment was Tuesday at 4"


def test_a_faithful_soft_startup_passes():
    text = "I felt worried when the vet for Biscuit didn't get booked and the appointment on Tuesday at 4 passed. Could you call them today?"
    result = check(MSG, text, "softstart")
    assert result.passed, result.problems


def test_an_invented_name_or_number_fails():
    text = "I felt worried when the vet for Biscuit and Dr. Moreno weren't booked for Tuesday at 4. Could you call them by 6?"
    result = check(MSG, text, "softstart")
    assert not result.passed
    assert "Moreno" in result.invented and "6" in result.invented


def test_dropping_a_name_or_day_fails():
    text = "I felt worried about the vet appointment. Could you book it?"
    result = check(MSG, text, "softstart")
    assert not result.passed
    assert {"Biscuit", "Tuesday", "4"} <= set(result.missing)


def test_feeling_and_request_are_required():
    no_request = "The vet for Biscuit wasn't booked for Tuesday at 4, and I felt worried."
    no_feeling = "The vet for Biscuit wasn't booked for Tuesday at 4. Could you call them today?"
    assert "no request" in check(MSG, no_request).problems
    assert "no feeling" in check(MSG, no_feeling).problems


def test_harsh_markers_fail():
    text = "You always forget the vet for Biscuit on Tuesday at 4!! I felt worried. Could you call them today?"
    result = check(MSG, text)
    assert any(p.startswith("harsh") for p in result.problems)


def test_a_break_needs_twenty_minutes_and_a_return_and_may_add_its_time():
    msg = "I'm done. not talking about the mortgage tonight"
    good = "I'm getting overwhelmed talking about the mortgage tonight. Can we pause for 30 minutes and come back to it at 9?"
    short = "I'm getting overwhelmed talking about the mortgage tonight. Give me 10 minutes and I'll come back."
    no_return = "I'm getting overwhelmed talking about the mortgage tonight, so I need 30 minutes alone."
    assert check(msg, good, "break").passed, check(msg, good, "break").problems
    assert "a pause under 20 minutes" in check(msg, short, "break").problems
    assert "no return" in check(msg, no_return, "break").problems


def test_a_reply_validates_and_proposes_a_next_step():
    partner = "You never make time for my sister. Her graduation is Saturday."
    reply = "It sounds like you're hurt that I haven't made time for your sister. I'll come to her graduation on Saturday."
    assert check(partner, reply, "reply").passed, check(partner, reply, "reply").problems


def test_key_terms_and_invented_helpers():
    terms = key_terms("we said no phones at dinner and you texted Marco through the whole meal at Rosa's on Friday")
    assert {"Marco", "Rosa's", "Friday"} <= set(terms["names"])
    assert "meal" in terms["nouns"]
    assert invented("lunch with Sam", "I'd like lunch with Sam and Alex") == ["Alex"]
    assert invented("lunch with Sam", "Can we take 20 minutes and talk at 8:30?") == []
    assert missing_terms("the wet towels on the bedroom floor", "the towel on the floor", ["wet towels", "bedroom floor"]) == ["wet towels", "bedroom floor"]
