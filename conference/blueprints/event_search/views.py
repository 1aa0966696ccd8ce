"""``/e/<slug>/search?q=``: one search box over the event, results grouped with counts.

Anyone who may see the event's program may search (``search.event``); what each group
shows is decided by the service against the searcher's own rights.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from conference.blueprints.common import authorize_participant, event_or_404
from conference.blueprints.event_search import bp
from conference.services import event_search
from conference.services.program_search import highlight, search_words

#: The longest search accepted.
QUERY_MAX = 200


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search this event"), validators=[Optional(), Length(max=QUERY_MAX)])


@bp.route("/e/<slug>/search")
def search(slug: str):
    event = event_or_404(slug)
    authorize_participant("search.event", event)
    form = SearchForm(formdata=request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    viewer = current_user._get_current_object()
    results = event_search.search_event(event, viewer, query)
    words = search_words(query)
    return render_template(
        "event_search/search.html",
        event=event,
        form=form,
        query=query,
        results=results,
        highlight=lambda text: highlight(text or "", words),
    )
