"""The shared multilingual skill vocabulary, and how typed tags become skill ids.

Members write skills and needs in eight languages; storing vocabulary ids instead of words is
what lets a Greek "γραφίστα" need reach an Italian "grafica" member. How words are normalized
and folded is bot/skill_words.py; how phrases are found in text (longest phrase, typos, Greek
in Latin letters, compounds) is bot/skill_matching.py. This module owns the data
(locales/skills/: one TOML file per family, read lazily by ``load_vocabulary``; importing it
reads nothing) and the tag-level rules: what a /skills list and a /need turn into.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from bot.skill_matching import IGNORED, TAG_ONLY_BELOW, SkillIndex
from bot.skill_words import capitals, matching_key, normalize_tag, words_of

__all__ = ["DEFAULT_PATH", "FAMILIES", "FREE_PREFIX", "LANGUAGES", "TAG_ONLY_BELOW", "Skill", "Vocabulary",
           "VocabularyError", "canonical_tags", "extract_need_tags", "load_vocabulary", "matching_key",
           "normalize_tag", "parse_vocabulary", "read_vocabulary_data", "typed_forms"]

LANGUAGES = ("en", "fr", "it", "es", "el", "hr", "de", "sl")
FAMILIES = ("design", "tech", "data", "marketing", "writing-languages", "business-law", "finance",
            "culture-arts", "crafts-making", "agri-food", "tourism-hospitality", "education",
            "care-wellbeing", "trades-repair")
FREE_PREFIX = "free:"  # ids never contain ':' so a free tag cannot collide with an id
DEFAULT_PATH: Traversable = files("locales") / "skills"  # package data, one file per family, read lazily
COMMON = ("common", "everyday")  # [ignore], [compounds] and the [everyday] lexicon: no family owns them
WHOLE_ONLY = "="  # a term written "=React" names the skill only as a whole tag, never in prose

_PIECES = re.compile(r"[,;\n]|\s(?=#)")  # "a, b; c #d #e"
# Inside one piece, "UI/UX", "design + print", "R&D": '/', '&' and a '+' that is not the end
# of "C++" or "Notepad++". The whole piece is tried first, so "UX/UI" stays one skill.
_PARTS = re.compile(r"[/&]|(?<![+\w])\+|\+(?=\s*[^\W\d_])(?<!\+\+)")
_HASHTAG = re.compile(r"(?<![\w#])#(\w[\w-]*)")  # not the '#' of "C#"
_SKILL_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class VocabularyError(ValueError):
    """The vocabulary file is inconsistent; raised at load so a bad edit never ships silently."""


@dataclass(frozen=True)
class Skill:
    """One vocabulary entry; ``terms[lang][0]`` is its label in that language."""

    id: str
    terms: dict[str, tuple[str, ...]]
    related: frozenset[str]
    family: str = "tech"


class Vocabulary:
    """Skills by id plus the index that finds them in text, checked for clashes when built."""

    def __init__(self, skills: Iterable[Skill], ignore: Iterable[str] = (), compound_heads: Iterable[str] = (),
                 compound_modifiers: dict[str, str] | None = None, everyday: Iterable[str] = ()) -> None:
        self._skills = {skill.id: skill for skill in skills}
        self._index = SkillIndex()
        clashes: list[str] = []
        for skill in self._skills.values():
            clashes += self._add(WHOLE_ONLY + skill.id, skill.id)  # "surveys" is a tag, not prose
            for lang, terms in skill.terms.items():
                for term in terms:
                    clashes += self._add(term, skill.id, lang)
        for phrase in ignore:
            clashes += self._add(phrase, IGNORED)
        if clashes:
            raise VocabularyError("terms shared by different skills after folding:\n" + "\n".join(clashes))
        self._index.add_compound_parts(compound_heads, compound_modifiers or {})
        self._index.add_everyday(word for phrase in everyday for word in words_of(phrase))
        self._index.finish()

    def _add(self, term: str, owner: str, lang: str = "") -> list[str]:
        whole_only = term.startswith(WHOLE_ONLY)
        clashes = []
        for variant in _spellings(term.removeprefix(WHOLE_ONLY)):
            words = words_of(variant)
            if not words:
                raise VocabularyError(f"{owner or '[ignore]'}: {term!r} has no letters")
            other = self._index.add(words, owner, whole_only=whole_only, greek=lang == "el" and not variant.isupper(),
                                    genitive=lang in ("hr", "sl"), german=lang == "de")
            if other is not None:
                clashes.append(f"  {' '.join(matching_key(variant))!r}: {other or '[ignore]'} / "
                               f"{owner or '[ignore]'} ({term!r})")
        return clashes

    def ids(self) -> list[str]:
        """All skill ids, in file order."""
        return list(self._skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._skills

    def __len__(self) -> int:
        return len(self._skills)

    def family(self, skill_id: str) -> str | None:
        skill = self._skills.get(skill_id)
        return skill.family if skill else None

    def match(self, tag: str) -> str | None:
        """The id of the skill a whole tag names ("Grafikerin", "web developer", "photograpy"), else None."""
        return self._index.whole(words_of(tag))

    def find(self, text: str) -> list[str]:
        """Skill ids named anywhere in free text, in order of appearance, longest phrase first.

        [ignore] phrases are skipped; very short terms and "=" terms are left to explicit tags.
        """
        return _unique(owner for _, _, owner in self._index.scan(words_of(text), capitals=capitals(text)))

    def tag_piece(self, piece: str) -> list[str]:
        """The tags one /skills item stands for: "UX/UI" → ux-design; "programador python" →
        programming; "Python/Django" → programming, free:django; "R&D" → free:r&d.
        """
        normalized = normalize_tag(piece)
        if not any(char.isalpha() for char in normalized):  # "#1", "!!!", "42": not a skill
            return []
        whole = self.match(normalized)
        if whole:
            return [whole]
        parts = [part for part in map(normalize_tag, _PARTS.split(normalized)) if any(c.isalpha() for c in part)]
        found = [self.match(part) or self.find(part) for part in parts]
        if not any(found):
            return [FREE_PREFIX + normalized]
        tags: list[str] = []
        for part, skills in zip(parts, found):
            if isinstance(skills, str):
                tags.append(skills)
            elif skills:
                tags.extend(skills)
            elif len(part) >= TAG_ONLY_BELOW:
                tags.append(FREE_PREFIX + part)
        return _unique(tags)

    def label(self, skill_id: str, lang: str) -> str:
        """Display label in ``lang`` (base of "fr-FR" too; unknown languages get English).

        An id this vocabulary no longer has comes back unchanged, so old tags still render.
        """
        skill = self._skills.get(skill_id)
        return skill.terms[_language(lang)][0].removeprefix(WHOLE_ONLY) if skill else skill_id

    def related(self, skill_id: str) -> set[str]:
        """Complementary skills (symmetric); empty for free tags and unknown ids."""
        skill = self._skills.get(skill_id)
        return set(skill.related) if skill else set()


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
        unknown = set(entry) - set(LANGUAGES) - {"related", "family"}
        if unknown:
            raise VocabularyError(f"{skill_id}: unknown keys {sorted(unknown)}")
        family = entry.get("family", FAMILIES[1])
        if family not in FAMILIES:
            raise VocabularyError(f"{skill_id}: family {family!r} is not one of {', '.join(FAMILIES)}")
        terms = {}
        for lang in LANGUAGES:
            values = entry.get(lang)
            if not values or not all(isinstance(v, str) and v.strip(WHOLE_ONLY + " ") for v in values):
                raise VocabularyError(f"{skill_id}: '{lang}' needs a non-empty list of terms")
            terms[lang] = tuple(values)
        for other in entry.get("related", []):
            if other not in related or other == skill_id:
                raise VocabularyError(f"{skill_id}: related skill {other!r} does not exist")
            related[skill_id].add(other)
            related[other].add(skill_id)  # complementary both ways
        skills.append((skill_id, terms, family))
    ignore = [phrase for phrases in data.get("ignore", {}).values() for phrase in phrases]
    compounds = data.get("compounds", {})
    modifiers = {}
    for owner, words in compounds.get("modifiers", {}).items():
        if owner not in entries:
            raise VocabularyError(f"[compounds.modifiers]: skill {owner!r} does not exist")
        modifiers.update(dict.fromkeys(words, owner))
    everyday = [word for words in data.get("everyday", {}).values() for word in words]
    return Vocabulary((Skill(i, t, frozenset(related[i]), f) for i, t, f in skills), ignore,
                      compounds.get("heads", ()), modifiers, everyday)


def read_vocabulary_data(path: Traversable = DEFAULT_PATH) -> dict[str, Any]:
    """The vocabulary as one parsed TOML table, from a single file or from a folder of files.

    In a folder, ``<family>.toml`` holds that family's skills (the family is the file's name),
    common.toml the [ignore] and [compounds] tables, everyday.toml the [everyday] lexicon; ids
    are unique across files.
    """
    if path.is_file():
        with path.open("rb") as file:
            return tomllib.load(file)
    order = {name: rank for rank, name in enumerate((*FAMILIES, *COMMON))}
    found = {item.name.removesuffix(".toml"): item for item in path.iterdir() if item.name.endswith(".toml")}
    if unknown := sorted(set(found) - set(order)):
        raise VocabularyError(f"{', '.join(unknown)}: a vocabulary file is named after a family, or {COMMON}")
    merged: dict[str, Any] = {"skill": {}, "ignore": {}, "everyday": {}, "compounds": {"heads": [], "modifiers": {}}}
    for name in sorted(found, key=order.__getitem__):
        with found[name].open("rb") as file:
            data = tomllib.load(file)
        for skill_id, entry in data.get("skill", {}).items():
            if skill_id in merged["skill"] or "family" in entry or name in COMMON:
                raise VocabularyError(f"{name}.toml: {skill_id!r} is defined twice, or outside a family file")
            merged["skill"][skill_id] = {**entry, "family": name}
        for table in ("ignore", "everyday"):
            for lang, phrases in data.get(table, {}).items():
                merged[table].setdefault(lang, []).extend(phrases)
        compounds = data.get("compounds", {})
        merged["compounds"]["heads"].extend(compounds.get("heads", ()))
        for owner, words in compounds.get("modifiers", {}).items():
            merged["compounds"]["modifiers"].setdefault(owner, []).extend(words)
    return merged


@cache
def load_vocabulary(path: Traversable = DEFAULT_PATH) -> Vocabulary:
    """The vocabulary from locales/skills/, read on first use and then shared."""
    return parse_vocabulary(read_vocabulary_data(path))


def canonical_tags(text: str, vocabulary: Vocabulary | None = None) -> list[str]:
    """Tags of a /skills list: "Grafica, 3D-Druck; UI/UX, sourdough" → graphic-design, 3d-printing,
    ux-design, free:sourdough.

    Pieces are split on ',' ';' newlines and before '#', then on '/' '&' '+' when the piece as a
    whole is not a skill. Known skills become ids, the rest normalized free tags; no duplicates,
    first-seen order. Length limits are the caller's.
    """
    vocabulary = vocabulary or load_vocabulary()
    return _unique(tag for piece in _PIECES.split(text) for tag in vocabulary.tag_piece(piece))


def extract_need_tags(text: str, vocabulary: Vocabulary | None = None) -> list[str]:
    """Tags of a /need: its #hashtags first (known or free), then skills named in the text."""
    vocabulary = vocabulary or load_vocabulary()
    hashtags = [tag for hashtag in _HASHTAG.findall(text) for tag in vocabulary.tag_piece(hashtag)]
    return _unique([*hashtags, *vocabulary.find(_HASHTAG.sub(" ", text))])


def typed_forms(text: str, vocabulary: Vocabulary | None = None) -> dict[str, str]:
    """Free tag → the words as the member typed them ("free:ιστοσελιδες" → "Ιστοσελίδες").

    Free tags are stored normalized (so two members' tags compare equal); this recovers the
    display form from the text they came from: a /skills list, or a request's stored text.
    """
    vocabulary = vocabulary or load_vocabulary()
    forms: dict[str, str] = {}
    for piece in _PIECES.split(text):
        typed = [piece, *_PARTS.split(piece)]
        for tag in vocabulary.tag_piece(piece):
            if tag.startswith(FREE_PREFIX) and tag not in forms:
                form = next(part for part in typed if FREE_PREFIX + normalize_tag(part) == tag)
                forms[tag] = form.strip().lstrip("#").replace("_", " ").strip(" .,:!?")
    return forms


def _unique(tags: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(tag for tag in tags if tag))
