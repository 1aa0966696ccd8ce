"""Forms of a sponsor's lead pages: qualifying one lead (with a field per question the
sponsor defined) and editing those questions.

These only check what a field alone can tell; ``conference.services.lead_lists``
checks the rest (choices that exist, tag counts) and names the field it refuses.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from conference.enums import LeadFollowUp, LeadRating, SponsorQuestionKind
from conference.models import Lead, SponsorQuestion
from conference.services import lead_lists


def _optional_rating(value) -> LeadRating | None:
    if isinstance(value, LeadRating) or value is None:
        return value
    return LeadRating(value) if value in LeadRating.__members__ else None


class QualifyForm(FlaskForm):
    rating = SelectField(
        _l("Rating"),
        choices=[
            SelectChoice("", _l("Not rated")),
            *(SelectChoice(r.value, label) for r, label in lead_lists.RATING_LABELS.items()),
        ],
        coerce=_optional_rating,
        validate_choice=False,
    )
    follow_up = SelectField(
        _l("Follow-up"),
        choices=[SelectChoice(f.value, label) for f, label in lead_lists.FOLLOW_UP_LABELS.items()],
        coerce=LeadFollowUp,
        default=LeadFollowUp.new.value,
    )
    tags = StringField(
        _l("Tags"),
        validators=[Length(max=lead_lists.TAGS_MAX * (lead_lists.TAG_MAX + 2))],
        description=_l("Separate tags with commas, e.g. “pilot, q3, berlin”."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=lead_lists.NOTES_MAX)])

    #: The question fields of this form, as (question, field name).
    question_fields: list[tuple[SponsorQuestion, str]] = []

    @classmethod
    def for_lead(
        cls, lead: Lead, questions: list[SponsorQuestion], answers: dict[int, str]
    ) -> QualifyForm:
        """The form for ``lead`` with one field ``q_<id>`` per question, showing what is
        recorded now (a posted form shows what was typed)."""

        class Form(cls):
            pass

        fields = []
        for question in questions:
            name = f"q_{question.id}"
            if question.kind == SponsorQuestionKind.text:
                field = StringField(question.prompt, validators=[Length(max=lead_lists.ANSWER_MAX)])
            else:
                options = (
                    [SelectChoice(c, c) for c in question.choices]
                    if question.kind == SponsorQuestionKind.choice
                    else [SelectChoice(v, label) for v, label in lead_lists.YES_NO_LABELS.items()]
                )
                recorded = answers.get(question.id)
                if recorded and recorded not in {option.value for option in options}:
                    options.append(SelectChoice(recorded, recorded))
                field = SelectField(
                    question.prompt,
                    choices=[SelectChoice("", _l("No answer")), *options],
                    validate_choice=False,
                )
            setattr(Form, name, field)
            fields.append((question, name))
        Form.question_fields = fields
        return Form(
            data={
                "rating": lead.rating.value if lead.rating else "",
                "follow_up": lead.follow_up.value,
                "tags": ", ".join(lead.tags or []),
                "notes": lead.notes,
                **{name: answers.get(question.id, "") for question, name in fields},
            }
        )

    def answers(self) -> dict[int, str]:
        return {question.id: self[name].data or "" for question, name in self.question_fields}

    def service_fields(self) -> dict:
        """The arguments of ``lead_lists.qualify``."""
        return {
            "rating": self.rating.data,
            "follow_up": self.follow_up.data,
            "notes": self.notes.data or "",
            "tags": self.tags.data or "",
            "answers": self.answers(),
        }


class QuestionForm(FlaskForm):
    prompt = StringField(
        _l("Question"),
        validators=[DataRequired(message=_l("Write the question.")), Length(max=200)],
        description=_l("What your staff answer about each lead, e.g. “Budget this year?”"),
    )
    kind = SelectField(
        _l("Answer"),
        choices=[
            SelectChoice(k.value, label) for k, label in lead_lists.QUESTION_KIND_LABELS.items()
        ],
        coerce=SponsorQuestionKind,
        default=SponsorQuestionKind.text.value,
    )
    choices = TextAreaField(
        _l("Choices"),
        description=_l("For a choice question: one choice a line."),
    )

    def service_fields(self) -> dict:
        """The arguments of ``lead_lists.add_question`` / ``update_question``."""
        return {
            "prompt": self.prompt.data or "",
            "kind": self.kind.data,
            "choices": self.choices.data or "",
        }
