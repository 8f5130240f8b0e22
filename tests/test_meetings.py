"""Meeting dates from a group's rules, and the dated slots the planner fills."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from paperclub.meetings import meeting_dates, slots
from paperclub.models import Meetings

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEK = timedelta(weeks=1)


def rules(**changes) -> Meetings:
    values = dict(
        start=date(2027, 1, 7),
        weekday=THU,
        time=time(16, 0),
        duration=timedelta(minutes=90),
        count=4,
    )
    values.update(changes)
    return Meetings(**values)


# --- meeting_dates -------------------------------------------------------------------------


def test_weekly_from_a_start_on_the_weekday():
    start = date(2027, 1, 7)
    assert start.weekday() == THU
    assert meeting_dates(rules(start=start, count=3)) == [start, start + WEEK, start + 2 * WEEK]


@pytest.mark.parametrize(
    ("start", "weekday", "first"),
    [
        (date(2027, 1, 4), THU, date(2027, 1, 7)),  # Monday -> the Thursday of that week
        (date(2027, 1, 8), THU, date(2027, 1, 14)),  # Friday -> the next week's Thursday
        (date(2027, 1, 9), MON, date(2027, 1, 11)),  # Saturday -> Monday
        (date(2027, 1, 10), SAT, date(2027, 1, 16)),  # Sunday -> Saturday, six days on
    ],
)
def test_start_off_the_weekday_advances_to_it(start, weekday, first):
    assert start.weekday() != weekday and first.weekday() == weekday
    assert 0 < (first - start).days < 7
    assert meeting_dates(rules(start=start, weekday=weekday, count=2)) == [first, first + WEEK]


def test_count_counts_held_meetings_not_skipped_dates():
    start = date(2027, 1, 7)
    skipped = [start + WEEK, start + 3 * WEEK]
    got = meeting_dates(rules(start=start, count=3, skip=tuple(skipped)))
    assert got == [start, start + 2 * WEEK, start + 4 * WEEK]


def test_skipping_the_first_date():
    start = date(2027, 1, 7)
    got = meeting_dates(rules(start=start, count=2, skip=(start,)))
    assert got == [start + WEEK, start + 2 * WEEK]


def test_skip_dates_off_the_schedule_change_nothing():
    start = date(2027, 1, 7)
    off = (start + timedelta(days=1), start - WEEK, start + 50 * WEEK)
    assert meeting_dates(rules(start=start, count=3, skip=off)) == meeting_dates(
        rules(start=start, count=3)
    )


def test_until_is_inclusive():
    start = date(2027, 1, 7)
    third = start + 2 * WEEK
    assert meeting_dates(rules(start=start, count=None, until=third)) == [
        start,
        start + WEEK,
        third,
    ]
    assert meeting_dates(rules(start=start, count=None, until=third - timedelta(days=1))) == [
        start,
        start + WEEK,
    ]


def test_until_on_the_start_date_gives_one_meeting():
    start = date(2027, 1, 7)
    assert meeting_dates(rules(start=start, count=None, until=start)) == [start]


def test_until_before_the_first_weekday_gives_none():
    start = date(2027, 1, 4)  # a Monday; the first Thursday is the 7th
    assert meeting_dates(rules(start=start, count=None, until=date(2027, 1, 6))) == []


def test_until_with_skips_drops_them_without_adding_dates():
    start = date(2027, 1, 7)
    until = start + 4 * WEEK
    got = meeting_dates(rules(start=start, count=None, until=until, skip=(start + WEEK,)))
    assert got == [start, start + 2 * WEEK, start + 3 * WEEK, until]


def test_every_two_weeks():
    start = date(2027, 1, 7)
    got = meeting_dates(rules(start=start, every_weeks=2, count=4))
    assert got == [start + k * timedelta(weeks=2) for k in range(4)]


def test_every_two_weeks_with_until_and_a_skip():
    start = date(2027, 1, 7)
    fortnight = timedelta(weeks=2)
    # the skip on the off week is not a meeting date, so only the second one drops a date
    skip = (start + WEEK, start + 2 * fortnight)
    got = meeting_dates(
        rules(start=start, every_weeks=2, count=None, until=start + 3 * fortnight, skip=skip)
    )
    assert got == [start, start + fortnight, start + 3 * fortnight]


def _expected_dates(r: Meetings) -> list[date]:
    """A slow, independent reading of the rules: walk the calendar one day at a time."""
    day = r.start
    while day.weekday() != r.weekday:
        day += timedelta(days=1)
    first, out = day, []
    while True:
        if r.until is not None and day > r.until:
            return out
        if r.count is not None and len(out) == r.count:
            return out
        if (day - first).days % (7 * r.every_weeks) == 0 and day not in r.skip:
            out.append(day)
        day += timedelta(days=1)


def _random_rules(rng: random.Random) -> Meetings:
    start = date(2020, 1, 1) + timedelta(days=rng.randrange(3000))
    weekday = rng.randrange(7)
    every = rng.randint(1, 4)
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    # skip a few scheduled dates, a few unscheduled ones, and sometimes dates before start
    skip = {first + timedelta(weeks=every * rng.randrange(40)) for _ in range(rng.randrange(6))}
    skip |= {start + timedelta(days=rng.randrange(-20, 300)) for _ in range(rng.randrange(4))}
    if rng.random() < 0.5:
        count, until = rng.randint(1, 30), None
    else:
        count, until = None, start + timedelta(days=rng.randrange(0, 400))
    return Meetings(
        start=start,
        weekday=weekday,
        time=time(18, 30),
        duration=timedelta(hours=1),
        every_weeks=every,
        count=count,
        until=until,
        skip=tuple(sorted(skip)),
    )


@pytest.mark.parametrize("seed", range(4))
def test_properties_over_random_rules(seed):
    rng = random.Random(seed)
    n_count = n_until = 0
    for _ in range(100):
        r = _random_rules(rng)
        got = meeting_dates(r)
        assert all(d.weekday() == r.weekday for d in got), r
        assert all(a < b for a, b in zip(got, got[1:])), r
        assert all((b - a).days % (7 * r.every_weeks) == 0 for a, b in zip(got, got[1:])), r
        assert not set(got) & set(r.skip), r
        assert all(d >= r.start for d in got), r
        if got:  # at most six days to the weekday, then one step per skipped date
            skipped_before = sum(1 for s in r.skip if r.start <= s < got[0])
            assert (got[0] - r.start).days <= 6 + 7 * r.every_weeks * skipped_before, r
        if r.count is not None:
            n_count += 1
            assert len(got) == r.count, r
        if r.until is not None:
            n_until += 1
            assert all(d <= r.until for d in got), r
        assert got == _expected_dates(r), r
    assert n_count and n_until  # both kinds of rule were tried


# --- slots ---------------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def test_slot_ids_in_order_and_one_per_meeting_date():
    r = rules(count=12, skip=(date(2027, 1, 14),))
    got = slots(r, "Europe/Berlin")
    assert [s.id for s in got] == [
        "s01",
        "s02",
        "s03",
        "s04",
        "s05",
        "s06",
        "s07",
        "s08",
        "s09",
        "s10",
        "s11",
        "s12",
    ]
    assert [s.start.date() for s in got] == meeting_dates(r)
    assert all(a.start < b.start for a, b in zip(got, got[1:]))


def test_no_meetings_no_slots():
    r = rules(start=date(2027, 1, 4), count=None, until=date(2027, 1, 6))
    assert slots(r, "Europe/Berlin") == []


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"])
def test_slot_start_is_local_time_in_the_group_zone(zone):
    r = rules(count=30, time=time(9, 45), duration=timedelta(minutes=75))
    for slot in slots(r, zone):
        assert slot.start.tzinfo == ZoneInfo(zone)
        assert slot.end.tzinfo == ZoneInfo(zone)
        assert (slot.start.hour, slot.start.minute, slot.start.second) == (9, 45, 0)
        assert utc(slot.end) - utc(slot.start) == timedelta(minutes=75)


def test_duration_kept_across_spring_forward():
    dst_day = date(2027, 3, 28)  # Berlin: 02:00 CET becomes 03:00 CEST
    assert dst_day.weekday() == SUN
    r = rules(
        start=dst_day - WEEK, weekday=SUN, time=time(1, 30), duration=timedelta(hours=1), count=2
    )
    before, across = slots(r, "Europe/Berlin")
    assert across.start.date() == dst_day
    for slot in (before, across):
        assert utc(slot.end) - utc(slot.start) == timedelta(hours=1)
    # 01:30 CET plus one hour is 03:30 CEST on the wall clock
    assert across.start.utcoffset() == timedelta(hours=1)
    assert across.end.utcoffset() == timedelta(hours=2)
    assert (across.end.hour, across.end.minute) == (3, 30)
    assert (before.end.hour, before.end.minute) == (2, 30)


def test_duration_kept_across_fall_back():
    dst_day = date(2027, 10, 31)  # Berlin: 03:00 CEST becomes 02:00 CET
    assert dst_day.weekday() == SUN
    r = rules(start=dst_day, weekday=SUN, time=time(1, 30), duration=timedelta(hours=2), count=1)
    (slot,) = slots(r, "Europe/Berlin")
    assert utc(slot.end) - utc(slot.start) == timedelta(hours=2)
    assert slot.start.utcoffset() == timedelta(hours=2)
    assert slot.end.utcoffset() == timedelta(hours=1)
    # 01:30 CEST plus two hours is 02:30 CET, the second 02:30 of that night
    assert (slot.end.hour, slot.end.minute) == (2, 30)


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        (date(2027, 1, 7), "+01:00"),  # winter, CET
        (date(2027, 7, 1), "+02:00"),  # summer, CEST
        (date(2026, 12, 3), "+01:00"),
        (date(2027, 3, 25), "+01:00"),  # the Thursday before the change
        (date(2027, 4, 1), "+02:00"),  # the Thursday after it
    ],
)
def test_isoformat_has_the_utc_offset_of_the_date(day, offset):
    assert day.weekday() == THU
    (slot,) = slots(rules(start=day, weekday=THU, time=time(16, 0), count=1), "Europe/Berlin")
    assert slot.start.isoformat() == f"{day.isoformat()}T16:00:00{offset}"
    end = (datetime.combine(day, time(16, 0)) + timedelta(minutes=90)).time()
    assert slot.end.isoformat() == f"{day.isoformat()}T{end.isoformat()}{offset}"
