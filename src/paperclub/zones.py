"""Which time zone names a group may meet in, and the zone meant by one it may not.

A group meets in a place, so its zone is an IANA name of a place (`America/New_York`), whose
rules know the clock changes. An abbreviation (`EST`, `CET`) or a fixed offset (`UTC+2`,
`Etc/GMT+5`) is refused: EST is UTC-5 all year, so the sessions of a New York group after the
clock change would be an hour off. `UTC` itself is a group's own choice (an online group
across zones may meet by it) and is kept.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC_NAMES = ("UTC", "Etc/UTC")
NOT_PLACES = ("Etc", "SystemV", "posix", "right")  # folders of offsets and old copies

# What people write for a zone, and the places they mean (most likely first).
ABBREVIATIONS = {
    **dict.fromkeys(("EST", "EDT", "EST5EDT"), ("America/New_York",)),
    **dict.fromkeys(("CST", "CDT", "CST6CDT"), ("America/Chicago",)),
    "MST": ("America/Denver", "America/Phoenix"),
    **dict.fromkeys(("MDT", "MST7MDT"), ("America/Denver",)),
    **dict.fromkeys(("PST", "PDT", "PST8PDT"), ("America/Los_Angeles",)),
    **dict.fromkeys(("AKST", "AKDT"), ("America/Anchorage",)),
    **dict.fromkeys(("HST", "HDT"), ("Pacific/Honolulu",)),
    **dict.fromkeys(("AST", "ADT"), ("America/Halifax",)),
    **dict.fromkeys(("NST", "NDT"), ("America/St_Johns",)),
    "BRT": ("America/Sao_Paulo",),
    "ART": ("America/Argentina/Buenos_Aires",),
    "GMT": ("UTC", "Europe/London"),
    "BST": ("Europe/London",),
    "IST": ("Asia/Kolkata", "Europe/Dublin"),
    **dict.fromkeys(("WET", "WEST"), ("Europe/Lisbon",)),
    **dict.fromkeys(("CET", "CEST", "MET", "MEST"), ("Europe/Paris", "Europe/Berlin")),
    **dict.fromkeys(("EET", "EEST"), ("Europe/Athens", "Europe/Helsinki")),
    "MSK": ("Europe/Moscow",),
    "WAT": ("Africa/Lagos",),
    "CAT": ("Africa/Maputo",),
    "SAST": ("Africa/Johannesburg",),
    "EAT": ("Africa/Nairobi",),
    "PKT": ("Asia/Karachi",),
    "ICT": ("Asia/Bangkok",),
    "WIB": ("Asia/Jakarta",),
    "HKT": ("Asia/Hong_Kong",),
    "SGT": ("Asia/Singapore",),
    "JST": ("Asia/Tokyo",),
    "KST": ("Asia/Seoul",),
    "AWST": ("Australia/Perth",),
    **dict.fromkeys(("ACST", "ACDT"), ("Australia/Adelaide",)),
    **dict.fromkeys(("AEST", "AEDT"), ("Australia/Sydney",)),
    **dict.fromkeys(("NZST", "NZDT"), ("Pacific/Auckland",)),
    **dict.fromkeys(("UCT", "UNIVERSAL", "ZULU", "Z", "GREENWICH", "GMT0", "UT"), ("UTC",)),
}
# The old one-word names of places (tzdata's `backward` file), and their names now.
OLD_NAMES = {
    "CUBA": ("America/Havana",),
    "EGYPT": ("Africa/Cairo",),
    "EIRE": ("Europe/Dublin",),
    "GB": ("Europe/London",),
    "GB-EIRE": ("Europe/London",),
    "HONGKONG": ("Asia/Hong_Kong",),
    "ICELAND": ("Atlantic/Reykjavik",),
    "IRAN": ("Asia/Tehran",),
    "ISRAEL": ("Asia/Jerusalem",),
    "JAMAICA": ("America/Jamaica",),
    "JAPAN": ("Asia/Tokyo",),
    "KWAJALEIN": ("Pacific/Kwajalein",),
    "LIBYA": ("Africa/Tripoli",),
    "NAVAJO": ("America/Denver",),
    "NZ": ("Pacific/Auckland",),
    "NZ-CHAT": ("Pacific/Chatham",),
    "POLAND": ("Europe/Warsaw",),
    "PORTUGAL": ("Europe/Lisbon",),
    "PRC": ("Asia/Shanghai",),
    "ROC": ("Asia/Taipei",),
    "ROK": ("Asia/Seoul",),
    "SINGAPORE": ("Asia/Singapore",),
    "TURKEY": ("Europe/Istanbul",),
    "W-SU": ("Europe/Moscow",),
}
# Places offered for a fixed offset: those at that offset in January first, then in July.
PLACES = (
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Lagos",
    "Europe/Athens",
    "Europe/Helsinki",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Europe/Moscow",
    "Europe/Istanbul",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
)
OFFSET = re.compile(r"(?:UTC|GMT|UT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?")
ETC_OFFSET = re.compile(r"ETC/GMT([+-])(\d{1,2})")  # POSIX: Etc/GMT+5 is five hours *behind*


def check(name: str) -> str:
    """`name` if a group may meet in it; else ValueError saying why, with the zone meant."""
    if name in UTC_NAMES:
        return name
    try:
        ZoneInfo(name)
        known = True
    # "Europe" is a folder of zones, "/etc/passwd" no key at all
    except (ZoneInfoNotFoundError, OSError, ValueError):
        known = False
    if known and "/" in name and name.split("/")[0] not in NOT_PLACES:
        return name
    meant, offset = suggest(name)
    hint = f" (did you mean {_either(meant)}?)" if meant else ""
    if offset is not None:
        raise ValueError(
            f"a fixed offset ({offset}) has no daylight saving time, so sessions "
            f"after a clock change would be an hour off: name the place{hint}"
        )
    key = name.strip().upper()
    if key in OLD_NAMES:
        raise ValueError(f"an old name of a zone: give its name now{hint}")
    if key.removeprefix("ETC/") in ABBREVIATIONS:
        raise ValueError(
            "an abbreviation, not a place: it may not follow the clock changes of "
            f"the group's place, and sessions after one would be an hour off{hint}"
        )
    if known:
        raise ValueError(f"not the zone of a place{hint}")
    raise ValueError(f"no such zone{hint}")


def suggest(name: str) -> tuple[list[str], str | None]:
    """The zones `name` most likely means, and the fixed offset it names, if it names one."""
    text = " ".join(name.split())
    key = text.upper()
    if key.startswith("ETC/") and key[4:] in ABBREVIATIONS:
        key = key[4:]
    if key in ABBREVIATIONS or key in OLD_NAMES:
        return list(ABBREVIATIONS.get(key) or OLD_NAMES[key]), None
    minutes = _offset(key)
    if minutes is not None:
        if minutes == 0:
            return ["UTC", "Europe/London"], "UTC+0"
        sign, hours, rest = "+-"[minutes < 0], abs(minutes) // 60, abs(minutes) % 60
        return _at_offset(minutes), f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    places = _places()
    lower = {z.lower(): z for z in places}
    if text.lower() in lower:  # america/new_york
        return [lower[text.lower()]], None
    if "/" in text:
        tail = text.split("/", 1)[1] if text.split("/")[0] in NOT_PLACES else text
        if tail in places:  # posix/Europe/Berlin
            return [tail], None
    else:  # a city: Berlin, new york
        cities: dict[str, str] = {}
        for zone in sorted(places):
            cities.setdefault(zone.rsplit("/", 1)[-1].replace("_", " ").lower(), zone)
        close = difflib.get_close_matches(
            text.replace("_", " ").lower(), list(cities), n=3, cutoff=0.8
        )
        if close:
            return [cities[c] for c in close], None
    close = difflib.get_close_matches(text.lower(), list(lower), n=3, cutoff=0.6)
    return [lower[c] for c in close], None


def _either(names: list[str]) -> str:
    quoted = [repr(z) for z in names]
    return " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 2 else quoted)


def _offset(key: str) -> int | None:
    """Minutes east of UTC that `key` names (`UTC+2`, `GMT-5`, `+05:30`, `Etc/GMT+5`)."""
    etc = ETC_OFFSET.fullmatch(key)
    if etc:
        return (-1 if etc[1] == "+" else 1) * int(etc[2]) * 60
    match = OFFSET.fullmatch(key)
    if not match:
        return None
    minutes = int(match[2]) * 60 + int(match[3] or 0)
    return -minutes if match[1] == "-" else minutes


def _at_offset(minutes: int) -> list[str]:
    def offset(zone: str, month: int) -> int:
        moment = datetime(2026, month, 15, 12, tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
        delta = moment.utcoffset()
        return int(delta.total_seconds() // 60) if delta is not None else 0

    places = [z for z in PLACES if z in _places()]
    found = [z for z in places if offset(z, 1) == minutes]
    found += [z for z in places if offset(z, 7) == minutes and z not in found]
    return found[:3]


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Every zone a group may meet in, on this machine."""
    return frozenset(
        z for z in available_timezones() if "/" in z and z.split("/")[0] not in NOT_PLACES
    ) | set(UTC_NAMES)
