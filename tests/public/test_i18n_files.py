"""The box's language files: English's keys in every language, Babel's plural forms,
real translations, the size budget, the version the box asks for, and how they are served.

Every text the box shows lives in static/i18n/<tag>.json, English (en.json) included:
widget.js has room for code only within its 9 KB budget."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from flask.testing import FlaskClient

from .test_widget_static import gzipped_size

STATIC = Path(__file__).resolve().parents[2] / "static"
SOURCE = (STATIC / "js" / "widget.js").read_text()
ENGLISH: dict[str, Any] = json.loads((STATIC / "i18n" / "en.json").read_text())
FILES = sorted((STATIC / "i18n").glob("*.json"))
TAGS = ["hi", "de", "fr", "es", "it", "pt-BR", "nl", "pl", "ja", "ko", "ar"]
BOX_TAGS = re.findall(r'"(en [a-zA-Z -]+)"\.split', SOURCE)
FILE_BUDGET = 1536
# Words that truly are the same in that language (a loanword, a shared noun).
SAME_AS_ENGLISH = {
    ("de", "name"),
    ("de", "top"),
    *((tag, "spa") for tag in ("de", "fr", "es", "it", "pt-BR", "nl", "pl")),
}
PLACEHOLDER = re.compile(r"\{\w+\}")


def strings(tag: str) -> dict[str, Any]:
    return json.loads((STATIC / "i18n" / f"{tag}.json").read_text())


def test_every_language_has_its_file_and_the_box_knows_them_all() -> None:
    assert sorted(path.stem for path in FILES) == sorted(["en", *TAGS])
    assert BOX_TAGS and sorted(BOX_TAGS[0].split()) == sorted(["en", *TAGS])


def test_the_box_names_every_english_key_it_uses() -> None:
    used = set(re.findall(r"\bT\.(\w+)", SOURCE)) | set(re.findall(r'\bt\("(\w+)"', SOURCE))

    # Looked up by the first three letters of an API value: the sorts and report reasons.
    used |= {value[:3] for value in ("newest", "oldest", "top", "spam", "abuse", "off_topic")}
    used |= {"ill", "left", "over"}  # the counter: t(room < 0 ? "over" : "left")

    assert used, 'the box reads its texts as T.key and t("key")'
    assert used - set(ENGLISH) == set(), "missing in en.json"
    assert set(ENGLISH) - used == set(), "never shown by the box"


@pytest.mark.parametrize("tag", TAGS)
def test_a_language_file_has_exactly_the_english_keys(tag: str) -> None:
    assert set(strings(tag)) == set(ENGLISH)


@pytest.mark.parametrize("tag", TAGS)
def test_plural_entries_have_exactly_the_forms_of_the_language(tag: str) -> None:
    forms = set(Locale.parse(tag.replace("-", "_")).plural_form.tags) | {"other"}

    for key, english in ENGLISH.items():
        translated = strings(tag)[key]
        # One string where the words are the same for every number ("Noch # Zeichen").
        if isinstance(english, dict) and not isinstance(translated, str):
            assert set(translated) == forms, key
        else:
            assert isinstance(translated, str), key


@pytest.mark.parametrize("tag", TAGS)
def test_texts_are_translated_with_their_placeholders(tag: str) -> None:
    for key, english in ENGLISH.items():
        translated = strings(tag)[key]
        other = english["other"] if isinstance(english, dict) else english
        for text in translated.values() if isinstance(translated, dict) else [translated]:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(other)), (key, text)
        if (tag, key) not in SAME_AS_ENGLISH:
            assert translated != english, f"{tag} {key} is still English"


@pytest.mark.parametrize("tag", ["en", *TAGS])
def test_a_language_file_stays_within_its_gzipped_budget(tag: str) -> None:
    size = gzipped_size(STATIC / "i18n" / f"{tag}.json")

    assert size <= FILE_BUDGET, f"{tag}.json is {size} bytes gzipped; the budget is {FILE_BUDGET}"


def test_the_box_asks_for_the_current_version_of_the_files() -> None:
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in FILES)).hexdigest()

    (version,) = re.findall(r'const V = "([0-9a-f]+)";', SOURCE)
    assert version == digest[:8], "a language file changed: set V in widget.js to " + digest[:8]


def test_a_versioned_language_file_is_cached_for_good_and_open_to_every_origin(
    client: FlaskClient,
) -> None:
    response = client.get("/static/i18n/de.json?v=1", headers={"Origin": "https://news.example"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json()["head"] == "Leserkommentare"
    response.close()


def test_an_unversioned_language_file_keeps_the_ordinary_cache(client: FlaskClient) -> None:
    response = client.get("/static/i18n/de.json")

    assert "immutable" not in response.headers.get("Cache-Control", "")
    response.close()
