"""The program's language: gettext catalogues and the labs' bilingual strings.

dockerlab speaks French first and English second. Source strings in the code
are English; French comes from `locales/fr/LC_MESSAGES/dockerlab.mo`. The
language is chosen once per process (`--lang`, else `DOCKERLAB_LANG`, else
French) and kept in a module global rather than a ContextVar, because the
guided shell starts threads that must speak the same language as the shell.

Lab files carry their own translations as `{fr: ..., en: ...}`; `Localized`
(tutor/localized.py, a pydantic model) holds that value and `localized()`
picks the current language's text. This module does not import pydantic: every
command imports it, and pydantic alone costs ~100 ms of start-up.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    import gettext   # loaded by translations(): `dockerlab docker ...` never translates

DOMAIN = "dockerlab"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
ENV_VAR = "DOCKERLAB_LANG"

_language: str | None = None
_translations: dict[str, gettext.NullTranslations] = {}


def locale_dir() -> Path:
    """Where the compiled catalogues are, wherever the package is installed.

    An installed wheel ships them as the `dockerlab.locales` package data; an
    editable install (the repository) has them next to `tutor/`. The
    `DOCKERLAB_LOCALEDIR` variable wins, for packagers who move them.
    """
    override = os.environ.get("DOCKERLAB_LOCALEDIR")
    if override:
        return Path(override)
    try:
        import dockerlab.locales as packaged  # data-only package: no __init__ needed
    except ImportError:
        packaged = None
    for entry in getattr(packaged, "__path__", []):
        if Path(entry, DEFAULT_LANGUAGE).is_dir():
            return Path(entry)
    return Path(__file__).resolve().parent.parent / "locales"


def normalize_language(lang: str) -> str | None:
    """`fr_FR.UTF-8`, `FR`, `en-GB` -> `fr` / `en`; None when unsupported."""
    code = lang.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else None


def set_language(lang: str | None = None) -> str:
    """Choose the language: `lang`, else `$DOCKERLAB_LANG`, else French.

    An explicit unsupported `lang` (a typo in `--lang`) is an error; a bad
    environment value falls back to French so a stray variable cannot stop
    the program.
    """
    global _language
    if lang is not None:
        code = normalize_language(lang)
        if code is None:
            raise ValueError(
                _("unsupported language '{lang}' (choose from: {choices})").format(
                    lang=lang, choices=", ".join(LANGUAGES)
                )
            )
    else:
        code = normalize_language(os.environ.get(ENV_VAR, "")) or DEFAULT_LANGUAGE
    _language = code
    return code


def current_language() -> str:
    """The language in use; decided from the environment on first use."""
    if _language is None:
        return set_language(None)
    return _language


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Speak `lang` for a while (e.g. one `lab validate --lang en` run)."""
    global _language
    previous = _language
    try:
        yield set_language(lang)
    finally:
        _language = previous


def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue for `lang`; English is the source text itself."""
    if lang not in _translations:
        import gettext
        if lang == "en":
            _translations[lang] = gettext.NullTranslations()
        else:
            _translations[lang] = gettext.translation(
                DOMAIN, localedir=str(locale_dir()), languages=[lang], fallback=True
            )
    return _translations[lang]


def _(message: str) -> str:
    """Translate a program message into the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose wording depends on a count."""
    return translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet.

    Used for messages stored in tables and translated when shown, so the
    language in force at display time is the one used.
    """
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for extraction; `ngettext` picks one later."""
    return singular, plural


class LazyText:
    """Program text translated when shown, not when made.

    Diagnostics are built in one language and may be printed in another
    (`LabError` caught, then `--lang en` applied); parts of their messages
    stay message ids until `str()` time. Several ids are joined by `sep`.
    """

    def __init__(self, *msgids: str, sep: str = " / "):
        self.msgids, self.sep = msgids, sep

    def __str__(self) -> str:
        return self.sep.join(dict.fromkeys(_(m) for m in self.msgids))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"LazyText{self.msgids!r}"


def localized(value: Any, lang: str | None = None) -> str:
    """The text of a lab string in `lang` (default: the current language).

    Accepts a `Localized`, a `{fr, en}` mapping, a plain string (French) or
    None (empty text), so callers need not care how the value was loaded.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        lang = lang or current_language()
        return (value.get("en") if lang == "en" else None) or value.get("fr") or ""
    if hasattr(value, "text"):          # a Localized (tutor/localized.py)
        return value.text(lang)
    raise TypeError(f"not a localized string: {value!r}")


def __getattr__(name: str):
    """`from dockerlab.tutor.i18n import Localized` keeps working, loaded on demand."""
    if name == "Localized":
        from .localized import Localized
        return Localized
    raise AttributeError(name)
