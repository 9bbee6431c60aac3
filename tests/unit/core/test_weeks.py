from datetime import UTC, date, datetime, timedelta

from coursesite.core.weeks import days_overdue, due_soon, waited_sv, week_of


def test_a_week_runs_monday_to_sunday_in_stockholm():
    week = week_of(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # a Thursday
    assert (week.monday, week.sunday) == (date(2026, 11, 30), date(2026, 12, 6))
    assert week.number == 49
    # Winter time: Stockholm is UTC+1, so Monday 00:00 there is Sunday 23:00 UTC.
    assert week.start == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    assert week.end == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)


def test_sunday_evening_in_utc_is_already_next_week_in_stockholm():
    # Sunday 23:30 UTC is Monday 00:30 in Stockholm: the new week.
    week = week_of(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
    assert week.monday == date(2026, 12, 7)
    assert week.holds(datetime(2026, 12, 6, 23, 0, tzinfo=UTC))
    assert not week.holds(datetime(2026, 12, 6, 22, 59, 59, tzinfo=UTC))


def test_the_bounds_are_exclusive_at_the_end():
    week = week_of(datetime(2026, 12, 3, tzinfo=UTC))
    assert week.holds(week.start)
    assert not week.holds(week.end)
    assert week.holds(week.end - timedelta(microseconds=1))
    assert week.holds_day(week.sunday) and not week.holds_day(week.sunday + timedelta(days=1))


def test_summer_time_weeks_are_an_hour_shorter_or_longer():
    spring = week_of(datetime(2026, 3, 25, tzinfo=UTC))  # clocks go forward on Sunday 29 March
    assert spring.start == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert spring.end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert spring.end - spring.start == timedelta(hours=167)
    autumn = week_of(datetime(2026, 10, 21, tzinfo=UTC))  # back on Sunday 25 October
    assert autumn.end - autumn.start == timedelta(hours=169)
    assert autumn.start == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)


def test_a_naive_moment_is_utc():
    assert week_of(datetime(2026, 12, 6, 23, 30)).monday == date(2026, 12, 7)


def test_a_week_across_the_new_year_keeps_the_iso_number():
    week = week_of(datetime(2026, 12, 31, 12, tzinfo=UTC))
    assert (week.monday, week.sunday, week.number) == (date(2026, 12, 28), date(2027, 1, 3), 53)


def test_waited_in_swedish_rounded_down():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert waited_sv(now - timedelta(minutes=59), now) == "under en timme"
    assert waited_sv(now - timedelta(hours=1), now) == "1 timme"
    assert waited_sv(now - timedelta(hours=23, minutes=59), now) == "23 timmar"
    assert waited_sv(now - timedelta(days=1), now) == "1 dag"
    assert waited_sv(now - timedelta(days=12, hours=5), now) == "12 dagar"
    assert waited_sv(now + timedelta(minutes=5), now) == "under en timme"


def test_days_overdue_counts_from_the_day_after():
    assert days_overdue(date(2026, 12, 3), date(2026, 12, 3)) == 0
    assert days_overdue(date(2026, 12, 3), date(2026, 12, 1)) == 0
    assert days_overdue(date(2026, 11, 3), date(2026, 12, 3)) == 30


def test_due_soon_is_today_up_to_seven_days_ahead():
    on = date(2026, 12, 3)
    assert due_soon(on, on)
    assert due_soon(date(2026, 12, 10), on)
    assert not due_soon(date(2026, 12, 11), on)
    assert not due_soon(date(2026, 12, 2), on)  # passed: overdue, not near
    assert not due_soon(None, on)
    assert due_soon(date(2026, 12, 5), on, days=2) and not due_soon(date(2026, 12, 6), on, days=2)
