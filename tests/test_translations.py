"""The catalogues: every string of the interface (templates, emails, Python) has its
Russian and Japanese translation, placeholders survive translation, Russian has its three
plural forms, and dates and numbers follow the locale."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, format_decimal, ngettext

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru", "ja")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]")


@cache
def source_messages() -> dict[str, str | None]:
    """Every msgid the code and templates use (singular → plural or None)."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = dict(DEFAULT_KEYWORDS) | {"_l": None, "lazy_gettext": None}
    found: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        if isinstance(message, tuple):
            singular, plural = message[0], message[1] if len(message) > 1 else None
        else:
            singular, plural = message, None
        if singular:
            found[singular] = plural or found.get(singular)
    return found


@cache
def catalogue(lang: str):
    with open(
        ROOT / "conference" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb"
    ) as f:
        return read_po(f, locale=lang)


def test_the_sources_have_strings_to_translate():
    messages = source_messages()
    assert len(messages) > 1000
    assert "Log in" in messages


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_of_the_interface_is_translated(lang):
    entries = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalogue(lang) if m.id}
    missing = sorted(msgid for msgid in source_messages() if msgid not in entries)
    untranslated = sorted(
        msgid
        for msgid in source_messages()
        if msgid in entries
        and (
            "fuzzy" in entries[msgid].flags
            or not all(
                entries[msgid].string
                if isinstance(entries[msgid].string, tuple)
                else (entries[msgid].string,)
            )
        )
    )
    assert not missing, f"{len(missing)} strings not in the {lang} catalogue: {missing[:10]}"
    assert not untranslated, f"{len(untranslated)} untranslated in {lang}: {untranslated[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_hold_no_strings_the_interface_no_longer_uses(lang):
    used = source_messages()
    stale = sorted(
        key
        for m in catalogue(lang)
        if m.id and (key := m.id[0] if isinstance(m.id, tuple) else m.id) not in used
    )
    assert not stale, f"{len(stale)} stale entries in {lang}: {stale[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang):
    broken = []
    for m in catalogue(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in ids))
        for text in strings:
            got = set(PLACEHOLDER.findall(text))
            # A singular form may say "one" in words instead of the number.
            if got - wanted or (wanted - got) - {"%(num)d", "%(count)d"}:
                broken.append(ids[0])
    assert not broken, f"placeholders changed in {lang}: {broken[:10]}"


def test_russian_has_three_plural_forms_and_japanese_one():
    assert catalogue("ru").num_plurals == 3
    assert catalogue("ja").num_plurals == 1


def test_russian_plurals_follow_the_number(app):
    with app.test_request_context(), force_locale("ru"):
        forms = [ngettext("%(num)d account", "%(num)d accounts", n) for n in (1, 2, 5, 21, 22, 25)]
    one, few, many, *_ = forms
    assert len({one, few, many}) == 3
    assert forms[3].replace("21", "1") == one
    assert forms[4].replace("22", "2") == few
    assert forms[5].replace("25", "5") == many


def test_dates_and_numbers_follow_the_locale(app):
    day = date(2026, 12, 3)
    with app.test_request_context():
        with force_locale("ru"):
            russian = (format_date(day, "long"), format_decimal(12345.5))
        with force_locale("ja"):
            japanese = (format_date(day, "long"), format_decimal(12345.5))
    assert russian[0] == "3 декабря 2026\u202fг."  # noqa: RUF001 (the Cyrillic letter for "year")
    assert russian[1] == "12\xa0345,5"
    assert japanese[0] == "2026年12月3日"
    assert japanese[1] == "12,345.5"
