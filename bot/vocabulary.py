"""The shared multilingual skill vocabulary, and how typed tags are normalized and matched.

Members write skills and needs in eight languages; storing vocabulary ids instead of words is
what lets a Greek "γραφίστα" need reach an Italian "grafica" member. Two layers:

* ``normalize_tag``: the form a tag is stored and shown in (free tags keep their inner
  punctuation, so "C++" or "R&D" stay readable).
* the matching key: the normalized text cut into words, each word *folded* (``fold_word``) so
  plural, gender and the commonest case endings compare equal. The same folding is applied to
  the vocabulary terms and to the input, so it only has to be consistent, not linguistically
  right. Folding strips at most one ending per word; what it folds is listed in the tables
  below. Anything it does not fold has to be listed in locales/skills.toml.

The data is read lazily by ``load_vocabulary`` (cached); importing this module reads nothing.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "fr", "it", "es", "el", "hr", "de", "sl")
FREE_PREFIX = "free:"  # ids never contain ':' so a free tag cannot collide with an id
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "locales" / "skills.toml"
TAG_ONLY_BELOW = 3  # one-word terms shorter than this ("AI", "UX", "PR") match as tags, never in prose

# Letters that are not "letter + accent" in Unicode, so NFKD would keep them. đ becomes "dj"
# (the usual Croatian ASCII spelling); vocabulary terms are also indexed with plain "d".
_LETTERS = str.maketrans({"đ": "dj", "ð": "d", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "ı": "i", "þ": "th"})
_SPACES = re.compile(r"[\s_\-\u2010-\u2015]+")  # '_' and dashes separate words like spaces do
_WORD = re.compile(r"[^\W_]+[+#]*")  # a word for matching; "c++" and "c#" stay one word
_FINAL_SIGMA = re.compile(r"σ(?![^\W_])")
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")  # combining
_PIECES = re.compile(r"[,;\n]|\s(?=#)")  # "a, b; c #d #e"
_HASHTAG = re.compile(r"(?<![\w#])#(\w[\w-]*)")  # not the '#' of "C#"
_SKILL_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_IGNORED = ""  # index value of [ignore] phrases: consumed when scanning, tagged as nothing


def _latin_endings() -> dict[str, str]:
    """Ending → replacement for Latin-script words (after the plural step), longest wins."""
    table = dict.fromkeys("aeiou", "")  # it/es/hr/sl gender, number, case; fr feminine -e
    table.update(dict.fromkeys(("ima", "ama", "ega", "oga", "emu", "omu", "om", "em", "og", "oj", "ih", "im"), ""))
    table["en"] = ""  # de plural / weak nouns: Fotografen, Übersetzungen
    table.update({"ien": "ien", "enne": "en"})  # fr musicien(ne); "ien" shields it from -en
    table.update({"iere": "ier", "euse": "eur", "teuse": "tor", "teur": "tor", "trice": "tor", "trici": "tor"})
    table.update({"ora": "or", "ore": "or", "ori": "or"})  # es traductora, it traduttore/-i
    for stem in ("r", "t", "f", "g", "ch"):  # de -in/-innen after agent endings, not "LinkedIn"
        table[stem + "in"] = table[stem + "innen"] = stem
    for ending in ("ica", "ice", "ici", "icu", "ico", "iche", "icom", "ika", "ike", "iki", "iku", "iko", "ikom"):
        table[ending] = "ik"  # it/es grafico/-a/-i/-che, de Grafik, hr odvjetnik/-ica
    for stem in ("ar", "er", "or", "elj"):  # hr feminine: kuharica, dizajnerica, prevoditeljica
        for ending in ("ica", "ice", "ici", "icu", "icom"):
            table[stem + ending] = stem
    for stem in ("ar", "er", "or", "ist"):  # hr/sl feminine: novinarka, programerka, urbanistka
        for ending in ("ka", "ke", "ki", "ku", "ko", "kom"):
            table[stem + ending] = stem
    table.update(dict.fromkeys(("kinja", "kinje", "kinji", "kinju", "inja", "inje", "inji", "inju"), ""))
    table.update(dict.fromkeys(("lec", "lca", "lcu", "lci", "lcem", "lka", "lke", "lki", "lko", "lkom"), "l"))  # sl
    return table


_LATIN = _latin_endings()
_GREEK = dict.fromkeys(("α", "ε", "η", "ι", "ο", "ας", "ες", "ης", "ος", "ους", "ου", "οι", "ων", "εας", "εα",
                        "εις", "εων", "ια", "ιες", "ιων", "ισσα", "ισσες", "ισσων"), "")
_GREEK.update(dict.fromkeys(("τρια", "τριες", "τριων"), "τ"))  # μεταφράστρια ~ μεταφραστής
# A folded word never gets shorter than this: short stems are other languages' everyday words
# ("ventes" must not become "vent", wind; "Nähen" not "nah", near).
_MIN_LATIN, _MIN_GREEK = 5, 3


class VocabularyError(ValueError):
    """The vocabulary file is inconsistent; raised at load so a bad edit never ships silently."""


def normalize_tag(text: str) -> str:
    """Casefold, strip accents (Greek tonos too), '#'/'_'/'-' handling, edge punctuation trimmed.

    "#Graphic_Design!" → "graphic design", "Γραφίστας" → "γραφιστας", "Prevođenje" →
    "prevodjenje". Inner symbols stay ("c++", "r&d"); idempotent.
    """
    text = text.casefold()
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text.translate(_LETTERS)))
    text = _SPACES.sub(" ", text)
    start, end = 0, len(text)
    while start < end and not text[start].isalnum() and (text[start] in " #" or _is_punctuation(text[start])):
        start += 1
    while end > start and not text[end - 1].isalnum() and (text[end - 1] == " " or _is_punctuation(text[end - 1])):
        end -= 1
    text = text[start:end]
    return _FINAL_SIGMA.sub("ς", text) if "σ" in text else text


def _is_punctuation(char: str) -> bool:
    return char != "#" and unicodedata.category(char)[0] == "P"


@lru_cache(maxsize=16384)
def fold_word(word: str) -> str:
    """One normalized word → its matching form: "graphistes" → "graphist", "γραφίστες" → "γραφιστ".

    Latin script: first one plural -s (-ies → -y, -ches/-shes/-sses/-xes → drop "es", not after
    ss/us/is), then the longest ending of ``_LATIN``. Greek: the longest ending of ``_GREEK``.
    """
    if word and "\u0370" <= word[0] <= "\u03ff":
        return _strip_ending(word, _GREEK, _MIN_GREEK)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return _strip_ending(word, _LATIN, _MIN_LATIN)


def _strip_ending(word: str, table: dict[str, str], min_length: int) -> str:
    """Replace the longest ending of ``table`` that leaves at least ``min_length`` letters."""
    for size in range(min(len(word) - 1, 7), 0, -1):  # no ending is longer than 7
        replacement = table.get(word[-size:])
        if replacement is not None and len(word) - size + len(replacement) >= min_length:
            return word[:-size] + replacement
    return word


def matching_key(text: str) -> tuple[str, ...]:
    """What two tags must share to be the same skill: their folded words, in order."""
    return tuple(map(fold_word, _WORD.findall(normalize_tag(text))))


@dataclass(frozen=True)
class Skill:
    """One vocabulary entry; ``terms[lang][0]`` is its label in that language."""

    id: str
    terms: dict[str, tuple[str, ...]]
    related: frozenset[str]


class Vocabulary:
    """Skills by id plus an index from matching key to id, checked for clashes when built."""

    def __init__(self, skills: Iterable[Skill], ignore: Iterable[str] = ()) -> None:
        self._skills = {skill.id: skill for skill in skills}
        self._index: dict[tuple[str, ...], str] = {}
        clashes: list[str] = []
        for skill in self._skills.values():
            for term in dict.fromkeys((skill.id, *(t for terms in skill.terms.values() for t in terms))):
                clashes += self._add(term, skill.id)
        for phrase in ignore:
            clashes += self._add(phrase, _IGNORED)
        if clashes:
            raise VocabularyError("terms shared by different skills after folding:\n" + "\n".join(clashes))
        self._longest = max((len(key) for key in self._index), default=0)

    def _add(self, term: str, owner: str) -> list[str]:
        clashes = []
        for variant in _spellings(term):
            key = matching_key(variant)
            if not key:
                raise VocabularyError(f"{owner or '[ignore]'}: {term!r} has no letters")
            if self._index.setdefault(key, owner) != owner:
                clashes.append(f"  {' '.join(key)!r}: {self._index[key] or '[ignore]'} / {owner or '[ignore]'} ({term!r})")
        return clashes

    def ids(self) -> list[str]:
        """All skill ids, in file order."""
        return list(self._skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._skills

    def __len__(self) -> int:
        return len(self._skills)

    def match(self, tag: str) -> str | None:
        """The id of the skill a whole tag names ("Grafikerin", "web developer"), else None.

        A tag of several words is also tried as one word: "Web-Entwicklerin" = "Webentwicklerin".
        """
        words = _WORD.findall(normalize_tag(tag))
        found = self._index.get(tuple(map(fold_word, words)))
        if not found and len(words) > 1:
            found = self._index.get((fold_word("".join(words)),))
        return found or None

    def label(self, skill_id: str, lang: str) -> str:
        """Display label in ``lang`` (base of "fr-FR" too; unknown languages get English).

        An id this vocabulary no longer has comes back unchanged, so old tags still render.
        """
        skill = self._skills.get(skill_id)
        return skill.terms[_language(lang)][0] if skill else skill_id

    def related(self, skill_id: str) -> set[str]:
        """Complementary skills (symmetric); empty for free tags and unknown ids."""
        skill = self._skills.get(skill_id)
        return set(skill.related) if skill else set()

    def find(self, text: str) -> list[str]:
        """Skill ids named anywhere in free text, in order of appearance.

        Whole words only, longest term first ("web developer" before "developer"); [ignore]
        phrases are skipped; very short terms are left to explicit tags.
        """
        words = _WORD.findall(normalize_tag(text))
        keys = [fold_word(word) for word in words]
        found: list[str] = []
        start = 0
        while start < len(keys):
            for size in range(min(self._longest, len(keys) - start), 0, -1):
                owner = self._index.get(tuple(keys[start:start + size]))
                if owner is None or (size == 1 and len(words[start]) < TAG_ONLY_BELOW):
                    continue
                if owner and owner not in found:
                    found.append(owner)
                start += size
                break
            else:
                start += 1
        return found


def _spellings(term: str) -> Iterator[str]:
    """The term, plus its đ → d spelling (people without a Croatian keyboard type both)."""
    yield term
    if not term.isascii() and "đ" in term.casefold():
        yield term.casefold().replace("đ", "d")


def _language(lang: str) -> str:
    base = lang.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def parse_vocabulary(data: dict[str, Any]) -> Vocabulary:
    """Build a Vocabulary from the parsed TOML, refusing anything incomplete or ambiguous."""
    entries = data.get("skill")
    if not isinstance(entries, dict) or not entries:
        raise VocabularyError("no [skill.<id>] tables")
    related: dict[str, set[str]] = {skill_id: set() for skill_id in entries}
    skills = []
    for skill_id, entry in entries.items():
        if not _SKILL_ID.fullmatch(skill_id):
            raise VocabularyError(f"{skill_id!r}: ids are lowercase slugs like 'graphic-design'")
        unknown = set(entry) - set(LANGUAGES) - {"related"}
        if unknown:
            raise VocabularyError(f"{skill_id}: unknown keys {sorted(unknown)}")
        terms = {}
        for lang in LANGUAGES:
            values = entry.get(lang)
            if not values or not all(isinstance(v, str) and v.strip() for v in values):
                raise VocabularyError(f"{skill_id}: '{lang}' needs a non-empty list of terms")
            terms[lang] = tuple(values)
        for other in entry.get("related", []):
            if other not in related or other == skill_id:
                raise VocabularyError(f"{skill_id}: related skill {other!r} does not exist")
            related[skill_id].add(other)
            related[other].add(skill_id)  # complementary both ways
        skills.append((skill_id, terms))
    ignore = [phrase for phrases in data.get("ignore", {}).values() for phrase in phrases]
    return Vocabulary((Skill(i, t, frozenset(related[i])) for i, t in skills), ignore)


@cache
def load_vocabulary(path: Path = DEFAULT_PATH) -> Vocabulary:
    """The vocabulary from locales/skills.toml, read on first use and then shared."""
    with open(path, "rb") as file:
        return parse_vocabulary(tomllib.load(file))


def _tag(text: str, vocabulary: Vocabulary) -> str | None:
    normalized = normalize_tag(text)
    if not any(ch.isalpha() for ch in normalized):  # "#1", "!!!", "42": not a skill
        return None
    return vocabulary.match(normalized) or FREE_PREFIX + normalized


def canonical_tags(text: str, vocabulary: Vocabulary | None = None) -> list[str]:
    """Tags of a /skills list: "Grafica, 3D-Druck; sourdough baking" → graphic-design, 3d-printing,
    free:sourdough baking.

    Pieces are split on ',' ';' newlines and before '#'. Known skills become ids, the rest
    normalized free tags; no duplicates, first-seen order. Length limits are the caller's.
    """
    vocabulary = vocabulary or load_vocabulary()
    return _unique(_tag(piece, vocabulary) for piece in _PIECES.split(text))


def extract_need_tags(text: str, vocabulary: Vocabulary | None = None) -> list[str]:
    """Tags of a /need: its #hashtags first (known or free), then skills named in the text."""
    vocabulary = vocabulary or load_vocabulary()
    hashtags = [_tag(tag, vocabulary) for tag in _HASHTAG.findall(text)]
    return _unique([*hashtags, *vocabulary.find(_HASHTAG.sub(" ", text))])


def _unique(tags: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(tag for tag in tags if tag))
