"""Two partners through the HTTP API, on SQLite and PostgreSQL: invite, join, private by default,
sharing, the Together view, agreement, leaving and deleting, and safety for two."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.sessions.store.couples import CoupleStore

A_PRIVATE = "He hasn't answered my texts all evening and I keep sending more. I feel so alone."
B_PRIVATE = "When she keeps texting I feel crowded and I go quiet until I can think again."
A_SHARE = "I feel lonely in the evenings and I miss talking with you."
B_SUMMARY = "I get overwhelmed and need some quiet, but I do want to come back to you."
FEAR = "I'm afraid of him, he pushed me against the wall"
HOTLINE = "1-800-799-7233"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def start(client) -> tuple[str, dict]:
    created = client.post("/v1/sessions").json()
    return created["id"], bearer(created["token"])


def couple(client) -> tuple[tuple[str, dict], tuple[str, dict]]:
    a_id, a = start(client)
    invite = client.post(f"/v1/sessions/{a_id}/invite", headers=a)
    assert invite.status_code == 201, invite.text
    assert invite.json()["link"].endswith(invite.json()["code"])
    joined = client.post("/v1/together/join", json={"code": invite.json()["code"], "role": "distancer"})
    assert joined.status_code == 201, joined.text
    return (a_id, a), (joined.json()["id"], bearer(joined.json()["token"]))


def say(client, session_id: str, headers: dict, text: str) -> dict:
    response = client.post(f"/v1/sessions/{session_id}/messages", json={"text": text}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_partners_chat_privately_share_one_thing_each_and_meet_in_the_together_view(chat_client):
    (a_id, a), (b_id, b) = couple(chat_client)
    assert chat_client.get(f"/v1/sessions/{a_id}/together", headers=a).json()["status"] == "open"
    a_turn = say(chat_client, a_id, a, A_PRIVATE)
    say(chat_client, a_id, a, A_SHARE)
    say(chat_client, b_id, b, B_PRIVATE)

    shared_seq = a_turn["user_message"]["seq"] + 2  # A's second message
    assert chat_client.post(f"/v1/sessions/{a_id}/together/share", json={"seq": shared_seq}, headers=a).status_code == 201
    draft = chat_client.get(f"/v1/sessions/{b_id}/together/draft", headers=b).json()["text"]
    assert draft and "crowded" in draft  # drafted from B's own words, for B to edit
    assert chat_client.post(f"/v1/sessions/{b_id}/together/share", json={"text": B_SUMMARY}, headers=b).status_code == 201

    for me, headers, own_private, other_private in ((a_id, a, A_PRIVATE, B_PRIVATE), (b_id, b, B_PRIVATE, A_PRIVATE)):
        view = chat_client.get(f"/v1/sessions/{me}/together", headers=headers)
        assert view.status_code == 200
        body = view.json()
        texts = {(s["author"], s["text"]) for s in body["shared"]}
        assert len(texts) == 2 and {t for _, t in texts} == {A_SHARE, B_SUMMARY}
        assert other_private not in view.text and own_private not in view.text
        assert body["cycle"] and len(body["reflections"]) == 2 and body["common_ground"]
        assert {s["who"] for s in body["steps"]} == {"you", "partner"}
        assert {t["id"] for t in body["techniques"]} == {"name_the_dance", "break_with_return", "negotiate_space"}
    b_view = chat_client.get(f"/v1/sessions/{b_id}/together", headers=b).json()
    b_step = next(s for s in b_view["steps"] if s["who"] == "you")
    assert b_step["role"] == "distancer" and "come find you" in b_step["text"]  # a return time

    agreed = chat_client.post(f"/v1/sessions/{b_id}/together/agree", headers=b).json()
    assert next(s for s in agreed["steps"] if s["who"] == "you")["agreed"] is True
    a_sees = chat_client.get(f"/v1/sessions/{a_id}/together", headers=a).json()
    assert next(s for s in a_sees["steps"] if s["who"] == "partner")["agreed"] is True


def test_a_token_never_reaches_the_partners_session_on_any_route(chat_client):
    (a_id, a), (b_id, b) = couple(chat_client)
    say(chat_client, a_id, a, A_PRIVATE)
    say(chat_client, b_id, b, B_PRIVATE)
    for mine, theirs, headers in ((b_id, a_id, b), (a_id, b_id, a)):
        calls = [
            ("GET", f"/v1/sessions/{theirs}/messages", None),
            ("POST", f"/v1/sessions/{theirs}/messages", {"text": "hello"}),
            ("DELETE", f"/v1/sessions/{theirs}", None),
            ("POST", f"/v1/sessions/{theirs}/invite", None),
            ("GET", f"/v1/sessions/{theirs}/together", None),
            ("POST", f"/v1/sessions/{theirs}/together/share", {"seq": 1}),
            ("GET", f"/v1/sessions/{theirs}/together/draft", None),
            ("POST", f"/v1/sessions/{theirs}/together/agree", None),
            ("PUT", f"/v1/sessions/{theirs}/together/role", {"role": "pursuer"}),
            ("POST", f"/v1/sessions/{theirs}/together/leave", None),
        ]
        for method, path, body in calls:
            response = chat_client.request(method, path, json=body, headers=headers)
            assert response.status_code == 404, (method, path, response.status_code)
            assert response.json() == {"detail": "session not found"}
        # Only one's own messages can be shared: the partner's seq numbers mean one's own session.
        response = chat_client.post(f"/v1/sessions/{mine}/together/share", json={"seq": 2}, headers=headers)
        assert response.status_code == 404  # seq 2 is the coach's reply, never shareable
    for me, headers, other_private in ((a_id, a, B_PRIVATE), (b_id, b, A_PRIVATE)):
        for path in ("messages", "together", "together/draft"):
            assert other_private not in chat_client.get(f"/v1/sessions/{me}/{path}", headers=headers).text


def test_used_expired_and_wrong_codes_get_the_same_404(chat_client, chat_services):
    a_id, a = start(chat_client)
    code = chat_client.post(f"/v1/sessions/{a_id}/invite", headers=a).json()["code"]
    assert chat_client.post("/v1/together/join", json={"code": code}).status_code == 201
    used = chat_client.post("/v1/together/join", json={"code": code})

    c_id, c = start(chat_client)
    chat_client.post(f"/v1/sessions/{c_id}/invite", headers=c)
    couples = CoupleStore(chat_services.db_engine)
    space_id = couples.participant(c_id).space_id
    couples.add_invite(space_id, "an-expired-code", timedelta(minutes=-1))
    expired = chat_client.post("/v1/together/join", json={"code": "an-expired-code"})
    wrong = chat_client.post("/v1/together/join", json={"code": "no-such-code"})

    for response in (used, expired, wrong):
        assert response.status_code == 404
        assert response.json() == {"detail": "invite not found"}


def test_safety_for_two_closes_the_space_neutrally_and_never_offers_joint_work(chat_client):
    (a_id, a), (b_id, b) = couple(chat_client)
    chat_client.post(f"/v1/sessions/{a_id}/together/share", json={"text": A_SHARE}, headers=a)
    turn = say(chat_client, b_id, b, FEAR)  # B is afraid of A, privately

    assert turn["safety"]["level"] == "crisis" and turn["safety"]["kind"] == "abuse"
    assert HOTLINE in " ".join(r["contact"] for r in turn["safety"]["resources"])  # resources, privately to B
    a_view = chat_client.get(f"/v1/sessions/{a_id}/together", headers=a).json()
    b_view = chat_client.get(f"/v1/sessions/{b_id}/together", headers=b).json()
    for view in (a_view, b_view):
        assert view["status"] == "closed" and view["steps"] == [] and view["shared"] == [] and view["techniques"] == []
    assert a_view["message"] == b_view["message"]
    for word in ("safety", "afraid", "abuse", "risk", "hotline", "pushed"):
        assert word not in a_view["message"].lower()
    # The same neutral message as when a partner simply leaves: nothing to tell the two apart.
    (c_id, c), (d_id, d) = couple(chat_client)
    assert chat_client.post(f"/v1/sessions/{d_id}/together/leave", headers=d).status_code == 204
    assert chat_client.get(f"/v1/sessions/{c_id}/together", headers=c).json()["message"] == a_view["message"]
    # No joint work again for the person at risk; sharing and agreeing are closed for both.
    assert chat_client.post(f"/v1/sessions/{b_id}/invite", headers=b).status_code == 409
    assert chat_client.post(f"/v1/sessions/{a_id}/together/share", json={"text": "x"}, headers=a).status_code == 409
    assert chat_client.post(f"/v1/sessions/{b_id}/together/agree", headers=b).status_code == 409
    later = say(chat_client, b_id, b, "What should I do tonight?")
    assert "together" not in " ".join(later["composition"])


def test_leaving_erases_the_leavers_messages_everywhere_and_closes_the_space(chat_client, chat_backend, chat_services):
    (a_id, a), (b_id, b) = couple(chat_client)
    secret = "my secret evening sentence zq7"
    say(chat_client, a_id, a, secret)
    chat_client.post(f"/v1/sessions/{a_id}/together/share", json={"seq": 1}, headers=a)
    assert secret in chat_client.get(f"/v1/sessions/{b_id}/together", headers=b).text

    assert chat_client.post(f"/v1/sessions/{a_id}/together/leave", headers=a).status_code == 204

    b_view = chat_client.get(f"/v1/sessions/{b_id}/together", headers=b)
    assert b_view.json()["status"] == "closed" and secret not in b_view.text
    assert chat_client.get(f"/v1/sessions/{a_id}/messages", headers=a).status_code == 404
    if chat_backend == "sqlite":
        database = Path(chat_services.db_engine.url.database)
        for path in database.parent.iterdir():
            assert secret.encode() not in path.read_bytes(), path.name


def test_deleting_a_session_closes_the_shared_space(chat_client):
    (a_id, a), (b_id, b) = couple(chat_client)
    assert chat_client.delete(f"/v1/sessions/{b_id}", headers=b).status_code == 204
    assert chat_client.get(f"/v1/sessions/{a_id}/together", headers=a).json()["status"] == "closed"


def test_a_session_alone_and_waiting(chat_client):
    a_id, a = start(chat_client)
    assert chat_client.get(f"/v1/sessions/{a_id}/together", headers=a).json()["status"] == "alone"
    chat_client.post(f"/v1/sessions/{a_id}/invite", headers=a)
    waiting = chat_client.get(f"/v1/sessions/{a_id}/together", headers=a).json()
    assert waiting["status"] == "waiting" and waiting["message"]
    assert chat_client.put(f"/v1/sessions/{a_id}/together/role", json={"role": "pursuer"}, headers=a).status_code == 204
    assert chat_client.get(f"/v1/sessions/{a_id}/together", headers=a).json()["your_role"] == "pursuer"
    bad = chat_client.post(f"/v1/sessions/{a_id}/together/share", json={"seq": 1, "text": "both"}, headers=a)
    assert bad.status_code == 422
