"""Form fields shared by several blueprints."""

from __future__ import annotations

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (``templates/_forms.html`` renders them as chips)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
