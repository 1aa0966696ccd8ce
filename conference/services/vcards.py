"""vCard 3.0 cards of people, shared by sponsors' lead exports, personal contact lists
and a person's own data export."""

from __future__ import annotations

from collections.abc import Sequence

import vobject

from conference.models import User


def person_vcard(
    person: User,
    *,
    email: str | None = None,
    tags: Sequence[str] = (),
    note: str = "",
    links: bool = False,
) -> str:
    """One serialized card: the person's name, ``email`` when given, company and title,
    ``tags`` as categories, ``note``; with ``links``, their website and LinkedIn."""
    profile = person.profile
    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("fn").value = person.display_name
    card.add("n").value = vobject.vcard.Name(given=person.display_name)
    if email:
        line = card.add("email")
        line.value = email
        line.type_param = "INTERNET"
    if profile is not None:
        if profile.company:
            card.add("org").value = [profile.company]
        if profile.job_title:
            card.add("title").value = profile.job_title
        if links:
            for url in (profile.website, profile.linkedin):
                if url:
                    card.add("url").value = url
    if tags:
        card.add("categories").value = list(tags)
    if note:
        card.add("note").value = note
    return card.serialize()
