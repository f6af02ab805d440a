"""Twelve languages (issue 15): every catalogue complete and in step with the
source, mails and pages in the reader's language, the admin area in English.
The API's answers are tested in tests/public/test_api_languages.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import posted, reader
from tests.notify.conftest import (  # its SMTP server, as fixtures of this module
    MailServer,
    drain,
    notify_app,
    smtp,  # noqa: F401
    test_ca,  # noqa: F401
    trusted,  # noqa: F401
)
from widget.i18n import LANGUAGES, best_language

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "widget" / "translations"
TRANSLATED = [language for language in LANGUAGES if language != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def _po(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _msgids(catalog: Catalog) -> set[Any]:
    return {message.id for message in catalog if message.id}


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _problems(message: Message, plurals: int) -> list[str]:
    """What is wrong with one translated entry, if anything."""
    if message.fuzzy:
        return ["fuzzy"]
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    if isinstance(message.id, tuple) and len(forms) != plurals:
        return [f"{len(forms)} plural forms, the language has {plurals}"]
    wanted = _placeholders(ids[-1])
    problems = []
    for form in forms:
        if not form or not form.strip():
            problems.append("empty")
        elif _placeholders(form) != wanted:
            problems.append(f"placeholders {_placeholders(form)} != {wanted}: {form!r}")
        else:
            try:  # what gettext does with it: a stray % would be a 500
                form % dict.fromkeys(wanted, 7)
            except (ValueError, TypeError, KeyError) as error:
                problems.append(f"{error}: {form!r}")
        if form == ids[-1] and re.search(r"[a-z]{3} [a-z]{3}", form):
            problems.append(f"left in English: {form!r}")
    return problems


def test_every_catalogue_translates_every_message_of_the_template() -> None:
    template = _msgids(_catalog(TRANSLATIONS / "messages.pot"))
    assert len(template) > 50
    found = {}
    for language in TRANSLATED:
        catalog = _catalog(_po(language), language)
        assert not catalog.fuzzy, f"{language}: the catalogue's header is marked fuzzy"
        missing = template - _msgids(catalog)
        assert not missing, f"{language} lacks {sorted(map(str, missing))}"
        for message in catalog:
            if message.id and message.id in template:
                problems = _problems(message, catalog.num_plurals)
                if problems:
                    found[(language, str(message.id))] = problems
    assert not found, found


def test_the_plural_rules_are_each_languages_own() -> None:
    forms = {language: _catalog(_po(language), language).num_plurals for language in TRANSLATED}
    assert forms["pl"] == 3 and forms["ar"] == 6 and forms["ja"] == forms["ko"] == 1
    assert forms["de"] == forms["nl"] == forms["hi"] == 2


def test_the_template_is_in_step_with_the_source(tmp_path: Path) -> None:
    """A new English text without translations fails here: run `make translations`,
    then translate the new entries."""
    fresh = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    command = [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "lazy_gettext"]
    subprocess.run([*command, "-o", str(fresh), "."], cwd=ROOT, check=True)
    committed = _msgids(_catalog(TRANSLATIONS / "messages.pot"))
    source = _msgids(_catalog(fresh))
    assert source - committed == set(), "texts in the source but not in messages.pot"
    assert committed - source == set(), "texts in messages.pot that the source no longer has"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_is_the_committed_one(language: str) -> None:
    """The service reads .mo files, built by `make install` (not committed)."""
    compiled = _po(language).with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `make install`"
    with compiled.open("rb") as file:
        built = {_hashable(m.id): _hashable(m.string) for m in read_mo(file) if m.id}
    source = {m.id: m.string for m in _catalog(_po(language), language) if m.id}
    assert built == source, f"{compiled} is older than its .po: run `make install`"


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def test_best_language_maps_tags_to_catalogues() -> None:
    assert best_language("pt-BR") == best_language("pt") == "pt_BR"
    assert best_language("de-AT") == "de" and best_language("AR") == "ar"
    assert best_language("tlh") == best_language("") == "en"


# --- mails and pages ------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, smtp: MailServer) -> Flask:  # noqa: F811
    return notify_app(tmp_path, smtp)


READER = "camille@reader.example"
GERMAN_REPLY = "Danke, Camille, das sehe ich genauso: Der Deich war nie für solche Fluten gebaut."


def test_the_confirmation_mail_is_in_the_language_the_reader_posted_in(
    app: Flask,
    smtp: MailServer,  # noqa: F811
) -> None:
    french = app.test_client()
    french.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    posted(french, email=READER, notify_replies=True)
    drain(app)
    (mail,) = smtp.to(READER)
    assert mail["Subject"] == "Confirmer les e-mails de réponse"
    text = mail.get_content()
    assert text.startswith("Bonjour,")
    assert "ouvrez ce lien dans les 48 heures" in " ".join(text.split())
    assert "Hello" not in text

    # The page the link opens follows the browser that opens it.
    link = re.search(r"https://comments\.news\.example(/mail/confirm\?token=\S+)", text)
    assert link is not None
    page = app.test_client().get(link.group(1), headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "تأكيد رسائل الردود" in page.text and READER in page.text


@pytest.mark.parametrize("replier_language", ["en", "fr"])
def test_a_reply_mail_is_written_in_the_language_the_reader_commented_in(
    app: Flask,
    smtp: MailServer,  # noqa: F811
    replier_language: str,
) -> None:
    """The reader wrote in German: their reply mails are German, whatever the
    language of the reader who answered."""
    german = app.test_client()
    german.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    comment_id = posted(german, email=READER, notify_replies=True)["id"]
    drain(app)
    (confirmation,) = smtp.to(READER)
    assert confirmation["Subject"] == "Antwort-E-Mails bestätigen"
    link = re.search(r"(/mail/confirm\?token=\S+)", confirmation.get_content())
    assert link is not None
    german.post(link.group(1))

    replier = reader(app, "203.0.113.9")
    replier.environ_base["HTTP_ACCEPT_LANGUAGE"] = replier_language
    posted(replier, author="Rohit P", body=GERMAN_REPLY, parent_id=comment_id)
    drain(app)
    mail = smtp.to(READER)[-1]
    assert mail["Subject"] == "Rohit P hat auf Ihren Kommentar geantwortet"
    text = mail.get_content()
    assert "Rohit P hat auf Ihren Kommentar zu a1 geantwortet." in text
    assert "Ihr Kommentar:" in text and "Die Antwort:" in text
    assert "Diese E-Mails abbestellen:" in text


def test_the_demo_page_follows_the_readers_language(client: FlaskClient) -> None:
    french = client.get("/demo", headers={"Accept-Language": "fr"})
    assert '<html lang="fr" dir="ltr">' in french.text
    assert "Thème du module :" in french.text and "Box theme" not in french.text
    assert "Accept-Language" in french.headers["Vary"]
    listing = client.get("/demo/list", headers={"Accept-Language": "fr-CA"}).text
    assert "<h1>Derniers articles</h1>" in listing and "Latest stories" not in listing
    arabic = client.get("/demo", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic
    english = client.get("/demo").text
    assert '<html lang="en" dir="ltr">' in english and "Box theme:" in english


def test_the_admin_area_stays_english(client: FlaskClient) -> None:
    page = client.get("/admin/login", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    assert 'lang="en"' in page.text
    with client.application.test_request_context("/admin/login", headers={"Accept-Language": "de"}):
        assert best_language() == "en"
    with client.application.test_request_context("/demo", headers={"Accept-Language": "de"}):
        assert best_language() == "de"
