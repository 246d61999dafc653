"""Issue 13: rewrites built from the sender's own message, through POST /v1/rewrite.

One test per failure kind the issue lists under "Why".
"""

from __future__ import annotations

import re

from app.api.rewrite import RewriteResponse


def rewrite(client, message, **extra) -> RewriteResponse:
    response = client.post("/v1/rewrite", json={"message": message, **extra})
    assert response.status_code == 200, response.text
    return RewriteResponse.model_validate(response.json())


def test_red_light_scare_keeps_its_subject_not_childcare(client):
    body = rewrite(client, "you ran that red light with the kids in the back. what is wrong with you")
    text = body.rewrite.lower()
    assert "red light" in text and "kids in the back" in text
    assert "childcare" not in text and "wrong with you" not in text
    assert "scared" in text


def test_friends_barbecue_keeps_sunday_and_whose_friends(client):
    body = rewrite(client, "you always bail on my friends; please come to Lee's barbecue on Sunday")
    text = body.rewrite
    assert "Lee's barbecue" in text and "Sunday" in text
    assert "my friends" in text and "your friends" not in text
    assert "always" not in text.lower()


def test_dentist_defensiveness_is_no_false_confession(client):
    body = rewrite(client, "I didn't forget, you never told me about the dentist appointment")
    text = body.rewrite.lower()
    assert "dentist appointment" in text
    assert not re.search(r"\bi forgot\b|you're right, i forgot", text)
    assert "didn't forget" in text  # what the sender disputes is kept
    assert "never" not in text


def test_stop_going_on_about_the_laundry_keeps_roles(client):
    body = rewrite(client, "stop going on about the laundry")
    text = body.rewrite.lower()
    assert "laundry" in text
    assert not re.search(r"help me with the laundry|could you (?:do|help with) the laundry", text)


def test_partner_words_get_a_reply_not_a_rewrite(client):
    partner = "You never have time for me anymore."
    body = rewrite(client, f'he wrote: "{partner}" what do I say back?')
    assert body.kind == "reply"
    assert partner.lower() not in body.rewrite.lower()
    assert "?" in body.rewrite  # a next step
    given = rewrite(client, "Why are you so upset again?", context=partner)
    assert given.kind == "reply"
    assert "you never have time" not in given.rewrite.lower()


def test_three_alternatives_are_different_approaches(client):
    body = rewrite(client, "You never text me back. Do you even care about me?")
    texts = [a.text for a in body.alternatives]
    assert len(texts) >= 3 and len(set(texts)) == len(texts)
    assert body.rewrite not in texts
    tones = {a.tone for a in body.alternatives}
    assert {"brief", "warm", "name_the_pattern"} <= tones
    # not one text with a preamble: no alternative contains another whole
    for a in texts:
        assert sum(1 for b in texts if b != a and b in a) == 0


def test_break_keeps_the_topic_and_does_not_trip_the_abuse_screen(client):
    body = rewrite(client, "I'm done talking about your mom's visit. Leave me alone.")
    assert body.kind == "break"
    text = body.rewrite
    assert "your mom's visit" in text
    minutes = [int(m) for m in re.findall(r"(\d+)[- ]minute", text)]
    assert minutes and min(minutes) >= 20
    # the break script itself, sent on, reads as a break to the safety screen, not a threat
    screened = client.post("/v1/rewrite", json={"message": text}).json()
    assert screened["safety"]["level"] in ("none", "low"), screened["safety"]


def test_explanation_never_claims_a_break_that_is_not_there(client):
    body = rewrite(client, "You never text me back. Do you even care about me?")
    for change in body.explanation:
        assert change.after == "" or change.after in body.rewrite


def test_only_emoji_gets_an_honest_note_not_a_generic_sentence(client):
    response = client.post("/v1/rewrite", json={"message": "😡😡😡 🙄"})
    assert response.status_code == 200
    body = RewriteResponse.model_validate(response.json())
    assert body.rewrite == "😡😡😡 🙄" or body.rewrite is None or body.unchanged
    assert "?" in body.note or body.unchanged
