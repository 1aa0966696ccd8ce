"""The print formats a badge design can use, in millimetres and points.

Single formats put one badge on a page of its own size: A6 and A7 portrait, a 4 x 3
inch label (landscape: the QR code sits beside the text) and a CR80 card (portrait,
for a lanyard). Sheet formats put four badges (two by two) on an office printer's
page, with crop marks in the margins on every cut line:

- ``a4_sheet``: four 95 x 135 mm badges on A4 (margins 10 mm and 13.5 mm);
- ``letter_sheet``: four 3.5 x 5 inch badges on US Letter (margins 19 mm and 12.7 mm).

Four is as many as fit with room left for the marks: four A6 badges fill A4 exactly
and would leave no margin to mark the cuts in.

Each format also fixes the boxes the text is fitted into (``conference.badges.fit``)
and the largest and smallest type sizes of each field.
"""

from __future__ import annotations

from dataclasses import dataclass

from conference.enums import BadgeLayout

MM_TO_PT = 72 / 25.4
INCH = 25.4


@dataclass(frozen=True)
class TypeRange:
    """The largest and smallest size (pt) a field is set in before it wraps."""

    max_pt: float
    min_pt: float


@dataclass(frozen=True)
class Layout:
    """One print format. Lengths in millimetres, type sizes in points."""

    key: BadgeLayout
    page_width: float
    page_height: float
    badge_width: float
    badge_height: float
    columns: int = 1
    rows: int = 1
    #: Text on the left and the QR code on the right, instead of the QR code below.
    landscape: bool = False
    #: Inner margin of the badge.
    padding: float = 6
    #: The coloured band at the top, with the logo and the event's name.
    band: float = 26
    #: The ribbon at the bottom (SPEAKER ...).
    ribbon: float = 14
    qr: float = 38
    name: TypeRange = TypeRange(34, 16)
    company: TypeRange = TypeRange(18, 10)
    job_title: TypeRange = TypeRange(14, 9)
    event: TypeRange = TypeRange(12, 7)
    ribbon_type: TypeRange = TypeRange(20, 9)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def is_sheet(self) -> bool:
        return self.per_page > 1

    @property
    def margin_x(self) -> float:
        return (self.page_width - self.columns * self.badge_width) / 2

    @property
    def margin_y(self) -> float:
        return (self.page_height - self.rows * self.badge_height) / 2

    def slot_origin(self, slot: int) -> tuple[float, float]:
        """The top-left corner (mm) of badge number ``slot`` on the page."""
        column, row = slot % self.columns, slot // self.columns
        return (
            self.margin_x + column * self.badge_width,
            self.margin_y + row * self.badge_height,
        )

    @property
    def text_width(self) -> float:
        """Width (mm) of the name, company and job title, beside a landscape QR code."""
        width = self.badge_width - 2 * self.padding
        if self.landscape:
            width -= self.qr + self.padding
        return width

    @property
    def logo_height(self) -> float:
        return self.band - 2 * min(self.padding, self.band / 5)

    @property
    def logo_max_width(self) -> float:
        return (self.badge_width - 2 * self.padding) * 0.4


LAYOUTS: dict[BadgeLayout, Layout] = {
    layout.key: layout
    for layout in (
        Layout(BadgeLayout.a6, 105, 148, 105, 148),
        Layout(
            BadgeLayout.a7,
            74,
            105,
            74,
            105,
            padding=4,
            band=18,
            ribbon=10,
            qr=28,
            name=TypeRange(24, 11),
            company=TypeRange(13, 8),
            job_title=TypeRange(10, 7),
            event=TypeRange(9, 6),
            ribbon_type=TypeRange(14, 7),
        ),
        Layout(
            BadgeLayout.label_4x3,
            4 * INCH,
            3 * INCH,
            4 * INCH,
            3 * INCH,
            landscape=True,
            padding=4,
            band=16,
            ribbon=9,
            qr=30,
            name=TypeRange(24, 11),
            company=TypeRange(13, 8),
            job_title=TypeRange(10, 7),
            event=TypeRange(10, 6),
            ribbon_type=TypeRange(13, 7),
        ),
        Layout(
            BadgeLayout.cr80,
            53.98,
            85.6,
            53.98,
            85.6,
            padding=3,
            band=14,
            ribbon=8,
            qr=22,
            name=TypeRange(18, 9),
            company=TypeRange(10, 7),
            job_title=TypeRange(8, 6),
            event=TypeRange(8, 5.5),
            ribbon_type=TypeRange(11, 6),
        ),
        Layout(
            BadgeLayout.a4_sheet,
            210,
            297,
            95,
            135,
            columns=2,
            rows=2,
            padding=5,
            band=24,
            ribbon=12,
            qr=34,
            name=TypeRange(30, 14),
            company=TypeRange(16, 9),
            job_title=TypeRange(12, 8),
            event=TypeRange(11, 7),
            ribbon_type=TypeRange(18, 8),
        ),
        Layout(
            BadgeLayout.letter_sheet,
            8.5 * INCH,
            11 * INCH,
            3.5 * INCH,
            5 * INCH,
            columns=2,
            rows=2,
            padding=5,
            band=22,
            ribbon=12,
            qr=32,
            name=TypeRange(28, 13),
            company=TypeRange(15, 9),
            job_title=TypeRange(12, 8),
            event=TypeRange(11, 7),
            ribbon_type=TypeRange(17, 8),
        ),
    )
}


def layout_of(key: BadgeLayout | str) -> Layout:
    return LAYOUTS[BadgeLayout(key)]
