"""Every string in eight languages, CLDR plurals, localized dates."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.pofile import read_po

from bot.config import LANGUAGES
from bot.i18n import LOCALES_DIR, translator
from bot.i18n_catalogues import extracted, missing_translations
from tests.world import World


def test_no_msgid_is_missing_or_untranslated_in_any_language() -> None:
    assert extracted(), "no translatable strings found: the extractor is broken"
    assert list(missing_translations()) == []


def test_catalogues_carry_the_cldr_plural_rule() -> None:
    for lang in LANGUAGES:
        expected = Locale.parse(lang).plural_form
        for path in (LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po"):
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            assert catalog.num_plurals == len(expected.tags) + 1, path  # + the implicit "other"


def test_plural_forms_follow_the_language() -> None:
    here = ("<b>{space}</b>: {n} person here now", "<b>{space}</b>: {n} people here now")
    hr = translator("hr")
    # Croatian has three forms: 1 / 2-4 / 5+ (and 21 like 1)
    one, few, many = (str(hr.tn(*here, n, space="S")) for n in (1, 3, 5))
    assert len({one, few, many}) == 3
    assert str(hr.tn(*here, 21, space="S")).replace("21", "1") == one


def test_user_text_is_escaped_in_every_language() -> None:
    for lang in LANGUAGES:
        text = str(translator(lang).t("Checked out of <b>{space}</b>. See you soon!", space="<script>&"))
        assert "<script>" not in text and "&lt;script&gt;&amp;" in text and "<b>" in text


def test_dates_are_formatted_for_the_reader() -> None:
    when = datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc)
    paris = ZoneInfo("Europe/Paris")
    assert translator("fr").datetime(when, paris) == "vendredi 4 décembre 2026, 18:00"
    assert translator("de").datetime(when, paris) == "Freitag, 4. Dezember 2026, 18:00"
    assert translator("el").datetime(when, paris).startswith("Παρασκευή")
    assert translator("en").time(when, ZoneInfo("Europe/Athens")).replace("\u202f", " ") == "19:00"


def test_an_english_reader_gets_european_formats() -> None:
    when = datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)
    paris = ZoneInfo("Europe/Paris")
    english = translator("en")
    assert english.time(when, paris) == "18:00"
    assert english.date(when, paris) == "26 Nov 2026"
    assert english.datetime(when, paris) == "Thursday, 26 November 2026, 18:00"
    assert english.language_name("en") == "English"


async def test_lang_switches_replies(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    [switched] = await world.say("ana", "/lang it")
    assert "italiano" in switched
    [italian] = await world.say("ana", "/checkout")
    assert italian and italian != "You are not checked in anywhere."
    [error] = await world.say("ana", "/lang xx")
    assert "xx" in error and "en, fr, it, es, el, hr, de, sl" in error and not error.startswith("Unknown")


async def test_language_defaults_to_the_space_then_platform(world: World) -> None:
    space = world.space("Zagreb Hub", country="HR", tz="Europe/Zagreb", lang="hr")
    world.member("iva", space)
    [reply] = await world.say("iva", "/checkout", space=space)
    assert reply != "You are not checked in anywhere."  # Croatian, from the space


def test_a_msgid_shared_by_two_modules_means_the_same_in_every_language() -> None:
    """All domains of a language are merged into one catalogue: where two modules use the same
    English words with different translations, one would silently get the other's. Such words
    need a context (``pt("button", "off")``)."""
    from collections import defaultdict

    for lang in LANGUAGES:
        seen: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
        for path in sorted((LOCALES_DIR / lang / "LC_MESSAGES").iterdir()):
            if not path.name.endswith(".po"):
                continue
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            for message in catalog:
                if message.id and isinstance(message.id, str) and message.string:
                    seen[(message.context, message.id)][path.stem] = message.string
        clashes = {key: by_domain for key, by_domain in seen.items() if len(set(by_domain.values())) > 1}
        assert clashes == {}, (lang, clashes)


def test_buttons_that_switch_a_choice_say_what_they_do() -> None:
    """"off" on a button means "turn off" (a verb), not the state "off"."""
    assert str(translator("fr").pt("button", "off")) == "désactiver"
    assert str(translator("de").pt("button", "on")) == "einschalten"
    assert str(translator("fr").t("{choice}: {switch}", choice="x", switch="y")) == "x : y"  # French spacing


async def test_help_shows_the_placeholders_in_the_readers_language(world: World) -> None:
    world.space("Hub")
    world.member("ana", lang="fr")
    [help_text] = await world.say("ana", "/help")
    assert "/checkin [note] [pour 3h]" in help_text and "/visit ESPACE [dates]" in help_text
    assert "[for 3h]" not in help_text
