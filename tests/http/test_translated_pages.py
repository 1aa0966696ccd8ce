"""Every page of the app, rendered in Russian and in Japanese, shows none of the English
sentences of the catalogue: a string left out of ``_()`` or out of a catalogue shows up
here as English on a Russian or Japanese page.

The pages are those of the permission matrix, as the identity that may see each (the
organizer, or the sponsor's staff for a sponsor's own pages), and the participants-only
page as an anonymous visitor."""

from __future__ import annotations

import re
from functools import cache
from html import unescape

import pytest

from conference.extensions import db
from tests.http.test_permission_matrix import (
    MATRIX,
    OK,
    _attendee_registration_id,
    _sponsor_ids,
)
from tests.test_translations import catalogue

PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]")
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)


@cache
def english_sentences(lang: str) -> frozenset[str]:
    """The English text of each catalogue entry that the language translates differently:
    whole sentences of three words or more (the literal part before a placeholder)."""
    found = set()
    for message in catalogue(lang):
        if not message.id:
            continue
        english = message.id[0] if isinstance(message.id, tuple) else message.id
        translated = message.string[0] if isinstance(message.string, tuple) else message.string
        if not translated or translated == english:
            continue
        for part in PLACEHOLDER.split(english):
            part = " ".join(part.split())
            if len(part.split()) >= 3:
                found.add(part)
    return frozenset(found)


def visible_text(html: str) -> str:
    return " ".join(unescape(TAG.sub(" ", html)).split())


def _who_sees(expected: dict) -> str | None:
    for identity in ("organizer", "sponsor_staff", "attendee", "anonymous"):
        if expected.get(identity) == OK:
            return identity
    return None


#: Pages that quote words as they were stored: a lead shows the exact consent text the
#: person agreed to, in the language they read it in.
QUOTES_STORED_WORDS = {"sponsors.lead"}

PAGES = sorted(
    endpoint
    for endpoint, (_url, expected) in MATRIX.items()
    if _who_sees(expected) and endpoint not in QUOTES_STORED_WORDS
)


@pytest.mark.parametrize("lang", ["ru", "ja"])
@pytest.mark.parametrize("endpoint", PAGES)
def test_page_has_no_english_left(
    lang, endpoint, client, as_identity, event, attendee, organizer, sponsor, sponsor_staff
):
    template, expected = MATRIX[endpoint]
    identity = _who_sees(expected)
    url = template.format(
        slug=event.slug,
        attendee_id=attendee.id,
        registration_id=_attendee_registration_id(event, attendee),
        **(_sponsor_ids(sponsor, sponsor_staff, attendee) if "{sponsor_id}" in template else {}),
    )
    for person in (organizer, sponsor_staff, attendee):
        person.locale = lang
    db.session.commit()
    as_identity(identity)

    response = client.get(url, headers={"Accept-Language": lang})

    assert response.status_code == 200
    if not response.mimetype.startswith("text/html"):
        return
    text = visible_text(response.get_data(as_text=True))
    left = sorted(sentence for sentence in english_sentences(lang) if sentence in text)
    assert not left, f"English left on {url} in {lang}: {left[:8]}"
