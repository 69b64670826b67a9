"""Space names, slugs and time zones as a coordinator meets them (/space create, spaces import)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.messages import ChatRef
from bot.space_import import import_spaces
from storage.models import Space
from tests.world import World


def group(n: int) -> ChatRef:
    return ChatRef("telegram", f"-10{n}")


def spaces(world: World) -> list[tuple[str, str, str]]:
    with world.sessions() as session:
        return [(s.name, s.slug, s.timezone) for s in session.exec(select(Space).order_by(Space.id))]


async def test_slugs_are_transliterated_and_kept_unique(world: World) -> None:
    world.member("cora", coordinator=True)
    cases = [
        ("Ωμέγα | Athens | GR | Europe/Athens", "Space Ωμέγα created (omega) and linked to this chat."),
        ("東京 | Tokyo | JP | Asia/Tokyo", "Space 東京 created (dong-jing) and linked to this chat."),
        ("Москва | Moscow | RU | Europe/Moscow", "Space Москва created (moskva) and linked to this chat."),
        ("Omega | Rome | IT | Europe/Rome", "Space Omega created (omega-2) and linked to this chat."),
        ("Đakovo Straße | Đakovo | HR | Europe/Zagreb", "Space Đakovo Straße created (dakovo-strasse) and linked to this chat."),
        ("!!! | Rome | IT | Europe/Rome", "Space !!! created (space) and linked to this chat."),
    ]
    for n, (fields, reply) in enumerate(cases):
        assert await world.say("cora", f"/space create {fields}", chat=group(n)) == [reply]
    assert await world.say("cora", "/space link dong-jing", chat=group(9)) == ["This chat is now linked to 東京."]


@pytest.mark.parametrize("twin", ["Café Hub", "cafe hub", "CAFÉ  HUB", "Cafe\u0301 Hub", " café hub "])
async def test_duplicate_names_are_refused_whatever_the_case_and_accents(world: World, twin: str) -> None:
    world.member("cora", coordinator=True)
    await world.say("cora", "/space create Café Hub | Lyon | FR | Europe/Paris", chat=group(1))
    assert await world.say("cora", f"/space create {twin} | Nice | FR | Europe/Paris", chat=group(2)) == [
        "There is already a space called Café Hub (cafe-hub)."]
    assert spaces(world) == [("Café Hub", "cafe-hub", "Europe/Paris")]


async def test_duplicate_name_is_refused_in_the_coordinators_language(world: World) -> None:
    world.member("cora", coordinator=True, lang="de")
    await world.say("cora", "/space create Ωμέγα | Athens | GR | Europe/Athens", chat=group(1))
    assert await world.say("cora", "/space create ΩΜΕΓΑ | Athens | GR | Europe/Athens", chat=group(2)) == [
        "Es gibt bereits einen Space namens Ωμέγα (omega)."]


async def test_similar_but_different_names_are_allowed(world: World) -> None:
    world.member("cora", coordinator=True)
    for n, name in enumerate(["Hub", "Hub 2", "Hub Two", "Hüb Nord"]):
        await world.say("cora", f"/space create {name} | Lyon | FR | Europe/Paris", chat=group(n))
    assert [slug for _, slug, _ in spaces(world)] == ["hub", "hub-2", "hub-two", "hub-nord"]


@pytest.mark.parametrize(("typed", "stored"), [
    ("europe/paris", "Europe/Paris"),
    ("EUROPE/ATHENS", "Europe/Athens"),
    ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
    ("Europe/Paris", "Europe/Paris"),
])
async def test_time_zones_are_read_in_any_case_and_stored_canonical(world: World, typed: str, stored: str) -> None:
    world.member("cora", coordinator=True)
    [reply] = await world.say("cora", f"/space create Hub | Lyon | FR | {typed}", chat=group(1))
    assert reply == "Space Hub created (hub) and linked to this chat."
    assert spaces(world) == [("Hub", "hub", stored)]


@pytest.mark.parametrize(("typed", "shown"), [
    ("Factory", "Factory"), ("factory", "Factory"), ("Etc/GMT+5", "Etc/GMT+5"), ("etc/utc", "Etc/UTC"),
    ("UTC", "UTC"), ("GMT", "GMT"), ("EST5EDT", "EST5EDT"), ("CET", "CET"), ("US/Eastern", "US/Eastern"),
])
async def test_zones_that_are_not_a_place_are_refused(world: World, typed: str, shown: str) -> None:
    world.member("cora", coordinator=True, lang="fr")
    [reply] = await world.say("cora", f"/space create Hub | Lyon | FR | {typed}", chat=group(1))
    assert reply == (f"{shown} n’est pas le fuseau horaire d’un lieu. "
                     "Indique une région et une ville, par ex. Europe/Paris.")
    assert spaces(world) == []


async def test_unknown_zones_are_still_unknown(world: World) -> None:
    world.member("cora", coordinator=True)
    for zone in ("Mars/Olympus", "Europe/../Paris", "Europe/Parisx"):
        assert await world.say("cora", f"/space create Hub | Lyon | FR | {zone}", chat=group(1)) == [
            f"{zone} is not a time zone I know (e.g. Europe/Paris)."]


def test_import_refuses_duplicates_and_non_geographic_zones_and_creates_nothing(world: World, tmp_path: Path) -> None:
    world.space("Café Hub")
    csv = tmp_path / "spaces.csv"
    csv.write_text("name,city,country,timezone,language\n"
                   "Ωμέγα,Athens,GR,europe/athens,el\n"
                   "cafe hub,Lyon,FR,Europe/Paris\n"
                   "ΩΜΈΓΑ,Patras,GR,Europe/Athens\n"
                   "Factory Lab,Lyon,FR,Factory\n", encoding="utf-8")
    assert import_spaces(world.sessions, csv) == (0, [
        "line 3: There is already a space called Café Hub (cafe-hub).",
        "line 4: There is already a space called Ωμέγα (omega).",
        "line 5: Factory is not the time zone of a place. Give a region and a city, e.g. Europe/Paris.",
    ])
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Space)).one() == 1


def test_import_stores_slugs_and_zones_canonical(world: World, tmp_path: Path) -> None:
    csv = tmp_path / "spaces.csv"
    csv.write_text("Ωμέγα,Athens,GR,europe/athens,el\n東京,Tokyo,JP,ASIA/TOKYO\n", encoding="utf-8")
    assert import_spaces(world.sessions, csv) == (2, [])
    assert spaces(world) == [("Ωμέγα", "omega", "Europe/Athens"), ("東京", "dong-jing", "Asia/Tokyo")]
