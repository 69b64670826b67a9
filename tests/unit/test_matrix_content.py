"""How replies look in a Matrix room, and how a homeserver's refusals reach the outbox."""
from __future__ import annotations

from markupsafe import Markup

from adapters.matrix_content import (
    delivery_error, file_content, normalize_reaction, reaction_commands, reply_content, typed_as_command,
)
from bot.messages import Button, Reply, RetryAfter


def test_commands_typed_with_the_matrix_prefix_become_core_commands() -> None:
    assert typed_as_command("!checkin logo work", "!") == "/checkin logo work"
    assert typed_as_command("  !here", "!") == "/here"
    assert typed_as_command("hello !here", "!") is None
    assert typed_as_command("!", "!") is None
    assert typed_as_command("cb here", "cb ") == "/here"


def test_a_reply_is_an_html_notice_with_buttons_listed_as_commands() -> None:
    reply = Reply(Markup("<b>Hub</b>\nline 2"), [[Button("<Hub & Co>", "/start home hub"), Button("👍 Going", "/rsvp 3 yes")]])
    content = reply_content(reply, "!")
    assert content["msgtype"] == "m.notice"
    assert content["formatted_body"].startswith("<b>Hub</b><br>line 2<br>")
    assert "&lt;Hub &amp; Co&gt;: <code>!start home hub</code>" in content["formatted_body"]
    assert content["body"] == "Hub\nline 2\n<Hub & Co>: !start home hub · 👍 Going: !rsvp 3 yes"


def test_only_rsvp_style_buttons_become_reactions() -> None:
    reply = Reply("x", [[Button("👍 Going", "/rsvp 3 yes"), Button("🤔 Maybe", "/rsvp 3 maybe"),
                         Button("👎 Not going", "/rsvp 3 no")], [Button("✅ Confirm", "/confirm 3")]])
    assert reaction_commands(reply) == {"👍": "/rsvp 3 yes", "🤔": "/rsvp 3 maybe", "👎": "/rsvp 3 no"}
    assert reaction_commands(Reply("x", [[Button("✅ Confirm", "/confirm 3")]])) == {}
    assert normalize_reaction("👍\ufe0f") == "👍"
    assert normalize_reaction("👍🏽") == "👍"


def test_refusals_map_to_wait_give_up_or_retry() -> None:
    limited = delivery_error("M_LIMIT_EXCEEDED", "Too Many Requests", 1500)
    assert isinstance(limited, RetryAfter) and limited.seconds == 1.5
    assert delivery_error("M_FORBIDDEN", "not in room", None).permanent
    assert not delivery_error("M_UNKNOWN", "oops", None).permanent


def test_a_file_in_an_encrypted_room_is_an_encrypted_file_not_a_url() -> None:
    keys = {"v": "v2", "iv": "IV", "hashes": {"sha256": "HASH"},
            "key": {"kty": "oct", "alg": "A256CTR", "ext": True, "k": "KEY", "key_ops": ["encrypt", "decrypt"]}}
    encrypted = file_content("mydata.json", "application/json", 42, "mxc://hs/abc", keys)
    assert "url" not in encrypted
    assert encrypted["file"] == {"url": "mxc://hs/abc", **keys}
    assert encrypted["msgtype"] == "m.file" and encrypted["info"] == {"mimetype": "application/json", "size": 42}
    plain = file_content("chart.png", "image/png", 7, "mxc://hs/def")
    assert plain["url"] == "mxc://hs/def" and "file" not in plain and plain["msgtype"] == "m.image"
