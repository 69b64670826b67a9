"""The words of dates and clock times in the eight languages, and the tokenizer that reads them.

`tokenize` turns a WHEN text into tokens; a phrase of the vocabulary ("de la tarde", "übermorgen",
"un lundi sur deux", see `bot.date_vocabulary`) becomes one or more *codes*
(``PERIOD:AFTERNOON``, ``DAY:2``, ``EVERY ORD:2 WD:0``) that `bot.clock` and `bot.date_part`
read the same way in every language. Dateparser still reads what is left (numeric dates, month
names, "dans 2 jours"), but weekdays, "next", day periods, clock words and recurrences are ours,
because that is where it failed.

Codes: DAY:n (today + n), WD:n / WDS:n (weekday, Monday = 0; WDS is "on Mondays"), WDORD:w:o
(Greek τρίτη/τετάρτη: Tuesday, or "third" before a weekday), NEXT, EVERY, ORD:n (-1 = last),
OFMONTH, UNIT:D/W/M, ART (an article that makes "le lundi" mean every Monday), AT (clock marker),
FROM, DE (fr/es "de", a range start), BETWEEN, TO, AND, MINAND ("e 20", "y 20": and minutes),
HOURW ("h", "Uhr", "sati"), PERIOD:x (AM PM MORNING AFTERNOON EVENING NIGHT), NOON, MIDNIGHT,
PLUS:m ("et quart"), MINUS ("moins 10"), PRE:m ("halb" = -30 before the hour), PAST ("ten past"),
BEFORE ("zehn vor"), ISH, NUM:n (a number word), DUR (duration: "in", "dans"), FILLER, BAD
(a word that must not be guessed at: German "so" alone is "about" or Sunday).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.date_vocabulary import COMMON, EVERY_OTHER_AROUND, WEEKDAY_WITH, WORDS

__all__ = ["Token", "normalize", "tokenize", "WEEKDAY_CODES", "UNIT_WORDS", "DURATION_WORDS", "ZONE_OFFSETS"]


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its text (normalized), what the tokenizer saw, and the vocabulary's code."""

    text: str
    kind: str  # "num", "clock" (18:30, 18h30), "dot" (18.30), "date", "ord" (1er), "zone", "word", "sym"
    code: str | None = None
    arg: int | None = None
    arg2: int | None = None


WEEKDAY_CODES = frozenset({"WD", "WDS", "WDORD"})

# Unit words after a recurrence keyword, per frequency (looked up by text, so that "dans 2 jours"
# still reaches dateparser whole).
UNIT_WORDS = {
    word: unit
    for unit, words in {
        "D": "day days jour jours giorno giorni dia dias μερα μερες ημερα ημερες dan dana tag tage tagen dni dneva",
        "W": "week weeks semaine semaines settimana settimane semana semanas εβδομαδα εβδομαδες βδομαδα"
        " βδομαδες tjedan tjedna tjedana woche wochen teden tedna tednov",
        "M": "month months mois mese mesi mes meses μηνα μηνας μηνες μηνες mjesec mjeseca mjeseci monat"
        " monate mesec meseca mesecev",
    }.items()
    for word in words.split()
}
# A number and an hour word right after one of these is a duration ("dans 2 heures"), not a time.
DURATION_WORDS = frozenset("in within for dans pendant tra fra entro en durante σε για za kroz fur fuer cez".split())

# Zone names people write after a time, in minutes east of UTC ("18:00 CET"); see bot.dates.
ZONE_OFFSETS = {
    "utc": 0, "gmt": 0, "wet": 0, "west": 60, "bst": 60, "cet": 60, "met": 60, "mez": 60, "cest": 120,
    "mest": 120, "mesz": 120, "eet": 120, "eest": 180, "msk": 180, "est": -300, "edt": -240,
    "cst": -360, "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
}

_TOKEN_RE = re.compile(
    r"(?P<zone>(?:utc|gmt)[+-]\d{1,2}(?::?\d{2})?|[a-z]+/[a-z_]+(?:/[a-z_]+)?)"
    r"|(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?(?!\d)"
    r"|\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})?(?!\d))"
    r"|(?P<clock>\d{1,2}[:h]\d{2}(?!\d))"
    r"|(?P<dot>\d{1,2}\.\d{2}(?!\d))"
    r"|(?P<ord>\d{1,2}(?:st|nd|rd|th|er|re|ere|eme|e|o|a|º|ª)(?![^\W\d_]))"
    r"|(?P<num>\d+\.?)"
    r"|(?P<word>[^\W\d_]+(?:\.[^\W\d_]+)*\.?)"
    r"|(?P<sym>[-@~&])"
)
_JOINERS = re.compile(r"(?<=[^\W\d_])['\-](?=[^\W\d_])")
_PUNCTUATION = str.maketrans({"’": "'", "‘": "'", "`": "'", "–": "-", "—": "-", "−": "-", "‐": "-"})
_MAX_PHRASE = 6


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Lower-case, accent-stripped, single-spaced text: the cache key and the tokenizer's input.

    Dateparser compares accent-free forms too, so "venerdi" and "Παρασκευη" still parse and the
    vocabulary needs one spelling per word. `lower` (not `casefold`) keeps Greek final sigma.
    A hyphen or apostrophe between letters is a space ("après-midi", "all'una", "o'clock").
    """
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", stripped).translate(_PUNCTUATION)
    return " ".join(_JOINERS.sub(" ", text).replace("-ish", " ish").split())


def tokenize(text: str, langs: tuple[str, ...]) -> list[Token]:
    """Tokens of normalized `text`, each vocabulary phrase of `langs` replaced by its codes."""
    raw = _raw_tokens(text)
    table = vocabulary(langs)
    texts = [t.text for t in raw]
    out: list[Token] = []
    i = 0
    while i < len(raw):
        for n in range(min(_MAX_PHRASE, len(raw) - i), 0, -1):
            codes = table.get(tuple(texts[i : i + n]))
            if codes is not None and all(t.kind in ("word", "num", "ord", "sym") for t in raw[i : i + n]):
                phrase = " ".join(texts[i : i + n])
                out.extend(Token(phrase, "word", c, a, b) for c, a, b in codes)
                i += n
                break
        else:
            out.append(raw[i])
            i += 1
    return out


def _raw_tokens(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "word"
        value = match.group()
        if kind == "word" and value.endswith("."):
            value = value[:-1]
        tokens.append(Token(value, kind))
    return tokens


@lru_cache(maxsize=64)
def vocabulary(langs: tuple[str, ...]) -> dict[tuple[str, ...], tuple[tuple[str, int | None, int | None], ...]]:
    """Phrase (as token texts) → codes, for these languages; the first language wins a clash."""
    table: dict[tuple[str, ...], tuple[tuple[str, int | None, int | None], ...]] = {}
    for lang in reversed(langs):
        table.update(_language_table(lang))
    table.update({k: v for k, v in _language_table("").items() if k not in table})
    return table


@lru_cache(maxsize=16)
def _language_table(lang: str) -> dict[tuple[str, ...], tuple[tuple[str, int | None, int | None], ...]]:
    source = COMMON if lang == "" else WORDS.get(lang, "")
    table: dict[tuple[str, ...], tuple[tuple[str, int | None, int | None], ...]] = {}
    singular: dict[str, list[str]] = {}
    for line in source.strip().splitlines():
        left, _, right = line.partition("=")
        codes = tuple(_code(c) for c in left.split())
        for phrase in right.split(","):
            key = tuple(t.text for t in _raw_tokens(normalize(phrase)))
            if key:
                table[key] = codes
                if codes[0][0] in ("WD", "WDORD"):
                    singular.setdefault(str(codes[0][1]), []).append(" ".join(key))
    for day, forms in singular.items():
        for form in forms:
            for template in EVERY_OTHER_AROUND.get(lang, ()):
                key = tuple(t.text for t in _raw_tokens(normalize(template.format(wd=form))))
                table[key] = (("EVERY", None, None), ("ORD", 2, None), ("WD", int(day), None))
            for template, period in WEEKDAY_WITH.get(lang, {}).items():
                key = tuple(t.text for t in _raw_tokens(normalize(template.format(wd=form))))
                table[key] = (("WD", int(day), None), _code(period))
    return table


def _code(text: str) -> tuple[str, int | None, int | None]:
    name, *args = text.split(":")
    if name == "PERIOD":
        return (f"PERIOD:{args[0]}", None, None)
    if name == "UNIT":
        return ("UNIT", "DWM".index(args[0]), None)
    numbers = [int(a) for a in args] + [None, None]
    return (name, numbers[0], numbers[1])
