"""The shared skill vocabulary: one id per skill whatever language, gender or plural is typed."""
from __future__ import annotations

from collections import defaultdict

import pytest

from bot.vocabulary import (
    FAMILIES,
    LANGUAGES,
    Vocabulary,
    VocabularyError,
    canonical_tags,
    extract_need_tags,
    load_vocabulary,
    matching_key,
    normalize_tag,
    parse_vocabulary,
    read_vocabulary_data,
)


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="module")
def data() -> dict:
    return read_vocabulary_data()


def entry(**overrides: object) -> dict:
    """A minimal valid skill entry (every language present)."""
    return {lang: [f"{lang} term"] for lang in LANGUAGES} | overrides


# --- the cross-language promises of /skills and /need ------------------------------------------

def test_greek_graphic_designer_need_matches_italian_grafica(vocab: Vocabulary) -> None:
    grafica = vocab.match("grafica")
    assert grafica == "graphic-design"
    assert extract_need_tags("Χρειάζομαι γραφίστα για λογότυπο") == [grafica, "logo-design"]
    assert vocab.match("γραφίστας") == vocab.match("γραφίστα") == grafica


def test_croatian_translator_need_matches_french_traduction(vocab: Vocabulary) -> None:
    assert extract_need_tags("Trebam prevoditelja za ugovor") == [vocab.match("traduction")]
    assert vocab.match("prevoditelj") == vocab.match("traduction") == "translation"


def test_german_translator_matches_slovenian_translation(vocab: Vocabulary) -> None:
    assert vocab.match("Übersetzerin") == vocab.match("prevajanje") == "translation"


@pytest.mark.parametrize(("variant", "base"), [
    ("γραφίστα", "γραφίστας"), ("γραφίστες", "γραφίστας"), ("γραφίστρια", "γραφίστας"),
    ("μεταφράστριες", "μεταφραστής"), ("graphistes", "graphiste"), ("traductrices", "traducteur"),
    ("traduttrici", "traduttore"), ("diseñadoras", "diseñador"), ("prevoditeljica", "prevoditelj"),
    ("prevoditeljicu", "prevoditelj"), ("dizajnerica", "dizajner"), ("novinarka", "novinar"),
    ("prevajalka", "prevajalec"), ("prevajalca", "prevajalec"), ("Übersetzerinnen", "Übersetzer"),
    ("Architektin", "Architekt"), ("Fotografen", "Fotograf"), ("musiciennes", "musicien"),
    ("translators", "translator"), ("coaches", "coach"),
])
def test_plural_and_gender_forms_fold_to_the_base_form(variant: str, base: str) -> None:
    assert matching_key(variant) == matching_key(base)


def test_folding_does_not_shorten_words_into_everyday_words() -> None:
    assert matching_key("ventes") != matching_key("vent")  # sales vs wind
    assert matching_key("Nähen") != matching_key("nah")  # sewing vs near
    assert matching_key("LinkedIn") == ("linkedin",)


# --- the vocabulary file ------------------------------------------------------------------------

def test_at_least_250_skills_in_every_family_each_in_all_eight_languages(vocab: Vocabulary, data: dict) -> None:
    assert len(vocab) == len(vocab.ids()) >= 250
    per_family = {family: [i for i in vocab.ids() if vocab.family(i) == family] for family in FAMILIES}
    assert {family: len(ids) for family, ids in per_family.items() if len(ids) < 8} == {}
    for skill_id, terms in data["skill"].items():
        for lang in LANGUAGES:
            assert terms.get(lang) and all(t.strip("= ") for t in terms[lang]), (skill_id, lang)
            assert vocab.label(skill_id, lang) == terms[lang][0].removeprefix("=")


# Terms that fold alike on purpose in two skills: none so far. A new entry needs a reason, since
# a member typing it would get both skills (the loader refuses any other shared term).
SHARED_ON_PURPOSE: dict[tuple[str, ...], set[str]] = {}


def test_no_two_skills_share_a_term_after_folding(data: dict) -> None:
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for skill_id, terms in data["skill"].items():
        for lang in LANGUAGES:
            for term in terms[lang]:
                owners[matching_key(term.removeprefix("="))].add(skill_id)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    assert shared == SHARED_ON_PURPOSE


@pytest.mark.parametrize(("text", "tags"), [
    # a word that means something else in another language, or in everyday talk, is no skill
    ("Mein Chef kommt heute", []), ("mon chef m'a appelé", []),  # the boss, not the cook
    ("Vorsicht, Gift im Keller", []),  # de poison, not en gift; "Keller" is not "Kellner"
    ("¿dónde está la carpeta azul?", []),  # es folder, not carpentry
    ("estoy seguro de que sí", []), ("sale a las cinco", []),  # es sure, goes out: not insurance, sales
    ("ho prenotato le sale riunioni", []), ("vorrei notare che", []),  # it rooms, to notice
    ("j'ai l'impression que oui", []), ("la stampa locale ne parla", []),  # a feeling, the press: no printing
    ("je cherche une maison à louer", []), ("fais un résumé du livre", []),  # not masonry, not a CV
    ("otra vez", []), ("dao sam mu knjigu", []), ("moj tata dolazi", []),  # time; gave (not DAO); dad
    ("moja babica je prišla", []), ("στις 5 Μαΐου", []),  # grandma, of May: not midwifery
    ("meet me in the lobby", []), ("drinks at the pub", []), ("my independent contractor status", []),
    ("ayuda con la impresora", []),  # es a printer device, not a print shop
    # the same word in two languages for one skill, or each its own
    ("cerco un editore", ["publishing"]), ("editor de vídeo", ["video-editing"]),
    ("pravnik", ["legal-advice"]),  # hr and sl alike
    ("zavarovanje", ["insurance"]), ("zavarivanje", ["welding"]),  # sl insurance, hr welding
    ("mediazione linguistica", ["interpreting"]), ("mediazione familiare", ["mediation"]),
    ("barista", ["bartending"]),  # it bar staff, en coffee: one skill
    ("publicist", ["public-relations"]),
])
def test_false_friends(text: str, tags: list[str]) -> None:
    assert extract_need_tags(text) == tags


def test_every_term_and_id_matches_its_own_skill(vocab: Vocabulary, data: dict) -> None:
    for skill_id, terms in data["skill"].items():
        assert vocab.match(skill_id) == skill_id
        for lang in LANGUAGES:
            for term in terms[lang]:
                assert vocab.match(term) == skill_id, (term, lang)


def test_related_skills_exist_and_are_symmetric(vocab: Vocabulary) -> None:
    assert "interpreting" in vocab.related("translation")
    assert "translation" in vocab.related("interpreting")
    for skill_id in vocab.ids():
        for other in vocab.related(skill_id):
            assert other in vocab and skill_id in vocab.related(other)
    assert vocab.related("free:sourdough baking") == set()


def test_a_file_with_clashing_terms_is_refused_at_load() -> None:
    clash = {"skill": {"translation": entry(en=["translator"]), "other": entry(fr=["translators"])}}
    with pytest.raises(VocabularyError, match="translator"):
        parse_vocabulary(clash)


@pytest.mark.parametrize("bad", [
    {"skill": {"x": entry(sl=[])}},
    {"skill": {"x": entry(related=["nowhere"])}},
    {"skill": {"x": entry(pt=["tradução"])}},
    {"skill": {"Bad_Id": entry()}},
    {"skill": {"x": entry()}, "ignore": {"en": ["en term"]}},
])
def test_incomplete_or_ambiguous_files_are_refused(bad: dict) -> None:
    with pytest.raises(VocabularyError):
        parse_vocabulary(bad)


def test_loaded_once_and_shared() -> None:
    assert load_vocabulary() is load_vocabulary()


# --- normalization and tags ---------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "normalized"), [
    ("Sourdough  Baking", "sourdough baking"), ("#Graphic_Design!", "graphic design"),
    ("γραφίστας", "γραφιστας"), ("ΓΡΑΦΊΣΤΑΣ", "γραφιστας"), ("Prevođenje", "prevodjenje"),
    ("#3d-printing", "3d printing"), ("Übersetzerin", "ubersetzerin"), ("« Traduction »", "traduction"),
    ("C++", "c++"), ("R&D", "r&d"), ("  UX/UI design. ", "ux/ui design"),
])
def test_normalize_tag(typed: str, normalized: str) -> None:
    assert normalize_tag(typed) == normalized
    assert normalize_tag(normalized) == normalized  # idempotent: stored tags stay stable


def test_case_and_accents_do_not_matter(vocab: Vocabulary) -> None:
    assert vocab.match("GRAPHISME") == vocab.match("Graphisme") == vocab.match("graphisme") == "graphic-design"
    assert vocab.match("UBERSETZUNG") == vocab.match("Übersetzung") == "translation"
    assert vocab.match("prevodenje") == vocab.match("prevodjenje") == vocab.match("prevođenje")
    assert vocab.match("diseno grafico") == vocab.match("Diseño Gráfico")


def test_multi_word_terms(vocab: Vocabulary) -> None:
    assert vocab.match("web development") == vocab.match("sviluppo web") == vocab.match("web developer")
    assert vocab.match("Web-Entwicklerin") == "web-development"
    assert vocab.match("developer") == "programming"  # the longer term is a different skill


def test_canonical_tags_ids_then_free_tags_in_order_without_duplicates() -> None:
    assert canonical_tags("Grafica, 3D-Druck, underwater hockey") == [
        "graphic-design", "3d-printing", "free:underwater hockey"]
    assert canonical_tags("Underwater  Hockey; underwater hockey, GRAFICA, graphisme") == [
        "free:underwater hockey", "graphic-design"]
    assert canonical_tags("#seo #ux, , 42, !!!") == ["seo", "ux-design"]
    assert canonical_tags("<b>bold</b>") == ["free:<b>bold</b>"]  # the caller escapes


def test_label_in_the_readers_language(vocab: Vocabulary) -> None:
    assert vocab.label("translation", "de") == "Übersetzung"
    assert vocab.label("translation", "fr-FR") == vocab.label("translation", "fr_FR") == "traduction"
    assert vocab.label("translation", "pt") == "translation"  # unknown language: English
    assert vocab.label("retired-skill", "it") == "retired-skill"  # old ids still render


# --- needs --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("need", "tags"), [
    ("I need a Greek translator #translation", ["translation"]),
    ("Looking for a web developer and a proofreader", ["web-development", "proofreading"]),
    ("Je cherche une graphiste et un traducteur pour mon site", ["graphic-design", "translation", "website"]),
    ("Cerco un grafico per un logo", ["graphic-design", "logo-design"]),
    ("Busco una diseñadora gráfica y un abogado", ["graphic-design", "legal-advice"]),
    ("Χρειάζομαι λογίστρια και φωτογράφο", ["accounting", "photography"]),
    ("Trebam grafičkog dizajnera i računovođu", ["graphic-design", "accounting"]),
    ("Ich suche eine Übersetzerin und einen Webentwickler", ["translation", "web-development"]),
    ("Iščem prevajalca in grafičnega oblikovalca", ["translation", "graphic-design"]),
])
def test_need_tags_in_several_languages(need: str, tags: list[str]) -> None:
    assert extract_need_tags(need) == tags


def test_hashtags_come_first_known_or_free() -> None:
    assert extract_need_tags("#3d-printing") == ["3d-printing"]
    assert extract_need_tags("Need a translator #seo #Underwater_Hockey") == [
        "seo", "free:underwater hockey", "translation"]
    assert extract_need_tags("C# help, see #1") == []  # '#' in C# and a bare number are no tags


@pytest.mark.parametrize("text", [
    "Anyone going to Seoul next week?",  # not "seo" inside another word
    "Il y aura du vent vendredi",  # "vent" is not "vente"
    "Ci vediamo alle venti",
    "La posta elettronica non funziona",  # [ignore]: e-mail is not electronics
    "Mein Chef kommt heute",  # the boss, not the cook
    "ai clienti serve una mano",  # "AI" is a tag only, "ai" is Italian for "to the"
])
def test_no_matches_inside_words_or_in_everyday_phrases(text: str) -> None:
    assert extract_need_tags(text) == []


def test_short_terms_work_as_tags_and_longest_term_wins_in_text(vocab: Vocabulary) -> None:
    assert vocab.match("AI") == "machine-learning"
    assert extract_need_tags("help with #AI") == ["machine-learning"]
    assert extract_need_tags("looking for a web developer") == ["web-development"]
    assert extract_need_tags("un grafico e una grafica") == ["graphic-design"]


# --- how words are read -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "tags"), [
    ("help with my CV", ["cv-writing"]), ("need a DJ on friday", ["dj"]),  # short, typed in capitals
    ("ai clienti serve una mano", []), ("AI CLIENTI SERVE UNA MANO", []),  # a shouted sentence: no acronyms
    ("organizacija dogodka", ["event-organisation"]),  # the term says "dogodkov" (genitive plural)
    ("prijave na razpisov", ["grant-writing"]), ("pisanje EU projekata", ["grant-writing"]),
    ("Gitarrenunterricht", ["music-teaching"]), ("Veranstaltungsorganisation", ["event-organisation"]),
    ("Hochzeitsfotografin", ["photography"]), ("Fahrradreparatur", ["bicycle-repair"]),
    ("necesito ayuda", []), ("contractor", []), ("Substanz", []),  # no compound outside German terms
    ("photograpy", ["photography"]), ("tradutore", ["translation"]), ("photograper", ["photography"]),
    ("contre", []), ("Keller", []), ("partners", []),  # everyday words are no typos
    ("metafrasi", ["translation"]), ("grafistas", ["graphic-design"]), ("Georgia", []),  # Greek in Latin letters
    ("translate", ["translation"]), ("traduire", ["translation"]), ("tradurre", ["translation"]),
    ("traducir", ["translation"]), ("μεταφράζω", ["translation"]), ("prevoditi", ["translation"]),
    ("übersetzen", ["translation"]), ("prevajati", ["translation"]),
    ("sito web", ["website"]), ("página web", ["website"]), ("ιστοσελίδα", ["website"]),
    ("spletna stran", ["website"]), ("Webseite", ["website"]), ("site web", ["website"]), ("web stranica", ["website"]),
    ("logo", ["logo-design"]), ("λογότυπο", ["logo-design"]), ("compta", ["accounting"]),
    ("marketing digital", ["marketing"]),
])
def test_words_as_people_type_them(text: str, tags: list[str]) -> None:
    assert extract_need_tags(text) == tags


def test_lists_split_on_slash_plus_ampersand_comma_semicolon_but_ux_ui_stays_one() -> None:
    assert canonical_tags("UI/UX") == canonical_tags("UX/UI") == ["ux-design"]
    assert canonical_tags("photography / video editing + drones & SEO; yoga, python") == [
        "photography", "video-editing", "drones", "seo", "yoga", "programming"]
    assert extract_need_tags("need UI/UX help") == ["ux-design"]


def test_a_vocabulary_folder_holds_family_files_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "design.toml").write_text('[skill.x]\n' + "".join(f'{lang} = ["{lang} x"]\n' for lang in LANGUAGES))
    assert load_vocabulary.__wrapped__(tmp_path).family("x") == "design"
    (tmp_path / "misc.toml").write_text("")
    with pytest.raises(VocabularyError, match="misc"):
        read_vocabulary_data(tmp_path)
