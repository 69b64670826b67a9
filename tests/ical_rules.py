"""A strict reading of RFC 5545 for the bot's calendars: what any calendar app may rely on.

Independent of the icalendar package that writes them: the raw lines are read
here (CRLF, 75-octet folding, text escaping, component nesting), then the
rules that apps trip over: every VEVENT has one UID, DTSTAMP (UTC) and
DTSTART, never both DTEND and DURATION, ends after it starts; every TZID used
has its VTIMEZONE with offsets.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_LINE = re.compile(r"^(?P<name>[A-Za-z0-9-]+)(?P<params>(?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^;:,\"]*)"
                   r"(?:,(?:\"[^\"]*\"|[^;:,\"]*))*)*):(?P<value>.*)$")
_TEXT = {"SUMMARY", "LOCATION", "DESCRIPTION", "CATEGORIES", "NAME", "X-WR-CALNAME", "COMMENT", "TZNAME"}
_UTC = re.compile(r"^\d{8}T\d{6}Z$")
_LOCAL = re.compile(r"^\d{8}T\d{6}$")
_OFFSET = re.compile(r"^[+-]\d{4}(\d{2})?$")


@dataclass
class Component:
    name: str
    properties: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [value for prop, _, value in self.properties if prop == name]

    def walk(self, name: str) -> list[Component]:
        found = [self] if self.name == name else []
        return found + [c for child in self.children for c in child.walk(name)]


def unfold(data: bytes) -> list[str]:
    """Content lines; fails on a bare LF, a line over 75 octets or a body not ending in CRLF."""
    assert data.endswith(b"\r\n"), "the body ends with CRLF"
    physical = data[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, f"bare line break in {line!r}"
        assert len(line) <= 75, f"line of {len(line)} octets: {line!r}"
    lines: list[str] = []
    for line in physical:
        text = line.decode("utf-8")  # folding never splits a character: each part decodes on its own
        if text[:1] in (" ", "\t"):
            assert lines, "a continuation line first"
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def _check_text(name: str, value: str) -> None:
    """TEXT values escape backslash, semicolon and comma; CATEGORIES may separate with commas."""
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            assert value[i + 1:i + 2] in ("\\", ";", ",", "n", "N"), f"{name}: bad escape in {value!r}"
            i += 2
            continue
        assert char != ";" and (char != "," or name == "CATEGORIES"), f"{name}: unescaped {char!r} in {value!r}"
        i += 1


def parse(data: bytes) -> Component:
    """The one VCALENDAR in ``data``, read strictly."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(data):
        match = _LINE.match(line)
        assert match, f"not a content line: {line!r}"
        name, value = match["name"].upper(), match["value"]
        params = dict(p.split("=", 1) for p in match["params"].split(";")[1:])
        if name == "BEGIN":
            component = Component(value.upper())
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "one VCALENDAR per body"
                root = component
            stack.append(component)
        elif name == "END":
            assert stack and stack[-1].name == value.upper(), f"END:{value} closes {stack[-1].name if stack else None}"
            stack.pop()
        else:
            assert stack, f"{name} outside any component"
            if name in _TEXT:
                _check_text(name, value)
            stack[-1].properties.append((name, params, value))
    assert root is not None and not stack, "BEGIN/END balanced"
    return root


def _one(component: Component, name: str) -> str:
    values = component.values(name)
    assert len(values) == 1, f"{component.name} {component.values('UID')} has {len(values)} {name}"
    return values[0]


def _moment(component: Component, name: str, zones: set[str]) -> tuple[str, str]:
    """(TZID or "UTC", value) of a DATE-TIME property, checked against the VTIMEZONEs."""
    [(params, value)] = [(p, v) for prop, p, v in component.properties if prop == name]
    if "TZID" in params:
        assert params["TZID"] in zones, f"{name};TZID={params['TZID']} has no VTIMEZONE"
        assert _LOCAL.match(value), f"{name} with TZID is local time: {value}"
        return params["TZID"], value
    assert _UTC.match(value), f"{name} is UTC or has a TZID: {value}"
    return "UTC", value


def check_calendar(data: bytes) -> Component:
    """Every rule above, or an AssertionError naming the first one broken; the parsed calendar."""
    calendar = parse(data)
    assert calendar.name == "VCALENDAR"
    assert _one(calendar, "VERSION") == "2.0"
    assert _one(calendar, "PRODID")
    zones = set()
    for zone in calendar.walk("VTIMEZONE"):
        tzid = _one(zone, "TZID")
        assert tzid not in zones, f"two VTIMEZONEs for {tzid}"
        zones.add(tzid)
        assert zone.children and {c.name for c in zone.children} <= {"STANDARD", "DAYLIGHT"}
        for part in zone.children:
            assert _LOCAL.match(_one(part, "DTSTART"))
            assert _OFFSET.match(_one(part, "TZOFFSETFROM")) and _OFFSET.match(_one(part, "TZOFFSETTO"))
    events = calendar.walk("VEVENT")
    uids = Counter(_one(event, "UID") for event in events)
    assert all(n == 1 for n in uids.values()), f"UIDs repeated: {uids}"
    for event in events:
        assert _UTC.match(_one(event, "DTSTAMP")), "DTSTAMP in UTC"
        start = _moment(event, "DTSTART", zones)
        assert not (event.values("DTEND") and event.values("DURATION")), "DTEND or DURATION, not both"
        if event.values("DTEND"):
            end = _moment(event, "DTEND", zones)
            assert end[0] != start[0] or end[1] > start[1], f"DTEND after DTSTART: {start} {end}"
        assert len(event.values("RRULE")) <= 1
        for status in event.values("STATUS"):
            assert status in ("TENTATIVE", "CONFIRMED", "CANCELLED")
        for prop, params, _ in event.properties:
            if "TZID" in params:
                assert params["TZID"] in zones, f"{prop};TZID={params['TZID']} has no VTIMEZONE"
    return calendar
