"""The sponsor's badge scanner: staff scan attendees' badges at the booth.

The page is phone-first and works without JavaScript (a code form answering with a
page, then a rating form); ``static/js/lead-scan.js`` reads badges with the camera
(``static/js/qr-camera.js``, shared with check-in) and answers in place through the
JSON endpoints, which answer ``{"ok": false, "error": code, "message": text}`` with a
4xx status when refused.

An answer is green (a lead, with name and company and a quick rating), amber (the
person had not agreed: they were asked, and the scanner learns nothing about them) or
red (a badge problem). Every view requires ``leads.scan`` on the sponsor of the address.
"""

from __future__ import annotations

from typing import Annotated

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from pydantic import BaseModel, ConfigDict, StringConstraints
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from conference.blueprints.common import (
    REFUSAL_STATUS,
    authorize,
    form_errors_from,
    json_answer,
)
from conference.blueprints.sponsors import bp
from conference.blueprints.sponsors.common import sponsor_or_404, workspace_nav
from conference.enums import LeadRating
from conference.extensions import db
from conference.models import Event, Lead, Sponsor
from conference.services import ServiceError, lead_lists
from conference.services import leads as service
from conference.services.checkin import PAYLOAD_MAX

#: The colour of each answer: green for a lead, amber for "we asked them", red otherwise.
TONES = {"captured": "green", "known": "green", "asked": "amber"}


def rating_labels() -> dict[str, str]:
    return {
        LeadRating.hot.value: _("Hot"),
        LeadRating.warm.value: _("Warm"),
        LeadRating.cold.value: _("Cold"),
    }


class CodeForm(FlaskForm):
    """The page without JavaScript: a code typed (or read by a hand scanner that types)."""

    code = StringField(_l("Badge code"), validators=[DataRequired(), Length(max=PAYLOAD_MAX)])


class RateForm(FlaskForm):
    """The quick qualification under a green answer."""

    rating = RadioField(
        _l("Rating"),
        choices=[SelectChoice(rating.value, rating.value) for rating in LeadRating],
        validators=[Optional()],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[
            Optional(),
            Length(
                max=lead_lists.SCAN_NOTE_MAX,
                message=_l("At most %(max)d characters, please."),
            ),
        ],
    )


class ScanPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    payload: Annotated[str, StringConstraints(max_length=PAYLOAD_MAX)]


class RatePayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rating: LeadRating | None = None
    note: Annotated[str, StringConstraints(max_length=lead_lists.SCAN_NOTE_MAX)] = ""


def _scanning(slug: str, sponsor_id: int) -> tuple[Event, Sponsor]:
    event, sponsor = sponsor_or_404(slug, sponsor_id)
    authorize("leads.scan", sponsor)
    return event, sponsor


def _rate_url(event: Event, sponsor: Sponsor, lead: Lead) -> str:
    return url_for("sponsors.scan_rate", slug=event.slug, sponsor_id=sponsor.id, lead_id=lead.id)


def _lead_json(event: Event, sponsor: Sponsor, lead: Lead) -> dict:
    """What a green answer shows: the person's name, job and company, and the rating."""
    profile = lead.user.profile
    return {
        "id": lead.id,
        "name": lead.user.display_name,
        "company": profile.company if profile else "",
        "job_title": profile.job_title if profile else "",
        "rating": lead.rating.value if lead.rating else None,
        "rate_url": _rate_url(event, sponsor, lead),
    }


def _scanner_page(
    event: Event,
    sponsor: Sponsor,
    *,
    result: service.LeadScan | None = None,
    form: CodeForm | None = None,
    rate_form: RateForm | None = None,
    status: int = 200,
):
    lead = result.lead if result is not None else None
    if lead is not None and rate_form is None:
        rate_form = RateForm(formdata=None, rating=lead.rating.value if lead.rating else None)
    return render_template(
        "sponsors/scan.html",
        event=event,
        sponsor=sponsor,
        result=result,
        tone=TONES.get(result.outcome, "red") if result is not None else None,
        lead=lead,
        rate_url=_rate_url(event, sponsor, lead) if lead is not None else None,
        form=form or CodeForm(formdata=None),
        rate_form=rate_form or RateForm(formdata=None),
        ratings=rating_labels(),
        payload_max=PAYLOAD_MAX,
        **workspace_nav(event, sponsor),
    ), status


@bp.route("/e/<slug>/sponsors/<int:sponsor_id>/scan", methods=["GET", "POST"])
@login_required
def scanner(slug: str, sponsor_id: int):
    """The scanner; POST is its code form, for phones without JavaScript."""
    event, sponsor = _scanning(slug, sponsor_id)
    if request.method == "GET":
        return _scanner_page(event, sponsor)
    form = CodeForm()
    if not form.validate_on_submit():
        return _scanner_page(event, sponsor, form=form, status=400)
    try:
        result = service.scan(current_user, sponsor, form.code.data)
    except ServiceError as exc:
        db.session.rollback()
        form_errors_from(exc, form)
        return _scanner_page(event, sponsor, form=form, status=400)
    db.session.commit()
    return _scanner_page(event, sponsor, result=result)


@bp.post("/e/<slug>/sponsors/<int:sponsor_id>/scan.json")
@login_required
def scan(slug: str, sponsor_id: int):
    """A code read by the camera or typed on the page: the answer as JSON."""
    event, sponsor = _scanning(slug, sponsor_id)

    def run():
        data = ScanPayload.model_validate_json(request.get_data())
        result = service.scan(current_user, sponsor, data.payload)
        lead = _lead_json(event, sponsor, result.lead) if result.lead is not None else None
        return {
            "outcome": result.outcome,
            "tone": TONES.get(result.outcome, "red"),
            "message": result.message,
            "lead": lead,
        }

    return json_answer(run)


@bp.post("/e/<slug>/sponsors/<int:sponsor_id>/scan/leads/<int:lead_id>/rate")
@login_required
def scan_rate(slug: str, sponsor_id: int, lead_id: int):
    """The quick rating and note under a green answer (JSON, or the page's form)."""
    event, sponsor = _scanning(slug, sponsor_id)
    if request.is_json:

        def run():
            data = RatePayload.model_validate_json(request.get_data())
            lead = lead_lists.rate_scanned(current_user, sponsor, lead_id, data.rating, data.note)
            return {"lead": _lead_json(event, sponsor, lead)}

        return json_answer(run, {**REFUSAL_STATUS, "not_found": 404})
    form = RateForm()
    lead = service.lead_in(sponsor, lead_id)
    if form.validate_on_submit():
        try:
            lead = lead_lists.rate_scanned(
                current_user, sponsor, lead_id, form.rating.data, form.note.data
            )
        except ServiceError as exc:
            db.session.rollback()
            if lead is None:
                flash(exc.message, "danger")
                return redirect(url_for("sponsors.scanner", slug=event.slug, sponsor_id=sponsor.id))
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("Saved for %(name)s.", name=lead.user.display_name), "success")
            return redirect(url_for("sponsors.scanner", slug=event.slug, sponsor_id=sponsor.id))
    if lead is None:
        flash(_("This lead is not in your list."), "danger")
        return redirect(url_for("sponsors.scanner", slug=event.slug, sponsor_id=sponsor.id))
    shown = service.LeadScan("known", "", lead)
    return _scanner_page(event, sponsor, result=shown, rate_form=form, status=400)
