"""Sponsor staff's badges: their sponsor's name as company and its logo, when the
sponsor's package puts logos on badges; loaded in bulk, printed beside the QR code."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from conference.badges import render as renderer
from conference.enums import BadgeLayout, BadgeRole
from conference.extensions import db
from conference.models import BadgeDesign, BadgePrint, Registration
from conference.services import badges, booths
from tests import factories
from tests.badges.helpers import pdf_text, qr_codes
from tests.factories import registration_of

RED = (220, 20, 20)


def _png(color=RED, size=(300, 100)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def _with_logo(sponsor, admin, color=RED):
    booths.set_logo(admin, sponsor, _png(color))
    db.session.commit()
    return booths.logo_png(sponsor)


def _data(event, *people):
    return badges.badge_data(event, [registration_of(event, person) for person in people])


def _red_pixels(png: bytes) -> list[tuple[int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    return [
        (x, y)
        for y in range(0, height, 2)
        for x in range(0, width, 2)
        if (lambda r, g, b: r > 180 and g < 80 and b < 80)(*image.getpixel((x, y)))
    ]


def test_staff_badge_shows_the_sponsor_and_its_logo(event, sponsor, sponsor_staff, attendee):
    sponsor_staff.profile.company = "Freelance"
    attendee.profile.company = "Initech"
    db.session.commit()
    logo = _with_logo(sponsor, sponsor_staff)

    staff_badge, attendee_badge = _data(event, sponsor_staff, attendee)

    assert staff_badge.role == BadgeRole.sponsor
    assert staff_badge.company == "Acme Corp"
    assert staff_badge.sponsor_logo_png == logo
    assert attendee_badge.company == "Initech"
    assert attendee_badge.sponsor_logo_png is None


def test_without_logo_on_badges_staff_keep_their_own_company(event, sponsor_staff, sponsor):
    factories.package(event, "Gold", logo_on_badges=False)
    sponsor_staff.profile.company = "Freelance"
    db.session.commit()
    _with_logo(sponsor, sponsor_staff)

    (badge,) = _data(event, sponsor_staff)

    assert badge.company == "Freelance"
    assert badge.sponsor_logo_png is None


def test_a_sponsor_without_a_logo_still_gives_its_name(event, sponsor_staff):
    (badge,) = _data(event, sponsor_staff)

    assert badge.company == "Acme Corp"
    assert badge.sponsor_logo_png is None


def test_staff_of_another_event_sponsor_are_plain_attendees_here(event, other_event):
    person = factories.participant(event, name="Two Hats")
    elsewhere = factories.sponsor(other_event, "Elsewhere Inc")
    factories.participant(other_event, name="Two Hats")
    factories.sponsor_member(elsewhere, person)

    (badge,) = _data(event, person)

    assert badge.company != "Elsewhere Inc"
    assert badge.sponsor_logo_png is None


def _count_queries(fn) -> int:
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    return count


def test_badges_of_many_staff_cost_the_same_queries_as_of_one(
    event, organizer, sponsor, sponsor_staff
):
    _with_logo(sponsor, sponsor_staff)
    rival = factories.sponsor(event, "Globex", tier="Silver")
    _with_logo(rival, organizer, color=(20, 20, 220))
    crowd = []
    for n in range(6):
        person = factories.participant(event, name=f"Staff {n}", roles=["sponsor_staff"])
        factories.sponsor_member(sponsor if n % 2 else rival, person)
        crowd.append(person)
    few = [registration_of(event, sponsor_staff).id]
    many = [registration_of(event, person).id for person in [sponsor_staff, *crowd]]

    def fresh(ids):
        db.session.expire_all()
        loaded = db.session.scalars(sa.select(Registration).where(Registration.id.in_(ids)))
        return db.session.get(type(event), event.id), sorted(loaded, key=lambda r: r.id)

    badges.badge_data(*fresh(many))  # codes issued: both runs below only read them
    db.session.commit()
    args_few = fresh(few)
    queries_few = _count_queries(lambda: badges.badge_data(*args_few))
    args_many = fresh(many)
    queries_many = _count_queries(lambda: badges.badge_data(*args_many))

    assert queries_many == queries_few
    loaded = badges.badge_data(*fresh(many))
    assert {badge.company for badge in loaded} == {"Acme Corp", "Globex"}
    by_company = {}
    for badge in loaded:
        by_company.setdefault(badge.company, set()).add(id(badge.sponsor_logo_png))
    # Each sponsor's logo is read once and shared by all its staff's badges.
    assert all(len(ids) == 1 for ids in by_company.values())


def test_printed_badge_carries_the_logo_beside_a_readable_qr_code(
    event, sponsor, sponsor_staff, attendee
):
    _with_logo(sponsor, sponsor_staff)
    staff_badge, attendee_badge = _data(event, sponsor_staff, attendee)

    pdf = renderer.render_one(staff_badge)

    assert "Acme Corp" in pdf_text(pdf)
    assert qr_codes(pdf) == [[staff_badge.qr_payload]]
    red = _red_pixels(renderer.preview_png(staff_badge, width_px=420))
    assert red, "the sponsor's logo is on the badge"
    width = 420
    # Left of the QR code (moved to the right edge), in the lower half of the A6 badge.
    assert max(x for x, _y in red) < width * 0.6
    assert min(y for _x, y in red) > width * 148 / 105 * 0.5
    assert not _red_pixels(renderer.preview_png(attendee_badge, width_px=420))


def test_every_layout_places_the_logo_inside_the_badge(event, sponsor, sponsor_staff):
    _with_logo(sponsor, sponsor_staff)
    (badge,) = _data(event, sponsor_staff)
    for layout in BadgeLayout:
        for show_qr in (True, False):
            spec = badges.design_spec(
                BadgeDesign(event_id=event.id, name="x", layout=layout, show_qr=show_qr, colors={}),
                None,
            )
            one = type(badge)(**{**badge.__dict__, "design": spec})
            html, resources, _warnings = renderer.document_html(
                [renderer.Sheet(renderer.layout_of(layout), (one,))]
            )
            assert 'class="sponsor-logo"' in html
            assert any(body == badge.sponsor_logo_png for _mime, body in resources.values())
            view, _missed = renderer._badge_view(one, renderer.layout_of(layout), 0, {})
            box = view["sponsor_logo"]
            spec_layout = renderer.layout_of(layout)
            assert box["left"] >= 0 and box["top"] >= spec_layout.band
            assert box["left"] + box["width"] <= spec_layout.badge_width + 1e-6
            assert box["top"] + box["height"] <= spec_layout.badge_height + 1e-6


def test_a_new_sponsor_logo_marks_staff_badges_changed_and_no_one_else(
    event, organizer, sponsor, sponsor_staff, attendee
):
    _with_logo(sponsor, sponsor_staff)
    for person in (sponsor_staff, attendee):
        badges.registration_badge_pdf(registration_of(event, person), organizer)
    db.session.commit()
    query = sa.select(BadgePrint.registration_id)
    assert db.session.scalars(query).all()

    everyone = badges.matching_registrations(event, badges.BadgeFilter())
    assert badges.changed_since_print(event, everyone) == []

    _with_logo(sponsor, sponsor_staff, color=(200, 40, 40))

    assert badges.changed_since_print(event, everyone) == [registration_of(event, sponsor_staff).id]
