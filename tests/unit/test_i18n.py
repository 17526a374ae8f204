"""Language choice, gettext catalogues and the labs' bilingual strings.

The last tests guard the committed catalogue: the compiled .mo must say
exactly what the .po says, and every message marked in the code must have
a French translation with the same `{placeholders}`.
"""
from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

from dockerlab.tutor import i18n
from dockerlab.tutor.i18n import (
    Localized, _, current_language, locale_dir, localized, ngettext, set_language, use_language,
)

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "locales" / "fr" / "LC_MESSAGES" / "dockerlab.po"
MO = PO.with_suffix(".mo")
MARKED_IN = [REPO / "tutor" / "i18n.py", *sorted((REPO / "tutor" / "labs").glob("*.py")),
             *sorted((REPO / "tutor" / "checks").glob("*.py"))]
KEYWORDS = {"_": (0,), "N_": (0,), "ngettext": (0, 1), "NP_": (0, 1), "rule_error": (1,)}


@pytest.fixture(autouse=True)
def fresh_language(monkeypatch):
    """Each test decides the language from scratch (the choice is process-wide)."""
    monkeypatch.setattr(i18n, "_language", None)
    monkeypatch.delenv("DOCKERLAB_LANG", raising=False)
    monkeypatch.delenv("DOCKERLAB_LOCALEDIR", raising=False)


def test_french_by_default():
    assert current_language() == "fr"
    assert _("unknown key '{key}'") == "clé inconnue « {key} »"


def test_environment_variable(monkeypatch):
    monkeypatch.setenv("DOCKERLAB_LANG", "en_GB.UTF-8")
    assert current_language() == "en"
    assert _("unknown key '{key}'") == "unknown key '{key}'"


def test_explicit_choice_wins_over_environment(monkeypatch):
    monkeypatch.setenv("DOCKERLAB_LANG", "en")
    assert set_language("FR") == "fr"
    assert _("a list") == "une liste"
    assert set_language("en") == "en"
    assert _("a list") == "a list"


def test_bad_values(monkeypatch):
    monkeypatch.setenv("DOCKERLAB_LANG", "klingon")
    assert current_language() == "fr"  # a stray variable must not stop the program
    with pytest.raises(ValueError, match=r"^langue non prise en charge « de » \(au choix : fr, en\)$"):
        set_language("de")


def test_plurals():
    set_language("fr")
    assert ngettext("{n} error", "{n} errors", 0).format(n=0) == "0 erreur"
    assert ngettext("{n} error", "{n} errors", 1).format(n=1) == "1 erreur"
    assert ngettext("{n} error", "{n} errors", 2).format(n=2) == "2 erreurs"
    set_language("en")
    assert ngettext("{n} error", "{n} errors", 0).format(n=0) == "0 errors"


def test_use_language_is_temporary():
    set_language("fr")
    with use_language("en") as lang:
        assert lang == "en" and _("a list") == "a list"
    assert current_language() == "fr"


def test_localized_values():
    value = Localized.model_validate({"fr": "Bonjour", "en": "Hello"})
    french_only = Localized.model_validate("Salut")
    assert (french_only.fr, french_only.en) == ("Salut", None)
    set_language("fr")
    assert localized(value) == "Bonjour" and str(value) == "Bonjour"
    set_language("en")
    assert localized(value) == "Hello"
    assert localized(french_only) == "Salut"  # English falls back to French
    assert localized({"fr": "Oui", "en": "Yes"}) == "Yes"
    assert localized({"fr": "Oui"}, "en") == "Oui"
    assert localized(value, "fr") == "Bonjour"
    assert localized("texte brut") == "texte brut"
    assert localized(None) == ""
    with pytest.raises(TypeError):
        localized(42)


def test_locale_dir(monkeypatch, tmp_path):
    assert locale_dir() == REPO / "locales"  # the editable install: the repository
    assert (locale_dir() / "fr" / "LC_MESSAGES" / "dockerlab.mo").is_file()
    monkeypatch.setenv("DOCKERLAB_LOCALEDIR", str(tmp_path))
    assert locale_dir() == tmp_path


def test_locale_dir_of_an_installed_package(monkeypatch, tmp_path):
    """A wheel ships the catalogues as the data package `dockerlab.locales`."""
    import types
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    packaged = types.ModuleType("dockerlab.locales")
    packaged.__path__ = [str(tmp_path)]
    monkeypatch.setitem(__import__("sys").modules, "dockerlab.locales", packaged)
    assert locale_dir() == tmp_path


def _unquote(chunks: list[str]) -> str:
    return "".join(ast.literal_eval(chunk) for chunk in chunks)


def parse_po(path: Path) -> tuple[dict, list[str]]:
    """The .po's catalogue as gettext stores it, and its fuzzy msgids.

    Keys are msgids, or (msgid, n) for plural forms, like GNUTranslations.
    """
    catalog: dict = {}
    fuzzy: list[str] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        fields: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                if line.startswith("#,") and "fuzzy" in line:
                    fields["fuzzy"] = []
                continue
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                current = match[1]
                fields[current] = [match[2]]
            else:
                fields[current].append(line)
        msgid = _unquote(fields["msgid"])
        if "fuzzy" in fields and msgid:
            fuzzy.append(msgid)
        if "msgid_plural" in fields:
            for key in fields:
                if key.startswith("msgstr["):
                    catalog[(msgid, int(key[7:-1]))] = _unquote(fields[key])
        else:
            catalog[msgid] = _unquote(fields["msgstr"])
    return catalog, fuzzy


def test_compiled_catalogue_matches_the_po():
    """Fails when the .mo was not recompiled after editing the .po.

    (Content, not modification times: a git checkout sets every mtime.)
    """
    expected, fuzzy = parse_po(PO)
    assert fuzzy == [], "fuzzy entries are not compiled: review them"
    # msgfmt leaves the extraction date out of the compiled header
    expected[""] = re.sub(r"(?m)^POT-Creation-Date: .*\n", "", expected[""])
    with open(MO, "rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    assert compiled == expected, \
        "run: msgfmt --check -o locales/fr/LC_MESSAGES/dockerlab.mo locales/fr/LC_MESSAGES/dockerlab.po"


def marked_strings() -> set[str]:
    """Every string literal passed to a translation marker in our modules."""
    found: set[str] = set()
    for path in MARKED_IN:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in KEYWORDS:
                for index in KEYWORDS[node.func.id]:
                    if index < len(node.args) and isinstance(node.args[index], ast.Constant):
                        found.add(node.args[index].value)
    return found


def test_every_marked_message_is_translated():
    catalog, _fuzzy = parse_po(PO)
    marked = marked_strings()
    assert len(marked) > 80
    missing = sorted(marked - _all_ids(PO))
    assert missing == [], "add these to the .po (xgettext + msgmerge), then msgfmt"
    for key, text in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:
            assert text, f"untranslated: {msgid!r}"
            assert _fields(text) == _fields(msgid), f"placeholders differ: {msgid!r}"


def _all_ids(path: Path) -> set[str]:
    """Singular and plural msgids of the .po."""
    text = path.read_text(encoding="utf-8")
    return {_unquote(match[1].split("\n"))
            for match in re.finditer(r'^(?:msgid|msgid_plural) (".*"(?:\n".*")*)', text, re.M)}


def _fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))
