"""The reports overview, its tables as JSON and CSV, and the one-page summary (page and
PDF): only the event's organizers, and the same figures everywhere."""

from __future__ import annotations

import io

import pypdfium2
import pytest

from conference.extensions import db
from conference.services import event_reports
from tests import factories
from tests.conftest import IDENTITIES

PAGES = [
    "/e/northwind/manage/reports/",
    "/e/northwind/manage/reports/tables/registrations_by_industry.json",
    "/e/northwind/manage/reports/tables/registrations_by_day.csv",
    "/e/northwind/manage/reports/summary",
    "/e/northwind/manage/reports/summary.pdf",
]


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("url", PAGES)
def test_report_pages_are_for_the_events_organizers_only(client, as_identity, event, identity, url):
    as_identity(identity)

    response = client.get(url)

    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif identity == "organizer":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_another_events_organizer_is_refused(client, login, event, other_event, url):
    login(factories.organizer(other_event, name="Other Organizer"))

    assert client.get(url).status_code == 403


@pytest.fixture
def crowd(event, organizer):
    """Four registrations besides the organizer's own (Software, Standard)."""
    factories.participant(event, "Fin One", industry="Finance")
    factories.participant(event, "Fin Two", industry="Finance", ticket_type="VIP")
    factories.participant(event, "Soft", industry="Software", status="pending")
    factories.participant(event, "Gone", industry="Healthcare", status="cancelled")
    return event


def test_overview_shows_every_table_with_its_downloads(client, login, organizer, crowd):
    login(organizer)

    html = client.get("/e/northwind/manage/reports/").get_data(as_text=True)

    for key in event_reports.TABLES:
        assert f'href="/e/northwind/manage/reports/tables/{key}.csv"' in html
    assert 'data-chart="/e/northwind/manage/reports/tables/registrations_by_industry.json"' in html
    assert 'aria-current="page">Reports</a>' in html
    assert "Registrations by industry" in html
    assert "vendor/chartjs-4.5.1/chart.umd.min.js" in html


def test_table_json_is_the_services_table(client, login, organizer, crowd):
    login(organizer)

    answer = client.get(
        "/e/northwind/manage/reports/tables/registrations_by_industry.json"
    ).get_json()

    assert answer["ok"] is True
    assert answer["chart"] == "bar"
    assert [(row["label"], row["values"][0]) for row in answer["rows"]] == [
        ("Finance", 2),
        ("Healthcare", 0),
        ("Software", 2),
    ]
    assert answer["total"]["values"] == [4, 1.0]
    assert answer == {
        "ok": True,
        **event_reports.table(crowd, "registrations_by_industry").to_json(),
    }


def test_table_of_an_unknown_key_is_a_404(client, login, organizer):
    login(organizer)

    assert client.get("/e/northwind/manage/reports/tables/secrets.json").status_code == 404
    assert client.get("/e/northwind/manage/reports/tables/secrets.csv").status_code == 404


def test_table_csv_downloads_the_same_figures(client, login, organizer, crowd):
    login(organizer)

    response = client.get("/e/northwind/manage/reports/tables/registrations_by_status.csv")

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=northwind-registrations-by-status-"
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data().decode("utf-8-sig").splitlines() == [
        "Status,Registrations,Share",
        "Pending,1,20.0",
        "Approved,3,60.0",
        "Declined,0,0.0",
        "Cancelled,1,20.0",
        "Total,5,100.0",
    ]


def test_summary_page_shows_the_key_numbers(client, login, organizer, crowd):
    crowd.report_min_cell = 2
    db.session.commit()
    login(organizer)

    html = client.get("/e/northwind/manage/reports/summary").get_data(as_text=True)

    assert "Northwind Summit" in html
    assert "Key numbers" in html
    assert "Top topics by engagement" in html
    assert "Figures about fewer than 2 people show as" in html
    assert 'href="/e/northwind/manage/reports/summary.pdf"' in html
    assert "data-print" in html


def test_summary_pdf_is_one_page_with_the_event_and_its_numbers(client, login, organizer, crowd):
    login(organizer)

    response = client.get("/e/northwind/manage/reports/summary.pdf")

    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=northwind-summary-"
    )
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.get_data()))
    pages = len(pdf)
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert pages == 1
    assert "Northwind Summit" in text
    assert "KEY NUMBERS" in text
    assert "TOP TOPICS BY ENGAGEMENT" in text
