"""The topic popularity page, its JSON and its CSV downloads, over HTTP."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from conference.enums import ActivityKind
from conference.extensions import db
from conference.services import activity, reports
from tests import factories
from tests.program_helpers import at, session

PAGE = "/e/{slug}/manage/reports/topics"


@pytest.fixture
def busy(event):
    """Six Finance people and one Healthcare person attended an AI session."""
    talk = session(event, "Machine learning in practice", topics=["AI"])
    for n in range(6):
        person = factories.participant(event, f"Fin {n}", industry="Finance")
        row = activity.record(person, event, ActivityKind.attendance, session=talk)
        row.created_at = at(event, 0, "10:00")
    lone = factories.participant(event, "Care", industry="Healthcare")
    row = activity.record(lone, event, ActivityKind.attendance, session=talk)
    row.created_at = at(event, 0, "10:00")
    db.session.commit()
    return event


def ids(event, dimension):
    return {name: i for i, name in reports.dimension_names(event, dimension).items()}


@pytest.mark.parametrize("identity", ["attendee", "speaker", "sponsor_staff", "checkin_staff"])
def test_only_the_events_organizers_see_the_report(client, event, as_identity, identity):
    as_identity(identity)
    assert client.get(PAGE.format(slug=event.slug)).status_code == 403
    assert client.get(PAGE.format(slug=event.slug) + ".json").status_code == 403
    assert client.get(PAGE.format(slug=event.slug) + "/crosstab.csv").status_code == 403


def test_an_organizer_of_another_event_is_refused(client, event, other_event, login):
    login(factories.organizer(other_event))
    assert client.get(PAGE.format(slug=event.slug)).status_code == 403


def test_the_page_shows_the_heat_map_with_small_cells_suppressed(client, busy, organizer, login):
    login(organizer)
    response = client.get(PAGE.format(slug=busy.slug), query_string={"measure": "attendance"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Topic popularity" in html
    assert "Session attendance" in html
    # AI x Finance: 6 people, all of the row but the suppressed Healthcare cell.
    assert '<td class="text-end text-nowrap heat-10">6</td>' in html
    assert '<td class="text-end text-nowrap heat-x"><span class="report-suppressed"' in html
    assert "&lt; 5" in html
    # The row total stays right: 7.
    assert '<td class="text-end text-nowrap report-total">7</td>' in html
    assert "Machine learning in practice" in html
    # The charts draw from the figures in the page, the same as topics.json answers.
    embedded = json.loads(unescape(re.search(r'data-report="([^"]*)"', html).group(1)))
    answer = client.get(
        PAGE.format(slug=busy.slug) + ".json", query_string={"measure": "attendance"}
    ).get_json()
    assert embedded == {key: value for key, value in answer.items() if key != "ok"}


def test_bad_input_is_shown_next_to_its_field_and_kept(client, busy, organizer, login):
    login(organizer)
    response = client.get(
        PAGE.format(slug=busy.slug), query_string={"since": "24.11.2026", "measure": "bookmark"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a date as YYYY-MM-DD." in html
    assert 'value="24.11.2026"' in html
    assert '<option selected value="bookmark">' in html


def test_the_json_is_the_same_report_and_refuses_bad_input(client, busy, organizer, login):
    login(organizer)
    answer = client.get(
        PAGE.format(slug=busy.slug) + ".json", query_string={"measure": "attendance"}
    ).get_json()
    assert answer["ok"] is True
    crosstab = answer["crosstab"]
    assert crosstab["rows"][0]["label"] == "AI"
    finance = [c["label"] for c in crosstab["columns"]].index("Finance")
    healthcare = [c["label"] for c in crosstab["columns"]].index("Healthcare")
    assert crosstab["cells"][0][finance]["value"] == 6
    assert crosstab["cells"][0][healthcare] == {
        "value": None,
        "display": "< 5",
        "share": None,
        "suppressed": True,
    }
    assert answer["top_topics"][0]["label"] == "AI"
    assert answer["trend"]["series"][0]["values"][0] == 7
    assert answer["top_sessions"][0]["value"] == 7
    assert answer["compare"] is None

    by_region = client.get(PAGE.format(slug=busy.slug) + ".json", query_string={"rows": "region"})
    assert by_region.get_json()["crosstab"]["columns_dimension"] == "topic"
    refused = client.get(
        PAGE.format(slug=busy.slug) + ".json",
        query_string={"rows": "region", "columns": "job_role"},
    )
    assert refused.status_code == 400
    assert refused.get_json()["ok"] is False
    assert refused.get_json()["field"] == "columns"


def test_compare_is_one_click_from_a_segment(client, busy, organizer, login):
    login(organizer)
    industries = ids(busy, "industry")
    page = client.get(
        PAGE.format(slug=busy.slug),
        query_string={"measure": "attendance", "industry": industries["Finance"]},
    ).get_data(as_text=True)
    # Finance compared with the other industries, and with everyone.
    assert f"b_industry={industries['Software']}" in page
    assert "compare=1" in page
    answer = client.get(
        PAGE.format(slug=busy.slug) + ".json",
        query_string={
            "measure": "attendance",
            "industry": industries["Finance"],
            "compare": "1",
            "b_industry": industries["Software"],
        },
    ).get_json()
    assert answer["compare"]["a"]["label"] == "Finance"
    assert answer["compare"]["a"]["topics"][0]["value"] == 6
    assert answer["compare"]["b"] == {"label": "Software", "topics": []}
    html = client.get(
        PAGE.format(slug=busy.slug),
        query_string={"compare": "1", "b_industry": industries["Software"]},
    ).get_data(as_text=True)
    assert "Everyone compared with Software" in html


@pytest.mark.parametrize("table", ["crosstab", "topics", "trend", "sessions"])
def test_every_table_downloads_as_csv(client, busy, organizer, login, table):
    login(organizer)
    response = client.get(
        PAGE.format(slug=busy.slug) + f"/{table}.csv", query_string={"measure": "attendance"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"{busy.slug}-topics-{table}.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert "AI" in text or "Machine learning in practice" in text


def test_the_crosstab_csv_hides_small_cells(client, busy, organizer, login):
    login(organizer)
    text = (
        client.get(
            PAGE.format(slug=busy.slug) + "/crosstab.csv", query_string={"measure": "attendance"}
        )
        .get_data()
        .decode("utf-8-sig")
    )
    assert text.splitlines()[1] == "AI,6,< 5,0,7"


def test_the_comparison_csv_needs_a_comparison(client, busy, organizer, login):
    login(organizer)
    url = PAGE.format(slug=busy.slug) + "/compare.csv"
    assert client.get(url).status_code == 404
    assert client.get(PAGE.format(slug=busy.slug) + "/other.csv").status_code == 404
    industries = ids(busy, "industry")
    response = client.get(
        url,
        query_string={"measure": "attendance", "compare": "1", "b_industry": industries["Finance"]},
    )
    assert response.get_data().decode("utf-8-sig").splitlines() == [
        "Topic,Everyone,Finance",
        "AI,7,6",
    ]
