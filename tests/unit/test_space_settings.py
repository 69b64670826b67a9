"""Space settings as managers set them and members meet them: hours, capacity, language, address."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.messages import ChatRef
from bot.space_import import import_spaces
from storage.models import Space
from tests.world import World

HOURS = "Mo-Fr 08:00-19:00, Sa 09:00-13:00"


def stored(world: World, slug: str) -> Space:
    with world.sessions() as session:
        return session.exec(select(Space).where(Space.slug == slug)).one()


async def test_a_manager_sets_the_hours_capacity_language_and_address(world: World) -> None:
    hub = world.space("Hub")
    world.member("max", hub, manager=True)
    assert await world.say("max", f"/space set hours {HOURS}", space=hub) == [
        "Opening hours of Hub: Mon–Fri 08:00–19:00; Sat 09:00–13:00 (open now)."]
    assert await world.say("max", "/space set capacity 40", space=hub) == ["Hub has 40 desks."]
    assert await world.say("max", "/space set address 12 Rue de la Paix, Marseille", space=hub) == [
        "Address of Hub: 12 Rue de la Paix, Marseille"]
    assert await world.say("max", "/space set lang hr", space=hub) == ["Hub now speaks hrvatski."]
    space = stored(world, "hub")
    assert (space.opening_hours, space.capacity, space.address, space.language) == (
        "Mo-Fr 08:00-19:00; Sa 09:00-13:00", 40, "12 Rue de la Paix, Marseille", "hr")
    # Max has no language of his own: he now reads the space's, with its 24-hour times.
    assert await world.say("max", "/space set", space=hub) == [
        "Hub (hub), Marseille, Francuska\n"
        "Radno vrijeme: pon–pet 08:00–19:00; sub 09:00–13:00 (sada otvoreno)\n"
        "Kapacitet: 40 radnih mjesta\nJezik: hrvatski\nAdresa: 12 Rue de la Paix, Marseille\n"
        "Promijeni postavku naredbom /space set hours|capacity|lang|address VRIJEDNOST."]


async def test_settings_are_cleared_with_a_dash(world: World) -> None:
    hub = world.space("Hub")
    world.member("max", hub, manager=True)
    for command in (f"hours {HOURS}", "capacity 40", "address Port 1"):
        await world.say("max", f"/space set {command}", space=hub)
    assert await world.say("max", "/space set hours -", space=hub) == [
        "Hub has no opening hours any more: check-ins end at 20:00."]
    assert await world.say("max", "/space set capacity -", space=hub) == ["Hub has no capacity any more."]
    assert await world.say("max", "/space set address -", space=hub) == ["Hub has no address any more."]
    space = stored(world, "hub")
    assert (space.opening_hours, space.capacity, space.address) == ("", None, "")


async def test_only_the_spaces_managers_and_coordinators_may_set_and_only_coordinators_create(world: World) -> None:
    alpha, beta = world.space("Alpha"), world.space("Beta")
    world.member("ana", alpha)
    world.member("max", alpha, manager=True)
    world.member("cora", coordinator=True)
    assert await world.say("ana", "/space set capacity 9", space=alpha) == ["Only a manager of Alpha can do that."]
    assert await world.say("max", "/space set beta capacity 9", space=alpha) == ["Only a manager of Beta can do that."]
    assert await world.say("max", "/space set capacity 9", space=beta) == ["Only a manager of Beta can do that."]
    assert await world.say("max", "/space create X | Y | FR | Europe/Paris", space=alpha) == [
        "Only a network coordinator can do that."]
    assert await world.say("max", "/space unlink", space=alpha) == ["Only a network coordinator can do that."]
    assert await world.say("max", "/space set alpha capacity 9") == ["Alpha has 9 desks."]  # by slug, from the DM
    assert await world.say("cora", "/space set beta capacity 12") == ["Beta has 12 desks."]
    assert (stored(world, "alpha").capacity, stored(world, "beta").capacity) == (9, 12)
    [member_help] = await world.say("ana", "/help", space=alpha)
    [manager_help] = await world.say("max", "/help", space=alpha)
    assert "/space " not in member_help and "set [SLUG] hours|capacity|lang|address VALUE" in manager_help


async def test_bad_values_are_refused_in_the_readers_language_and_change_nothing(world: World) -> None:
    hub = world.space("Hub")
    world.member("max", hub, manager=True)
    world.member("rémi", hub, manager=True, lang="fr")
    cases = {
        "/space set hours Mo-Fr": "I could not read “Mo-Fr” as opening hours. Write them like Mo-Fr 08:00-19:00, "
                                  "Sa 09:00-13:00: days Mo Tu We Th Fr Sa Su, times 08:00-19:00, “off” for a closed day.",
        "/space set hours PH 10:00-12:00": "I don't know the day “PH”. Write opening hours like Mo-Fr 08:00-19:00, "
                                           "Sa 09:00-13:00: days Mo Tu We Th Fr Sa Su.",
        "/space set hours Mo 19:00-08:00": "“19:00-08:00” ends before it starts. Write opening hours like Mo-Fr "
                                           "08:00-19:00, Sa 09:00-13:00 (times past midnight are not supported).",
        "/space set hours Mo 08:00-25:00": "“25:00” is not a time of day. Write opening hours like Mo-Fr 08:00-19:00, "
                                           "Sa 09:00-13:00.",
        "/space set capacity 0": "A capacity is a number of desks from 1 to 10000.",
        "/space set capacity many": "A capacity is a number of desks from 1 to 10000.",
        "/space set capacity 99999999999999999999": "A capacity is a number of desks from 1 to 10000.",
        "/space set lang xx": "Unknown language xx. Choose one of: en, fr, it, es, el, hr, de, sl.",
        f"/space set address {'a' * 201}": "An address is limited to 200 characters (yours has 201).",
        "/space set colour blue": "Usage: /space set [SLUG] hours|capacity|lang|address VALUE (“-” clears hours, "
                                  "capacity or address).",
        "/space set hours": "Usage: /space set [SLUG] hours|capacity|lang|address VALUE (“-” clears hours, "
                            "capacity or address).",
    }
    for command, error in cases.items():
        assert await world.say("max", command, space=hub) == [error], command
    assert await world.say("rémi", "/space set hours lun-ven 8h-19h, sam 9h-13h, dim fermé", space=hub) == [
        "Horaires d’ouverture de Hub : lun.–ven. 08:00–19:00; sam. 09:00–13:00 (ouvert maintenant)."]
    assert await world.say("rémi", "/space set hours Mo-Xy 8-19", space=hub) == [
        "Je ne connais pas le jour « Xy ». Écris les horaires comme Mo-Fr 08:00-19:00, Sa 09:00-13:00 : "
        "jours Mo Tu We Th Fr Sa Su."]
    space = stored(world, "hub")
    assert (space.opening_hours, space.capacity, space.address, space.language) == (
        "Mo-Fr 08:00-19:00; Sa 09:00-13:00", None, "", "en")


async def test_an_address_is_shown_as_text_never_as_markup(world: World) -> None:
    hub = world.space("Hub")
    world.member("max", hub, manager=True)
    [reply] = await world.replies("max", "/space set address <b>Dock</b> & Co\n  Pier 4", space=hub)
    assert reply.text == "Address of <b>Hub</b>: &lt;b&gt;Dock&lt;/b&gt; &amp; Co Pier 4"
    assert stored(world, "hub").address == "<b>Dock</b> & Co Pier 4"


async def test_here_counts_against_the_capacity(world: World) -> None:
    hub = world.space("Hub")
    world.member("max", hub, manager=True)
    world.member("ana", hub)
    await world.say("max", "/space set capacity 40", space=hub)
    await world.say("ana", "/checkin", space=hub)
    await world.say("max", "/checkin", space=hub)
    [text] = await world.say("ana", "/here", space=hub)
    assert text.splitlines()[0] == "Hub: 2 / 40 people here now"


async def test_checkins_end_at_that_days_closing(world: World) -> None:
    hub = world.space("Hub")  # Europe/Paris; the clock starts on Wednesday 10:00 there
    world.member("max", hub, manager=True)
    await world.say("max", "/space set hours Mo-Fr 08:00-12:00,14:00-19:00; Sa 09:00-13:00", space=hub)
    assert await world.say("max", "/checkin", space=hub) == ["Checked in at Hub until 19:00. Welcome!"]
    world.clock.advance(hours=8, minutes=59)  # 18:59
    assert "1 person here now" in (await world.say("max", "/here", space=hub))[0]
    world.clock.advance(minutes=2)
    assert await world.say("max", "/here", space=hub) == ["Nobody is checked in at Hub right now."]
    # after closing: the coming midnight
    assert await world.say("max", "/checkin", space=hub) == ["Checked in at Hub until 00:00. Welcome!"]
    world.clock.advance(days=2, hours=14)  # Saturday 09:01
    assert await world.say("max", "/checkin", space=hub) == ["Checked in at Hub until 13:00. Welcome!"]
    world.clock.advance(days=1)  # Sunday, closed: the space's closing time
    assert await world.say("max", "/checkin", space=hub) == ["Checked in at Hub until 20:00. Welcome!"]


async def test_spaces_shows_open_or_closed_in_each_spaces_zone_and_who_is_in(world: World) -> None:
    paris = world.space("Paris Hub", city="Paris")
    tokyo = world.space("Tokyo Hub", city="Tokyo", country="JP", tz="Asia/Tokyo")
    world.member("cora", coordinator=True)
    world.member("ana", paris)
    for slug in ("paris-hub", "tokyo-hub"):  # 10:00 in Paris is 18:00 in Tokyo
        await world.say("cora", f"/space set {slug} hours Mo-Fr 09:00-17:00")
    await world.say("cora", "/space set paris-hub capacity 40")
    await world.say("ana", "/checkin", space=paris)
    [directory] = await world.say("ana", "/spaces")
    assert directory.splitlines() == [
        "Spaces of the network",
        "• Paris Hub (paris-hub), Paris, France: 1 member, 1 / 40 here now, open now",
        "• Tokyo Hub (tokyo-hub), Tokyo, Japan: 0 members, 0 here now, closed now",
    ]
    assert tokyo.id


async def test_a_space_speaks_its_countrys_language_unless_told(world: World) -> None:
    world.member("cora", coordinator=True)
    created = {
        "Luka | Split | HR | Europe/Zagreb": "hr", "Kocka | Ljubljana | SI | Europe/Ljubljana": "sl",
        "Agora | Athens | GR | Europe/Athens": "el", "Haus | Wien | AT | Europe/Vienna": "de",
        "Loft | Madrid | ES | Europe/Madrid": "es", "Casa | Roma | IT | Europe/Rome": "it",
        "Ruche | Lyon | FR | Europe/Paris": "fr", "Werk | Berlin | DE | Europe/Berlin": "de",
        "Garage | Austin | US | America/Chicago": "en", "Fabrik | Zagreb | HR | Europe/Zagreb | de": "de",
    }
    for n, fields in enumerate(created):
        await world.say("cora", f"/space create {fields}", chat=ChatRef("telegram", f"-10{n}"))
    with world.sessions() as session:
        assert {s.name: s.language for s in session.exec(select(Space))} == {
            fields.split(" | ")[0]: lang for fields, lang in created.items()}
    luka = stored(world, "luka")
    world.member("iva", luka)  # no language of her own: she reads the space's, with its formats
    assert await world.say("iva", "/checkin", space=luka) == [
        "Check-in u prostoru Luka vrijedi do 20:00. Drago nam je što si tu!"]


def test_import_reads_hours_capacity_and_address(world: World, tmp_path: Path) -> None:
    csv = tmp_path / "spaces.csv"
    csv.write_text('name,city,country,timezone,hours,capacity,address\n'
                   'Luka,Split,HR,Europe/Zagreb,"Mo-Fr 08:00-19:00, Sa 09:00-13:00",40,"Obala 1, Split"\n'
                   'Kocka,Ljubljana,SI,Europe/Ljubljana,,,\n', encoding="utf-8")
    assert import_spaces(world.sessions, csv) == (2, [])
    luka, kocka = stored(world, "luka"), stored(world, "kocka")
    assert (luka.language, luka.opening_hours, luka.capacity, luka.address) == (
        "hr", "Mo-Fr 08:00-19:00; Sa 09:00-13:00", 40, "Obala 1, Split")
    assert (kocka.language, kocka.opening_hours, kocka.capacity, kocka.address) == ("sl", "", None, "")
    headless = tmp_path / "more.csv"
    headless.write_text("Agora,Athens,GR,Europe/Athens,,Mo-Su 10:00-22:00,12\n", encoding="utf-8")
    assert import_spaces(world.sessions, headless) == (1, [])
    agora = stored(world, "agora")
    assert (agora.language, agora.opening_hours, agora.capacity) == ("el", "Mo-Su 10:00-22:00", 12)


def test_import_refuses_bad_settings_and_creates_nothing(world: World, tmp_path: Path) -> None:
    csv = tmp_path / "spaces.csv"
    csv.write_text("Luka,Split,HR,Europe/Zagreb,hr,Mo-Fr 8-25\n"
                   "Kocka,Ljubljana,SI,Europe/Ljubljana,,,lots\n"
                   "Agora,Athens,GR,Europe/Athens,,,,,extra\n", encoding="utf-8")
    assert import_spaces(world.sessions, csv) == (0, [
        "line 1: “25” is not a time of day. Write opening hours like Mo-Fr 08:00-19:00, Sa 09:00-13:00.",
        "line 2: A capacity is a number of desks from 1 to 10000.",
        "line 3: 9 columns, at most 8 expected",
    ])
    header = tmp_path / "header.csv"
    header.write_text("name,town,country,timezone\n", encoding="utf-8")
    assert import_spaces(world.sessions, header) == (0, [
        "line 1: unknown columns: town; the columns are name, city, country, timezone, language, hours, "
        "capacity, address (the first four are needed)"])
    with world.sessions() as session:
        assert session.exec(select(Space)).all() == []


def test_existing_spaces_migrate_with_no_settings_and_keep_their_chats(tmp_path: Path) -> None:
    """0006 on a database with spaces: nothing set, nothing lost (up and down; SQLite rebuilds no table)."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from storage.db import create_db_engine
    from storage.migrate import alembic_config, upgrade

    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0006").down_revision
    upgrade(engine, before)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO space (slug, name, city, country, timezone, language, closing_time, created_at) "
                          "VALUES ('hub', 'Hub', 'Split', 'HR', 'Europe/Zagreb', 'en', '20:00', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO chatlink (platform, chat_id, space_id, created_at) "
                          "VALUES ('telegram', '-100', 1, '2026-01-01 00:00:00')"))
    upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT opening_hours, capacity, address FROM space")).all() == [("", None, "")]
    command.downgrade(config, before)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM chatlink")).scalar() == 1
    engine.dispose()
