"""The Matrix adapter's direct rooms are rows keyed by the user's identity (``DirectChat``)."""
from __future__ import annotations

from sqlmodel import select

from storage.direct_chats import load_direct_chats, save_direct_chat
from storage.models import DirectChat
from tests.world import World


def test_direct_chats_are_saved_replaced_and_loaded_per_platform(world: World) -> None:
    save_direct_chat(world.sessions, "matrix", "@ana:hs", "!one:hs")
    save_direct_chat(world.sessions, "matrix", "@bob:hs", "!two:hs")
    save_direct_chat(world.sessions, "matrix", "@ana:hs", "!three:hs")  # ana's direct room moved
    save_direct_chat(world.sessions, "matrix", "@ana:hs", "!three:hs")  # unchanged: nothing to write
    save_direct_chat(world.sessions, "other", "@ana:hs", "elsewhere")
    assert load_direct_chats(world.sessions, "matrix") == {"@ana:hs": "!three:hs", "@bob:hs": "!two:hs"}
    assert load_direct_chats(world.sessions, "telegram") == {}
    with world.sessions() as session:
        assert len(session.exec(select(DirectChat).where(DirectChat.user_id == "@ana:hs")).all()) == 2
