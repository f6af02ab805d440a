"""Languages: the API's messages, mails, the demo and the HTML fragment follow
the reader's language through Flask-Babel (catalogues in widget/translations,
compiled by `make install`). The admin area stays English.

The box (static/js/widget.js) sends its own language as ``Accept-Language``;
the fragment also takes ``?lang=`` so a CDN can cache one copy per language.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale

# Babel's names; the box's files under static/i18n use BCP 47 (pt-BR).
LANGUAGES = ("en", "hi", "de", "fr", "es", "it", "pt_BR", "nl", "pl", "ja", "ko", "ar")
RIGHT_TO_LEFT = frozenset({"ar"})

babel = Babel()

# Compiled .mo files sit beside the .po files (`make install` compiles them).
TRANSLATIONS = Path(__file__).parent / "translations"


def best_language(asked: str | None = None) -> str:
    """The supported language closest to ``asked`` (a tag such as ``pt-BR``),
    else to the request's ``Accept-Language``, else English."""
    if asked:
        return _closest(asked) or "en"
    return _from_header()


def _from_header() -> str:
    if not has_request_context() or request.path.startswith("/admin"):
        return "en"  # the admin area, and the worker's admin digest, stay English
    # The reader's preferences in order of quality; each matched exactly, else
    # by its language alone (pt-PT reads pt_BR, de-AT de) before the next.
    for tag, quality in request.accept_languages:
        if quality > 0 and tag != "*" and (language := _closest(tag)):
            return language
    return "en"


def _closest(tag: str) -> str | None:
    tag = tag.replace("-", "_").strip().lower()
    for language in LANGUAGES:
        if tag == language.lower():
            return language
    base = tag.split("_", 1)[0]
    return next((language for language in LANGUAGES if language.split("_")[0] == base), None)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=_from_header)
    app.context_processor(page_language)


def page_language() -> dict[str, str]:
    """``<html lang="{{ page_lang }}" dir="{{ page_dir }}">`` for the pages
    that follow the reader's language (BCP 47: pt-BR)."""
    locale = get_locale()
    language = str(locale) if locale is not None else "en"
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return {"page_lang": language.replace("_", "-"), "page_dir": direction}
