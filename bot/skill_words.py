"""Words of typed skills: normalization, folding, and the spellings people use instead.

* ``normalize_tag``: the form a tag is stored in (free tags keep their inner punctuation, so
  "C++" or "R&D" stay readable).
* ``fold_word``: the matching form of one normalized word, so plural, gender and the commonest
  case endings compare equal. The same folding is applied to the vocabulary terms and to the
  input, so it only has to be consistent, not linguistically right. It strips at most one ending
  per word; what it folds is listed in the tables below.
* ``plural_genitive_stem`` and ``greeklish_key``: extra readings of an input word that the
  vocabulary is not indexed under directly: Croatian/Slovenian genitive plurals ("projekata",
  "razpisov") and Greek typed in Latin letters ("metafrasi", "grafistas").

Pure functions on strings; nothing here knows the vocabulary.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that are not "letter + accent" in Unicode, so NFKD would keep them. đ becomes "dj"
# (the usual Croatian ASCII spelling); vocabulary terms are also indexed with plain "d".
_LETTERS = str.maketrans({"đ": "dj", "ð": "d", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "ı": "i", "þ": "th"})
_SPACES = re.compile(r"[\s_\-\u2010-\u2015]+")  # '_' and dashes separate words like spaces do
WORD = re.compile(r"[^\W_]+[+#]*")  # a word for matching; "c++" and "c#" stay one word
_FINAL_SIGMA = re.compile(r"σ(?![^\W_])")
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")  # combining


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
# hr/sl genitive plural: "pisanje projekata", "prijave na razpisov", "izrada kolača". Only an
# extra reading of input words, so the vocabulary lists base forms and nothing else changes.
_PLURAL_GENITIVE = {"ata": "", "ova": "", "eva": "", "ov": "", "ev": "", "ami": "", "ah": ""}


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


def words_of(text: str) -> list[str]:
    """The normalized words of ``text``, punctuation dropped ("UX/UI design" → ux, ui, design)."""
    return WORD.findall(normalize_tag(text))


def capitals(text: str) -> frozenset[int]:
    """Positions, in ``words_of(text)``, of words typed in capitals ("my CV", "a DJ"): acronyms,
    which may name a skill in prose although short. None when the whole text is in capitals."""
    if not any(char.islower() for char in text):
        return frozenset()
    typed = WORD.findall(_MARKS.sub("", unicodedata.normalize("NFKD", _SPACES.sub(" ", text))))
    if len(typed) != len(words_of(text)):  # a letter that normalizes into two words: no guess
        return frozenset()
    return frozenset(i for i, word in enumerate(typed) if len(word) > 1 and word.isupper())


def is_greek(word: str) -> bool:
    return bool(word) and "\u0370" <= word[0] <= "\u03ff"


@lru_cache(maxsize=16384)
def fold_word(word: str) -> str:
    """One normalized word → its matching form: "graphistes" → "graphist", "γραφίστες" → "γραφιστ".

    Latin script: first one plural -s (-ies → -y, -ches/-shes/-sses/-xes → drop "es", not after
    ss/us/is), then the longest ending of ``_LATIN``. Greek: the longest ending of ``_GREEK``.
    """
    if is_greek(word):
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
    return tuple(map(fold_word, words_of(text)))


def plural_genitive_stem(word: str) -> str | None:
    """The folded base form if ``word`` may be a hr/sl genitive plural ("razpisov" → "razpis")."""
    if is_greek(word):
        return None
    stem = _strip_ending(word, _PLURAL_GENITIVE, _MIN_LATIN + 1)
    return fold_word(stem) if stem != word else None


# --- Greek typed in Latin letters ("greeklish") -------------------------------------------------
# Both the Greek terms (transliterated) and the typed Latin words go through one lossy skeleton
# that merges the spellings people use for the same Greek letter: θ th/8, χ ch/h/x, ξ ks/x,
# η ι υ ει οι all "i", ω o/w, ου ou/u, μπ b/mp, ντ d/nt, double letters single.

_TRANSLITERATION = {"ου": "ou", "αυ": "av", "ευ": "ev", "μπ": "mp", "ντ": "nt", "γκ": "gk", "γγ": "gg"}
_TRANSLITERATION.update(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                            "a v g d e z i th i k l m n ks o p r s s t y f ch ps o".split()))
_TRANSLITERATE = re.compile("|".join(sorted(_TRANSLITERATION, key=len, reverse=True)))
_SKELETON = [(re.compile(pattern), replacement) for pattern, replacement in (
    ("ou", "u"), ("ph", "f"), ("th", "8"), ("ch|kh|h", "x"), ("ks", "x"), ("mp", "b"), ("nt", "d"),
    ("gk|gg", "g"), ("ai", "e"), ("ei|oi|y", "i"), ("w", "o"), ("au|af", "av"), ("eu|ef", "ev"),
    (r"(.)\1", r"\1"),
)]
_MIN_GREEKLISH = 4


def _skeleton(latin: str) -> str:
    for pattern, replacement in _SKELETON:
        latin = pattern.sub(replacement, latin)
    return latin


def _transliterate(greek: str) -> str:
    return _TRANSLITERATE.sub(lambda match: _TRANSLITERATION[match.group()], greek)


_GREEKLISH_ENDINGS = {_skeleton(_transliterate(ending)): _skeleton(_transliterate(replacement))
                      for ending, replacement in _GREEK.items()}


@lru_cache(maxsize=16384)
def greeklish_key(word: str) -> str:
    """A normalized word, Greek or Latin, as Greek sounds: "μετάφραση" and "metafrasi" → "metafras"."""
    latin = _transliterate(word) if is_greek(word) else word
    return _strip_ending(_skeleton(latin), _GREEKLISH_ENDINGS, _MIN_GREEKLISH)
