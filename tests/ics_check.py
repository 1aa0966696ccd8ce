"""A strict reader of the iCalendar files the app makes, for tests.

``check(data)`` parses ``data`` with vobject (an independent parser, not the
icalendar library that wrote it) and checks the RFC 5545 basics itself, on the
raw bytes: CRLF line endings, content lines folded at 75 octets, BEGIN/END
balanced and nested, VERSION:2.0 and PRODID, and on every VEVENT a UID, a DTSTAMP
in UTC, DTSTART and DTEND either in UTC or with a TZID whose VTIMEZONE is in the
file, and an integer SEQUENCE where there is one. Any failure raises
``AssertionError`` naming the line.

What it returns (``Checked``) gives tests the parsed values: each VEVENT's
properties, its DTSTART/DTEND as written, and as UTC instants computed from the
file's own VTIMEZONE by dateutil's ``tzical``. (vobject would do the same, but it
keeps the first VTIMEZONE it ever saw for a TZID for the rest of the process, so
a second file's definition of "Europe/Berlin" would be ignored.)
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import vobject
from dateutil import tz

_NAME = re.compile(r"^[A-Za-z0-9-]+")
_UTC_TIME = re.compile(r"^\d{8}T\d{6}Z$")
_LOCAL_TIME = re.compile(r"^\d{8}T\d{6}$")


@dataclass
class ContentLine:
    """One unfolded content line: ``NAME;PARAM=value:value``."""

    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    name: str
    lines: list[ContentLine] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def get(self, name: str) -> ContentLine | None:
        found = self.all(name)
        return found[0] if found else None

    def all(self, name: str) -> list[ContentLine]:
        return [line for line in self.lines if line.name == name.upper()]

    def value(self, name: str) -> str | None:
        line = self.get(name)
        return line.value if line else None

    def walk(self, name: str) -> list[Component]:
        found = [self] if self.name == name else []
        for child in self.children:
            found.extend(child.walk(name))
        return found


@dataclass
class CheckedEvent:
    """A VEVENT as written, with its times as vobject read them."""

    raw: Component
    #: vobject's VEVENT.
    parsed: object
    #: DTSTART and DTEND as UTC instants, computed from the file's own VTIMEZONE.
    starts_at: datetime
    ends_at: datetime

    @property
    def uid(self) -> str:
        return self.raw.value("UID")

    @property
    def sequence(self) -> int | None:
        value = self.raw.value("SEQUENCE")
        return None if value is None else int(value)

    def text(self, name: str) -> str | None:
        """A text property as vobject decoded it (escapes undone), or None."""
        found = getattr(self.parsed, name.lower().replace("-", "_"), None)
        return None if found is None else found.value


@dataclass
class Checked:
    calendar: Component
    parsed: object
    events: list[CheckedEvent]

    @property
    def method(self) -> str | None:
        return self.calendar.value("METHOD")

    @property
    def timezones(self) -> list[str]:
        return [zone.value("TZID") for zone in self.calendar.walk("VTIMEZONE")]

    def event(self, uid: str) -> CheckedEvent:
        matches = [event for event in self.events if event.uid == uid]
        assert len(matches) == 1, f"{len(matches)} VEVENTs with UID {uid}"
        return matches[0]


def _split_params(text: str) -> tuple[dict[str, str], str]:
    """Split ``;A=1;B="x:y":value`` into parameters and the value (quotes respected)."""
    params: dict[str, str] = {}
    i = 0
    while i < len(text) and text[i] == ";":
        i += 1
        eq = text.index("=", i)
        key = text[i:eq].upper()
        i = eq + 1
        if i < len(text) and text[i] == '"':
            end = text.index('"', i + 1)
            params[key] = text[i + 1 : end]
            i = end + 1
        else:
            end = i
            while end < len(text) and text[end] not in ";:":
                end += 1
            params[key] = text[i:end]
            i = end
    assert i < len(text) and text[i] == ":", f"no ':' after the parameters in {text!r}"
    return params, text[i + 1 :]


def _content_lines(data: bytes) -> list[str]:
    assert data, "empty file"
    assert data.endswith(b"\r\n"), "the file does not end with CRLF"
    physical = data[:-2].split(b"\r\n")
    for number, line in enumerate(physical, 1):
        assert b"\n" not in line and b"\r" not in line, f"line {number}: bare CR or LF"
        assert len(line) <= 75, f"line {number}: {len(line)} octets (folded at most at 75)"
        assert line, f"line {number}: empty line"
    unfolded: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            assert unfolded, "the file starts with a continuation line"
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    return [line.decode("utf-8") for line in unfolded]


def _tree(lines: list[str]) -> Component:
    stack: list[Component] = []
    root: Component | None = None
    for text in lines:
        match = _NAME.match(text)
        assert match, f"not a content line: {text!r}"
        name = match.group(0).upper()
        params, value = _split_params(text[match.end() :])
        if name == "BEGIN":
            component = Component(value.upper())
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "more than one top-level component"
                root = component
            stack.append(component)
        elif name == "END":
            assert stack, f"END:{value} without BEGIN"
            assert stack[-1].name == value.upper(), f"END:{value} closes BEGIN:{stack[-1].name}"
            stack.pop()
        else:
            assert stack, f"{name} outside any component"
            stack[-1].lines.append(ContentLine(name, params, value))
    assert not stack, f"BEGIN:{stack[-1].name if stack else ''} never ends"
    assert root is not None and root.name == "VCALENDAR", "not a VCALENDAR"
    return root


def _check_time(event: Component, name: str, zones: set[str]) -> None:
    line = event.get(name)
    assert line is not None, f"VEVENT {event.value('UID')} has no {name}"
    if "TZID" in line.params:
        assert _LOCAL_TIME.match(line.value), f"{name} with TZID is not a local time: {line.value}"
        assert line.params["TZID"] in zones, f"{name} TZID {line.params['TZID']} has no VTIMEZONE"
    else:
        assert _UTC_TIME.match(line.value), f"{name} is neither UTC nor with a TZID: {line.value}"


def _zones(lines: list[str]) -> dict[str, tz.tzical]:
    """Each VTIMEZONE of the file, read by dateutil from its own text."""
    found: dict[str, tz.tzical] = {}
    start = None
    for index, line in enumerate(lines):
        if line.upper() == "BEGIN:VTIMEZONE":
            start = index
        elif line.upper() == "END:VTIMEZONE" and start is not None:
            block = "\r\n".join(lines[start : index + 1]) + "\r\n"
            reader = tz.tzical(io.StringIO(block))
            (tzid,) = reader.keys()
            found[tzid] = reader.get(tzid)
            start = None
    return found


def _instant(line: ContentLine, zones: dict) -> datetime:
    """A DTSTART or DTEND as a UTC instant; a local time is its first occurrence."""
    if line.value.endswith("Z"):
        return datetime.strptime(line.value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    local = datetime.strptime(line.value, "%Y%m%dT%H%M%S")
    return local.replace(tzinfo=zones[line.params["TZID"]]).astimezone(UTC)


def check(data: bytes) -> Checked:
    """Parse ``data`` strictly and check the RFC 5545 basics (see the module docstring)."""
    lines = _content_lines(data)
    calendar = _tree(lines)
    assert calendar.value("VERSION") == "2.0", "VERSION is not 2.0"
    assert calendar.value("PRODID"), "no PRODID"
    assert len(calendar.all("VERSION")) == len(calendar.all("PRODID")) == 1
    zones: set[str] = set()
    for zone in calendar.walk("VTIMEZONE"):
        tzid = zone.value("TZID")
        assert tzid, "a VTIMEZONE without TZID"
        assert tzid not in zones, f"VTIMEZONE {tzid} twice"
        assert zone.walk("STANDARD") or zone.walk("DAYLIGHT"), f"VTIMEZONE {tzid} is empty"
        zones.add(tzid)
    raw_events = calendar.walk("VEVENT")
    uids = [event.value("UID") for event in raw_events]
    assert all(uids), "a VEVENT without UID"
    assert len(set(uids)) == len(uids), "two VEVENTs with the same UID"
    for event in raw_events:
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS", "SUMMARY"):
            assert len(event.all(name)) <= 1, f"{name} twice in {event.value('UID')}"
        stamp = event.value("DTSTAMP")
        assert stamp and _UTC_TIME.match(stamp), f"DTSTAMP is not UTC: {stamp}"
        _check_time(event, "DTSTART", zones)
        _check_time(event, "DTEND", zones)
        if (sequence := event.value("SEQUENCE")) is not None:
            assert sequence.isdigit(), f"SEQUENCE is not a non-negative integer: {sequence}"

    parsed = vobject.readOne(data.decode("utf-8"), validate=True, ignoreUnreadable=False)
    parsed_events = list(getattr(parsed, "vevent_list", []))
    assert len(parsed_events) == len(raw_events)
    definitions = _zones(lines)
    events = []
    for raw, event in zip(raw_events, parsed_events, strict=True):
        assert event.uid.value == raw.value("UID")
        assert event.dtstart.value.tzinfo is not None and event.dtend.value.tzinfo is not None
        starts_at = _instant(raw.get("DTSTART"), definitions)
        ends_at = _instant(raw.get("DTEND"), definitions)
        assert ends_at > starts_at, f"{raw.value('UID')} does not end after it starts"
        events.append(CheckedEvent(raw, event, starts_at, ends_at))
    return Checked(calendar, parsed, events)
