"""The reader's language: chosen by ``?lang=``, else ``Accept-Language``, else the site's default.

Data are labelled in Russian and English, some in Kazakh. The interface speaks Russian and
English; a Kazakh page shows Kazakh names where they exist and falls back to Russian (then
English) for the rest, each fallback marked with its own ``lang`` attribute.
"""

from __future__ import annotations

from flask import current_app, request
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest

from publisher.web.labels import language_chain
from publisher.web.messages import MESSAGES

LANGUAGES = ("ru", "en", "kk")
LANGUAGE_NAMES = {"ru": "Русский", "en": "English", "kk": "Қазақша"}
DEFAULT_LANGUAGE = "ru"


def default_language() -> str:
    configured = str(current_app.config.get("LANGUAGE", DEFAULT_LANGUAGE))
    return configured if configured in LANGUAGES else DEFAULT_LANGUAGE


def choose_language() -> tuple[str, bool]:
    """The page language, and whether the URL fixed it (``?lang=``) rather than the headers."""
    asked = request.args.get("lang")
    if asked is not None:
        if asked not in LANGUAGES:
            raise BadRequest(f"unsupported language {asked!r}; pages are offered in: {', '.join(LANGUAGES)}")
        return asked, True
    return request.accept_languages.best_match(LANGUAGES, default=default_language()), False


def choose_language_leniently() -> str:
    """The same choice for error pages, which must render whatever the request says."""
    try:
        return choose_language()[0]
    except Exception:
        return default_language()


class Translator:
    """Interface strings in one language; ``t(key)`` for text, ``t.plain(key)`` for attributes.

    A string missing in the page language comes from the next language of the chain and is
    wrapped in a ``<span lang>`` saying so.
    """

    def __init__(self, language: str):
        self.language = language

    def _find(self, key: str) -> tuple[str, str]:
        for candidate in language_chain(self.language):
            if key in MESSAGES.get(candidate, {}):
                return MESSAGES[candidate][key], candidate
        return key, "en"

    def plain(self, key: str, **values) -> str:
        text, _ = self._find(key)
        return text.format(**values) if values else text

    def __call__(self, key: str, **values) -> Markup:
        text, found_in = self._find(key)
        if values:
            text = text.format(**{k: v for k, v in values.items()})
        if found_in != self.language:
            return Markup('<span lang="{}">{}</span>').format(found_in, text)
        return Markup(escape(text))


def translator(language: str) -> Translator:
    return Translator(language)
