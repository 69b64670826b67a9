"""Spaces, chat links, roles and refusals, as users see them."""
from __future__ import annotations

from sqlmodel import func, select

from bot.i18n import translator
from bot.messages import ChatRef
from storage.models import ChatLink, Manager, Space
from tests.world import World

GROUP = ChatRef("telegram", "-100")


async def test_coordinator_creates_a_space_and_links_the_chat(world: World) -> None:
    world.member("cora", coordinator=True)
    [reply] = await world.say("cora", "/space create Make It Marseille | Marseille | fr | Europe/Paris | fr", chat=GROUP)
    assert reply == "Space Make It Marseille created (make-it-marseille) and linked to this chat."
    with world.sessions() as session:
        space = session.exec(select(Space)).one()
        assert (space.country, space.timezone, space.language) == ("FR", "Europe/Paris", "fr")
        assert session.exec(select(ChatLink)).one().chat_id == "-100"
    [directory] = await world.say("cora", "/spaces")
    assert "Make It Marseille (make-it-marseille), Marseille, France: 0 members, 0 here now" in directory


async def test_bad_space_fields_get_clear_errors_and_create_nothing(world: World) -> None:
    world.member("cora", coordinator=True)
    cases = {
        "/space create Hub | Rome | XX | Europe/Rome": "XX is not a two-letter country code (e.g. FR, IT, HR).",
        "/space create Hub | Rome | IT | Mars/Olympus": "Mars/Olympus is not a time zone I know (e.g. Europe/Paris).",
        "/space create Hub | Rome | IT | Europe/Rome | xx": "Unknown language xx. Choose one of: en, fr, it, es, el, hr, de, sl.",
        "/space create Hub | Rome": "Usage: /space create NAME | CITY | COUNTRY | TIMEZONE [| LANG]",
        f"/space create {'N' * 101} | Rome | IT | Europe/Rome": "Names are limited to 100 characters.",
        "/space link nowhere": "There is no space called nowhere. See /spaces.",
    }
    for command, error in cases.items():
        assert await world.say("cora", command, chat=GROUP) == [error], command
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Space)).one() == 0


async def test_members_are_refused_coordinator_and_manager_commands(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    assert await world.say("ana", "/space create X | Y | FR | Europe/Paris", space=space) == [
        "Only a network coordinator can do that."]
    assert await world.say("ana", "/manager add @bob", space=space) == ["Only a network coordinator can do that."]


async def test_link_and_unlink_a_chat(world: World) -> None:
    world.member("cora", coordinator=True)
    space = world.space("Hub")
    room = ChatRef("matrix", "!room:example.org")
    assert await world.say("cora", "/space link hub", chat=room) == ["This chat is now linked to Hub."]
    world.member("ana", space)
    await world.say("ana", "/checkin", chat=room)
    assert "Ana" in (await world.say("ana", "/here", space=space))[0]  # same space from Telegram
    assert await world.say("cora", "/space unlink", chat=room) == ["This chat is no longer linked to a space."]
    assert await world.say("cora", "/space unlink", chat=room) == ["This chat is not linked to any space."]


async def test_chat_admins_manage_their_space_and_keep_it_in_dm(world: World) -> None:
    space = world.space("Hub")
    world.member("max", space)
    await world.say("max", "/here", space=space, admin=True)
    with world.sessions() as session:
        assert session.exec(select(Manager)).one().source == "chat_admin"
    await world.say("max", "/here", space=space, admin=False)  # admin rights taken away
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Manager)).one() == 0


async def test_coordinator_appoints_a_manager(world: World) -> None:
    space = world.space("Hub")
    world.member("cora", coordinator=True)
    world.member("ana", space)
    assert await world.say("cora", "/manager add @ana", space=space) == ["Ana (@ana) now manages Hub."]
    [help_text] = await world.say("ana", "/help")
    assert await world.say("cora", "/manager remove @ana", space=space) == ["Ana (@ana) no longer manages Hub."]
    assert await world.say("cora", "/manager add @nobody", space=space) == [
        "I don't know @nobody yet: they need to talk to me once."]


async def test_help_depends_on_role_and_language(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    world.member("cora", space, coordinator=True)
    [member_help] = await world.say("ana", "/help")
    [coordinator_help] = await world.say("cora", "/help")
    assert "/checkin [note] [for 3h]" in member_help and "/space create" not in member_help
    assert "/space create" in coordinator_help
    await world.say("ana", "/lang fr")
    [french] = await world.say("ana", "/help")
    assert "/checkin [note] [pour 3h]" in french and french != member_help


async def test_unknown_command_and_plain_text(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    assert await world.say("ana", "/frobnicate", space=space) == [
        "Unknown command /frobnicate. Send /help to see what I can do."]
    assert await world.say("ana", "hello everyone", space=space) == []  # group chatter is not for the bot
    assert await world.say("ana", "hello") == ["I answer commands. Send /help to see them."]


async def test_matrix_users_see_their_prefix(world: World) -> None:
    world.member("@mia:example.org", platform="matrix")
    assert await world.say("@mia:example.org", "/nope") == [
        "Unknown command !nope. Send !help to see what I can do."]


async def test_rate_limit_stops_floods(world: World) -> None:
    world.core.rate_limiter.limit = 3
    world.member("ana")
    for _ in range(3):
        await world.say("ana", "/help")
    assert await world.say("ana", "/help") == ["You are sending commands too fast. Please wait a minute."]


async def test_start_sets_home_space_and_consents(world: World) -> None:
    space = world.space("Hub")
    world.member("ana")
    [text] = await world.say("ana", "/start")
    assert "Home space: —" in text
    [text] = await world.say("ana", "/start home hub")
    assert "Home space: Hub" in text
    [text] = await world.say("ana", "/start presence off")
    assert "visible in who is here: no" in text
    assert await world.say("ana", "/start presence maybe") == [
        "I did not understand that choice. Send /start to see the options."]
    await world.say("ana", "/checkin")  # in DM: home space
    assert "+1 other" in (await world.say("ana", "/here", space=space))[0]


async def test_first_words_in_a_space_chat_choose_the_home_space(world: World) -> None:
    hub = world.space("Hub")
    other = world.space("Other")
    await world.say("newbie", "/here", space=hub)
    await world.say("newbie", "/here", space=other)  # home stays the first space
    [text] = await world.say("newbie", "/start")
    assert "Home space: Hub" in text


async def test_an_admin_whose_first_command_fails_is_still_recorded_as_manager(world: World) -> None:
    space = world.space("Hub")
    world.member("max", space)
    assert (await world.replies("max", "/checkin " + "x" * 300, space=space, admin=True))[0].error
    await world.say("max", "/here", space=space, admin=True)
    [help_text] = await world.say("max", "/help")  # in DM: the stored role counts
    assert "/stats" in help_text


async def test_a_flood_is_refused_in_the_language_the_member_chose(world: World) -> None:
    """The flood reply comes before the member is loaded, yet speaks their /lang choice, not the platform's."""
    world.core.rate_limiter.limit = 2
    world.member("ana", lang="de")  # the platform (fake adapter) says nothing; /lang said German
    await world.say("ana", "/help")
    await world.say("ana", "/help")
    [refused] = await world.say("ana", "/help")
    assert refused != "You are sending commands too fast. Please wait a minute."
    assert refused == str(translator("de").t("You are sending commands too fast. Please wait a minute."))
