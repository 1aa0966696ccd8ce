"""The directory query: who is listed, search in any script, filters, pages."""

from __future__ import annotations

from conference.extensions import db
from conference.services.directory import search_directory
from conference.services.search import refresh_search_keys
from tests import factories


def ids(page) -> list[int]:
    return [item.user_id for item in page.items]


def hide(person) -> None:
    person.profile.directory_visible = False
    refresh_search_keys(person)
    db.session.commit()


def test_search_finds_cyrillic_name_in_any_case(event):
    ivan = factories.participant(event, "Иван Петров")
    factories.participant(event, "Мария Смирнова")

    for q in ("Иван", "иван", "ИВАН", "петров"):
        assert ids(search_directory(event, False, q=q)) == [ivan.id], q


def test_search_finds_japanese_name(event):
    yamada = factories.participant(event, "山田 太郎")
    factories.participant(event, "佐藤 花子")

    assert ids(search_directory(event, False, q="山田")) == [yamada.id]


def test_search_finds_japanese_name_typed_in_full_width_or_half_width(event):
    kana = factories.participant(event, "ｻﾄｳ ｹﾝ")

    assert ids(search_directory(event, False, q="サトウ")) == [kana.id]


def test_search_finds_latin_name_with_accents_in_any_case(event):
    zoe = factories.participant(event, "Zoë Müller")
    factories.participant(event, "Anna Schmidt")

    assert ids(search_directory(event, False, q="MÜLLER")) == [zoe.id]
    assert ids(search_directory(event, False, q="zoë")) == [zoe.id]


def test_search_matches_company_and_job_title(event):
    cto = factories.participant(event, "Lena Berg", company="Globex", job_title="CTO")
    factories.participant(event, "Ola Nord", company="Initech", job_title="Engineer")

    assert ids(search_directory(event, False, q="globex")) == [cto.id]
    assert ids(search_directory(event, False, q="cto")) == [cto.id]


def test_search_needs_every_word(event):
    lena = factories.participant(event, "Lena Berg", company="Globex")
    factories.participant(event, "Lena Nord", company="Initech")

    assert ids(search_directory(event, False, q="lena  globex")) == [lena.id]


def test_search_takes_like_wildcards_literally(event):
    factories.participant(event, "Anna Attendee")
    percent = factories.participant(event, "Ann 100% Sure")

    assert ids(search_directory(event, False, q="%")) == [percent.id]
    assert ids(search_directory(event, False, q="_")) == []
    assert ids(search_directory(event, False, q="a_n")) == []


def test_filters_of_different_kinds_must_all_match(event):
    both = factories.participant(event, "Both Match", industry="Finance", region="APAC")
    factories.participant(event, "Only Industry", industry="Finance", region="EMEA")
    factories.participant(event, "Only Region", industry="Software", region="APAC")
    finance = factories.term(event, "industry", "Finance")
    apac = factories.term(event, "region", "APAC")

    page = search_directory(event, False, industry_ids=[finance.id], region_ids=[apac.id])

    assert ids(page) == [both.id]
    assert page.total == 1


def test_filter_values_of_one_kind_match_any(event):
    cto = factories.participant(event, "Carla CTO", job_role="CTO")
    founder = factories.participant(event, "Fred Founder", job_role="Founder")
    factories.participant(event, "Eve Engineer", job_role="Engineer")
    chosen = [factories.term(event, "job_role", n).id for n in ("CTO", "Founder")]

    assert ids(search_directory(event, False, job_role_ids=chosen)) == [cto.id, founder.id]


def test_interest_filter_matches_any_chosen_topic(event):
    ai = factories.participant(event, "Ada AI", interests=["AI", "Security"])
    pay = factories.participant(event, "Pia Pay", interests=["Payments"])
    factories.participant(event, "Sec Only", interests=["Security"])
    chosen = [factories.term(event, "topic", n).id for n in ("AI", "Payments")]

    assert ids(search_directory(event, False, topic_ids=chosen)) == [ai.id, pay.id]


def test_ticket_type_filter(event):
    vip = factories.participant(event, "Vera VIP", ticket_type="VIP")
    factories.participant(event, "Stan Standard", ticket_type="Standard")

    page = search_directory(event, False, ticket_type_ids=[factories.ticket(event, "VIP").id])

    assert ids(page) == [vip.id]


def test_search_and_filters_combine(event):
    lena = factories.participant(event, "Lena Berg", industry="Finance", interests=["AI"])
    factories.participant(event, "Lena Nord", industry="Software", interests=["AI"])
    factories.participant(event, "Olaf Berg", industry="Finance", interests=["AI"])

    page = search_directory(
        event,
        False,
        q="lena",
        industry_ids=[factories.term(event, "industry", "Finance").id],
        topic_ids=[factories.term(event, "topic", "AI").id],
    )

    assert ids(page) == [lena.id]


def test_filter_ids_of_another_event_are_ignored(event, other_event):
    anna = factories.participant(event, "Anna Attendee")
    foreign = factories.term(other_event, "industry", "Finance")

    page = search_directory(event, False, industry_ids=[foreign.id], topic_ids=[10**9])

    assert ids(page) == [anna.id]


def test_hidden_people_are_listed_for_organizers_only(event):
    shown = factories.participant(event, "Anna Shown")
    hidden = factories.participant(event, "Bert Hidden")
    hide(hidden)

    assert ids(search_directory(event, False)) == [shown.id]
    organizer_view = search_directory(event, True)
    assert ids(organizer_view) == [shown.id, hidden.id]
    assert [item.hidden for item in organizer_view.items] == [False, True]


def test_participants_of_other_events_never_appear(event, other_event):
    mine = factories.participant(event, "Anna Mine")
    factories.participant(other_event, "Anna Theirs")

    assert ids(search_directory(event, True, q="anna")) == [mine.id]


def test_only_approved_registrations_are_listed(event):
    approved = factories.participant(event, "Anna Approved")
    for status in ("pending", "declined", "cancelled"):
        factories.participant(event, f"Anna {status.title()}", status=status)

    assert ids(search_directory(event, True, q="anna")) == [approved.id]


def test_pages_are_in_name_order_with_total(event):
    names = [f"Person {n:02d}" for n in range(7)]
    people = [factories.participant(event, name) for name in reversed(names)]
    in_order = [p.id for p in reversed(people)]

    first = search_directory(event, False, page=1, per_page=3)
    last = search_directory(event, False, page=3, per_page=3)

    assert (first.total, first.pages, ids(first)) == (7, 3, in_order[:3])
    assert (last.page, ids(last)) == (3, in_order[6:])
    assert (first.first_index, first.last_index) == (1, 3)


def test_same_names_are_ordered_by_registration(event):
    first = factories.participant(event, "Sam Same")
    second = factories.participant(event, "Sam Same")

    assert ids(search_directory(event, False)) == [first.id, second.id]


def test_page_past_the_end_is_empty_but_keeps_the_total(event):
    factories.participant(event, "Anna One")
    factories.participant(event, "Anna Two")

    page = search_directory(event, False, page=5, per_page=1)

    assert (page.items, page.total, page.pages) == ([], 2, 2)


def test_entries_carry_what_the_card_shows(event):
    person = factories.participant(
        event,
        "Lena Berg",
        company="Globex",
        job_title="CTO",
        industry="Finance",
        region="APAC",
        job_role="CTO",
        interests=["Security", "AI"],
    )
    person.profile.headline = "Payments at scale"
    db.session.commit()

    (entry,) = search_directory(event, False).items

    assert (entry.display_name, entry.company, entry.job_title, entry.headline) == (
        "Lena Berg",
        "Globex",
        "CTO",
        "Payments at scale",
    )
    assert (entry.industry, entry.region, entry.job_role) == ("Finance", "APAC", "CTO")
    assert entry.interests == ("AI", "Security")
    assert (entry.photo, entry.hidden) == (None, False)
