"""Finding vocabulary skills in what members type, the way they type it.

A ``SkillIndex`` maps folded word sequences (see bot/skill_words.py) to skill ids. Scanning a
text takes, at each word, the longest known phrase that starts there. Each typed word may be
read several ways, cheapest first, and the phrase that is longest, then cheapest, wins:

0. its folded form, or its hr/sl genitive-plural base form ("pisanje projekata");
1. its Greek reading when typed in Latin letters ("metafrasi" = "μετάφραση");
2. a typo of a vocabulary word: edit distance 1 from 6 letters, 2 from 10, same first letter,
   never for words the vocabulary already knows (terms and [ignore] words), so a false friend
   listed in [ignore] is never "corrected" into a skill.

Readings 1 and 2 and compound splitting are refused to everyday words (the [everyday] lexicon:
frequent words of the eight languages that would otherwise read as a skill, "contre", "Keller",
"necesito"), because a real word is not a typo.

Inside a phrase one short word (≤ 3 letters) may be skipped ("pisanje EU projekata"). A word
nothing matches is tried as two words joined ("Web Entwicklerin") and as a compound against
the German terms of the vocabulary: a generic head after a first part that names a skill
("Veranstaltungsorganisation": Veranstaltung + Organisation), else a German one-word term of at
least five letters as the head ("Hochzeitsfotografin" → photographer). Only German terms, since
in the other languages a word ending like a term is a different word ("necesito" is not "sito").
One-word terms under three letters ("CV", "DJ") match in prose only when typed in capitals.
hr/sl terms written in the genitive plural ("organizacija dogodkov") also match their other
forms ("organizacija dogodka").
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.skill_words import fold_word, greeklish_key, is_greek, normalize_tag, plural_genitive_stem

IGNORED = ""  # owner of [ignore] phrases: consumed when scanning, tagged as nothing
GREEKLISH = "~"  # prefix of index words read as Greek sounds, so they never meet ordinary words
TAG_ONLY_BELOW = 3  # one-word terms shorter than this ("AI", "UX", "PR") match as tags, never in prose
GAP_MAX = 3  # letters of a word that may sit inside a known phrase
FUZZY_ONE, FUZZY_TWO = 6, 10  # letters from which one / two edits are forgiven
COMPOUND_MIN, HEAD_MIN, MODIFIER_MIN = 8, 4, 3  # letters of a compound and of its parts
TERM_HEAD_MIN = 5  # letters of a German term that names a compound as its head ("Tanz" is in "Substanz")
_LINKERS = ("s", "es", "n", "en", "e", "er", "")  # German Fugenelemente, longest tried first
_GREEKLISH_MIN = 5  # letters of a one-word Greek key worth reading in Latin letters
_CACHE_MAX = 50_000  # typed words remembered; cleared when full (user text is unbounded)

Match = tuple[int, int, str]  # start word, end word (exclusive), owner


class SkillIndex:
    """Folded phrases → owner, plus what typo, Greek and compound reading need."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, ...], str] = {}
        self._whole: dict[tuple[str, ...], str] = {}  # "=React": only as a whole tag
        self._prefixes: set[tuple[str, ...]] = set()
        self._words: set[str] = set()
        self._greeklish: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._buckets: dict[str, list[str]] = {}
        self._heads: set[str] = set()
        self._modifiers: dict[str, str] = {}
        self._readings: dict[str, tuple[tuple[str, int], ...]] = {}
        self._compounds: dict[str, str | None] = {}
        self._alternatives: dict[tuple[str, ...], str] = {}
        self._german: dict[str, str] = {}
        self._everyday: set[str] = set()

    def add(self, words: list[str], owner: str, *, whole_only: bool = False, greek: bool = False,
            genitive: bool = False, german: bool = False) -> str | None:
        """Index one spelling of a term; returns the other owner when the key is already taken.

        ``genitive``: a hr/sl term, whose genitive plurals are also indexed by their base form;
        ``german``: a German term, which may be the last or first part of a compound.
        """
        key = tuple(map(fold_word, words))
        table = self._whole if whole_only else self.keys
        previous = self.keys.get(key, self._whole.get(key, owner))
        table.setdefault(key, owner)
        if greek and sum(map(len, key)) >= _GREEKLISH_MIN and not whole_only:
            self._greeklish[tuple(GREEKLISH + greeklish_key(word) for word in words)].add(owner)
        if german and len(key) == 1 and not whole_only:
            self._german.setdefault(key[0], owner)
        if genitive and not whole_only:
            base = tuple(plural_genitive_stem(word) or folded for word, folded in zip(words, key))
            self._alternatives.setdefault(base, owner)  # a real term with that key wins (finish)
        return previous if previous != owner else None

    def add_compound_parts(self, heads: Iterable[str], modifiers: Mapping[str, str]) -> None:
        """Generic compound heads ("Organisation") and first parts that name a skill ("Veranstaltung")."""
        self._heads.update(fold_word(normalize_tag(head)) for head in heads)
        self._modifiers.update((fold_word(normalize_tag(word)), owner) for word, owner in modifiers.items())

    def add_everyday(self, words: Iterable[str]) -> None:
        """Everyday words (normalized) that are never read as a typo, as Greek or as a compound."""
        self._everyday.update(words)

    def finish(self) -> None:
        """Build the lookup tables once every term is in; a Greek reading two skills share is dropped."""
        for key, owners in self._greeklish.items():
            if len(owners) == 1:
                self.keys.setdefault(key, next(iter(owners)))
        for key, owner in self._alternatives.items():
            self.keys.setdefault(key, owner)
        for key in self.keys:
            self._prefixes.update(key[:size] for size in range(1, len(key) + 1))
            self._words.update(key)
        buckets: dict[str, list[str]] = defaultdict(list)
        for word in self._words:
            if len(word) >= FUZZY_ONE - 1 and not word.startswith(GREEKLISH):
                buckets[word[0]].append(word)
        self._buckets = {letter: sorted(words) for letter, words in buckets.items()}
        self._readings.clear()
        self._compounds.clear()

    # --- reading one typed word ----------------------------------------------------------------

    def _reading(self, word: str) -> tuple[tuple[str, int], ...]:
        """(index word, cost) pairs a typed word may stand for; cached."""
        found = self._readings.get(word)
        if found is None:
            if len(self._readings) >= _CACHE_MAX:
                self._readings.clear()
            found = self._readings[word] = tuple(self._read(word))
        return found

    def _read(self, word: str) -> Iterable[tuple[str, int]]:
        folded = fold_word(word)
        readings = [(folded, 0)] if folded in self._words else []
        stem = plural_genitive_stem(word)
        if stem and stem != folded and stem in self._words:
            readings.append((stem, 0))
        if word in self._everyday:
            return readings
        if not is_greek(word):
            greek = GREEKLISH + greeklish_key(word)
            if greek in self._words:
                readings.append((greek, 1))
        if not readings:
            readings.extend((typo, 2) for typo in self._typos(word, folded))
        return readings

    def _typos(self, word: str, folded: str) -> tuple[str, ...]:
        """Vocabulary words within the allowed edit distance of an unknown word, the closest ones."""
        if len(folded) < FUZZY_ONE or not word.isalpha():
            return ()
        limit = 2 if len(folded) >= FUZZY_TWO else 1
        hits = process.extract(folded, self._buckets.get(folded[0], ()), scorer=OSA.distance,
                               score_cutoff=limit, limit=None)
        best = min((score for _, score, _ in hits), default=None)
        return tuple(choice for choice, score, _ in hits if score == best)

    def _compound(self, word: str) -> str | None:
        """The skill a compound names through its parts, cached: "Hochzeitsfotografin" → photography."""
        if word not in self._compounds:
            if len(self._compounds) >= _CACHE_MAX:
                self._compounds.clear()
            self._compounds[word] = self._split_compound(word)
        return self._compounds[word]

    def _split_compound(self, word: str) -> str | None:
        if len(word) < COMPOUND_MIN or is_greek(word) or not word.isalpha() or word in self._everyday:
            return None
        splits = range(MODIFIER_MIN, len(word) - HEAD_MIN + 1)
        heads = (fold_word(word[cut:]) for cut in splits)  # longest first: the head says what it is
        return self._generic_head(word, splits) or next(
            (self._german[head] for head in heads if len(head) >= TERM_HEAD_MIN and head in self._german), None)

    def _generic_head(self, word: str, splits: range) -> str | None:
        """A first part naming a skill before a generic head: "Gitarren|unterricht" is music
        teaching, not any teaching; listed modifiers first, then German one-word terms."""
        for cut in splits:
            if fold_word(word[cut:]) not in self._heads:
                continue
            for linker in _LINKERS:
                modifier = word[:cut - len(linker)] if linker else word[:cut]
                if word[:cut].endswith(linker) and len(modifier) >= MODIFIER_MIN:
                    first = fold_word(modifier)
                    owner = self._modifiers.get(first) or self._german.get(first)
                    if owner:
                        return owner
        return None

    # --- phrases -------------------------------------------------------------------------------

    def scan(self, words: list[str], *, whole: bool = False, capitals: frozenset[int] = frozenset()) -> list[Match]:
        """Known phrases in ``words``, left to right, longest first; ``whole``: the words are one tag;
        ``capitals``: positions of words typed in capitals, whose short terms count in prose."""
        readings = [self._reading(word) for word in words]
        found: list[Match] = []
        start = 0
        while start < len(words):
            match = self._longest(words, readings, start, whole or start in capitals) or self._joined(words, start) \
                or self._compound_at(words, readings, start)
            if match is None:
                start += 1
                continue
            found.append(match)
            start = match[1]
        return found

    def _longest(self, words: list[str], readings: list[tuple[tuple[str, int], ...]], start: int,
                 whole: bool) -> Match | None:
        best: tuple[int, int, str] | None = None  # end, -cost, owner
        stack: list[tuple[int, tuple[str, ...], int, bool]] = [(start, (), 0, False)]
        while stack:
            position, prefix, cost, skipped = stack.pop()
            if position >= len(words):
                continue
            for key_word, extra in readings[position]:
                key = (*prefix, key_word)
                if key not in self._prefixes:
                    continue
                owner = self.keys.get(key)
                short = len(key) == 1 and len(words[position]) < TAG_ONLY_BELOW
                if owner is not None and (whole or not short):
                    candidate = (position + 1, -(cost + extra), owner)
                    if best is None or candidate[:2] > best[:2]:
                        best = candidate
                stack.append((position + 1, key, cost + extra, skipped))
            if prefix and not skipped and len(words[position]) <= GAP_MAX:
                stack.append((position + 1, prefix, cost + 1, True))
        return (start, best[0], best[2]) if best else None

    def _joined(self, words: list[str], start: int) -> Match | None:
        """Two words typed apart that the vocabulary writes as one: "Web Entwicklerin"."""
        if start + 1 >= len(words):
            return None
        owner = self.keys.get((fold_word(words[start] + words[start + 1]),))
        return (start, start + 2, owner) if owner is not None else None

    def _compound_at(self, words: list[str], readings: list[tuple[tuple[str, int], ...]],
                     start: int) -> Match | None:
        if readings[start]:
            return None  # a word the vocabulary knows is not split
        owner = self._compound(words[start])
        return (start, start + 1, owner) if owner else None

    def whole(self, words: list[str]) -> str | None:
        """The one skill that ``words`` name as a whole tag, else None."""
        key = tuple(map(fold_word, words))
        if key in self._whole:
            return self._whole[key] or None
        found = self.scan(words, whole=True)
        if len(found) == 1 and found[0][:2] == (0, len(words)):
            return found[0][2] or None
        if len(words) > 1:
            return self.keys.get((fold_word("".join(words)),)) or None
        return None
