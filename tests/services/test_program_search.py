"""Program search on SQLite FTS5 and PostgreSQL full text: scripts, speakers, ranking,
drafts, and the index following the sessions."""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.models import User, session_speakers
from conference.services.program_search import (
    highlight,
    include_name,
    reindex_event,
    search_program,
    search_words,
    snippet,
)
from tests import factories
from tests import program_helpers as program


def found(event, query, **options) -> list[str]:
    return [hit.session.title for hit in search_program(event, query, **options)]


def test_search_finds_the_beginning_of_a_latin_word_in_any_case(event):
    program.session(event, "Security for payment platforms")
    program.session(event, "Growing a product team", "11:00", "11:45")

    assert found(event, "secur") == ["Security for payment platforms"]
    assert found(event, "PAYMENT") == ["Security for payment platforms"]


def test_search_ignores_latin_accents_both_ways(event):
    program.session(event, "Café culture at Zoë's", abstract="A crème brûlée of ideas")

    assert found(event, "cafe zoe") == ["Café culture at Zoë's"]
    assert found(event, "Crème") == ["Café culture at Zoë's"]
    assert found(event, "brulee") == ["Café culture at Zoë's"]


def test_search_finds_cyrillic_in_any_case(event):
    program.session(event, "Машинное обучение в банке")
    program.session(event, "Безопасность платежей", "11:00", "11:45")

    assert found(event, "МАШИН") == ["Машинное обучение в банке"]
    assert found(event, "платеж") == ["Безопасность платежей"]


def test_search_finds_japanese_words_inside_text_without_spaces(event):
    program.session(event, "機械学習の実践入門")
    program.session(event, "セキュリティの基本", "11:00", "11:45", abstract="決済システムを守る")

    assert found(event, "学習") == ["機械学習の実践入門"]
    assert found(event, "決済") == ["セキュリティの基本"]
    assert found(event, "ｾｷｭﾘﾃｨ") == ["セキュリティの基本"]  # half-width kana typed


def test_search_by_speaker_name_returns_their_sessions_and_the_matched_speaker(event, speaker):
    yamada = factories.participant(event, "山田 太郎")
    ivan = factories.participant(event, "Иван Петров")
    program.session(event, "Panel", speakers=[speaker, yamada, ivan])
    program.session(event, "Solo", "11:00", "11:45", speakers=[speaker])

    by_latin = search_program(event, "sam")
    by_japanese = search_program(event, "山田")
    by_cyrillic = search_program(event, "петров")

    assert sorted((h.session.title, [p.display_name for p in h.speakers]) for h in by_latin) == [
        ("Panel", ["Sam Speaker"]),
        ("Solo", ["Sam Speaker"]),
    ]
    assert [(h.session.title, [p.id for p in h.speakers]) for h in by_japanese] == [
        ("Panel", [yamada.id])
    ]
    assert [(h.session.title, [p.id for p in h.speakers]) for h in by_cyrillic] == [
        ("Panel", [ivan.id])
    ]


def test_search_needs_every_word(event, speaker):
    program.session(event, "Security for payments", speakers=[speaker])
    program.session(event, "Security for AI", "11:00", "11:45")

    assert found(event, "security sam") == ["Security for payments"]
    assert found(event, "security 学習") == []


def test_search_ranks_title_matches_before_abstract_matches(event):
    program.session(event, "Keynote", "09:00", "09:45", abstract="We talk about kubernetes.")
    program.session(event, "Kubernetes in practice", "16:00", "16:45")

    assert found(event, "kubernetes") == ["Kubernetes in practice", "Keynote"]


def test_search_leaves_out_drafts_unless_asked_and_other_events(event, other_event):
    program.session(event, "Quantum published")
    program.session(event, "Quantum draft", "11:00", "11:45", published=False)
    program.session(other_event, "Quantum elsewhere")

    assert found(event, "quantum") == ["Quantum published"]
    assert found(event, "quantum", include_drafts=True) == ["Quantum published", "Quantum draft"]


def test_search_of_nothing_or_punctuation_finds_nothing(event):
    program.session(event, "Anything")

    assert (found(event, ""), found(event, "   "), found(event, '"*()-:')) == ([], [], [])


def test_search_words_split_indexed_and_substring_words():
    words = search_words("Zoë  КИБЕР 機械学習 zoë")

    assert (words.indexed, words.substrings) == (("zoe", "кибер"), ("機械学習",))


# --- the index follows the program -----------------------------------------------------------


def test_index_follows_a_renamed_session(event):
    talk = program.session(event, "Old title")

    talk.title = "Brand new title"
    db.session.commit()

    assert (found(event, "old"), found(event, "brand")) == ([], ["Brand new title"])


def test_index_follows_a_renamed_speaker(event, speaker):
    program.session(event, "Talk", speakers=[speaker])

    speaker.display_name = "Samira Renamed"
    db.session.commit()

    assert (found(event, "speaker"), found(event, "samira")) == ([], ["Talk"])


def test_index_follows_speakers_written_with_sql(event, speaker, attendee):
    talk = program.session(event, "Talk", speakers=[speaker])

    db.session.execute(session_speakers.delete().where(session_speakers.c.session_id == talk.id))
    db.session.execute(
        session_speakers.insert(), [{"session_id": talk.id, "user_id": attendee.id, "position": 0}]
    )
    db.session.commit()

    assert (found(event, "sam"), found(event, "anna")) == ([], ["Talk"])


def test_index_forgets_a_deleted_session(event):
    talk = program.session(event, "Ephemeral")

    db.session.delete(talk)
    db.session.commit()

    assert found(event, "ephemeral") == []
    assert db.session.execute(sa.text("SELECT count(*) FROM program_search")).scalar() == 0


def test_reindex_event_rebuilds_rows_written_around_the_orm(event):
    talk = program.session(event, "Before")
    db.session.execute(sa.text("DELETE FROM program_search"))
    db.session.execute(
        sa.text("UPDATE program_sessions SET title = 'After' WHERE id = :id"), {"id": talk.id}
    )

    reindex_event(event)
    db.session.expire_all()

    assert (found(event, "before"), found(event, "after")) == ([], ["After"])


def test_index_follows_a_speaker_added_through_the_orm(event, speaker):
    talk = program.session(event, "Talk")

    talk.speakers.append(db.session.get(User, speaker.id))
    db.session.commit()

    assert found(event, "sam") == ["Talk"]


# --- showing matches ---------------------------------------------------------------------------


def test_highlight_escapes_then_marks_every_match():
    words = search_words("secur zoe 学習")

    marked = highlight("<b>Security</b> & Zoë: 機械学習", words)

    assert str(marked) == (
        "&lt;b&gt;<mark>Secur</mark>ity&lt;/b&gt; &amp; <mark>Zoë</mark>: 機械<mark>学習</mark>"
    )


def test_highlight_marks_word_beginnings_only():
    assert str(highlight("insecure security", search_words("secur"))) == (
        "insecure <mark>secur</mark>ity"
    )


def test_snippet_shows_the_text_around_the_first_match_without_markdown():
    abstract = "**Intro** " + "word " * 80 + "the *quantum* part " + "tail " * 80

    shown = str(snippet(abstract, search_words("quantum"), width=60))

    assert shown.startswith("… ")
    assert shown.endswith(" …")
    assert "<mark>quantum</mark>" in shown
    assert "*" not in shown


def test_include_name_hides_the_index_tables_from_autogenerate():
    assert [
        include_name(name, "table", {})
        for name in ("program_search", "program_search_fts", "program_search_fts_data", "users")
    ] == [False, False, False, True]
