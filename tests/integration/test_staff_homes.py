"""The services behind the staff start pages (issue 15), on each engine: the instructor's week (Monday to Sunday in
Stockholm, bounds exact to the second), finance's sums by status and this week's payments, customer service's open
cases with the overdue and the near deadlines. Rows are written directly, with chosen times, around the week's edges."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from coursesite.accounts.roles import Role
from coursesite.core.weeks import week_of
from coursesite.db.accounts import Account
from coursesite.db.answers import Answer
from coursesite.db.billing import Invoice, Payment
from coursesite.db.privacy import SupportCase
from coursesite.db.review import AnswerFlag, GradeEvent
from tests.conftest import PASSWORD, accounts
from tests.statement_count import counting

pytestmark = pytest.mark.db

# Thursday 3 December 2026, 12:00 UTC: week 49 runs from Sunday 29 November 23:00 UTC to Sunday 6 December 23:00 UTC.
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
WEEK = week_of(NOW)
BEFORE = WEEK.start - timedelta(seconds=1)  # Sunday 22:59:59 UTC: still last week in Stockholm
FIRST = WEEK.start  # Monday 00:00 in Stockholm
LAST = WEEK.end - timedelta(seconds=1)  # Sunday 23:59:59 in Stockholm
AFTER = WEEK.end
TODAY = date(2026, 12, 3)


@pytest.fixture
def clock_at_now(frozen):
    frozen["now"] = NOW
    return frozen


async def staff(role: Role, email: str):
    return await accounts.create_staff(email=email, role=role, password=PASSWORD, first_name="Sara", last_name="Staff")


async def participant(email: str, created_at: datetime) -> int:
    account = Account(email=email, password_hash="x", first_name="Pia", last_name="Deltagare", created_at=created_at)
    await account.save()
    return account.id


async def answer(account: int, n: int, created_at: datetime, status: str = "graded") -> int:
    rows = await Answer.insert(
        Answer(
            account=account,
            question_id=f"q-{n}",
            lesson_slug="lektion",
            attempt=1,
            raw_response=json.dumps("svar"),
            normalized_response=json.dumps("svar"),
            status=status,
            score_milli=None if status == "pending_review" else 1000,
            max_score_milli=1000,
            feedback="[]",
            created_at=created_at,
        )
    ).returning(Answer.id)
    return rows[0]["id"]


# -- the instructor


async def test_the_instructors_week_counts_monday_to_sunday_in_stockholm(services, clock_at_now):
    teacher = await staff(Role.INSTRUCTOR, "larare@balansekonomi.se")
    old = await participant("gammal@example.se", BEFORE)
    first = await participant("forst@example.se", FIRST)
    await participant("sist@example.se", LAST)
    await participant("efter@example.se", AFTER)

    await answer(old, 1, BEFORE)
    inside = [await answer(first, 2, FIRST), await answer(first, 3, LAST, status="pending_review")]
    waited_longest = await answer(old, 4, BEFORE, status="pending_review")  # waiting counts whenever it came in
    flagged = await answer(old, 5, BEFORE)
    await AnswerFlag.insert(
        AnswerFlag(answer=flagged, reason="Jag tror att det blev fel", created_at=FIRST),
        AnswerFlag(answer=inside[0], reason="Fel", created_at=BEFORE, resolved_at=FIRST),
    )
    for kind, at in (("manual_grade", FIRST), ("override", LAST), ("manual_grade", BEFORE), ("regrade", FIRST)):
        await GradeEvent.insert(GradeEvent(answer=inside[0], kind=kind, actor=teacher.account_id, created_at=at))

    numbers = await services.review.week_numbers(NOW)
    assert numbers.week == WEEK and numbers.week.number == 49
    assert numbers.submitted == 2  # FIRST and LAST; not BEFORE
    assert numbers.waiting == 2  # both pending essays, this week's and last week's
    assert numbers.graded == 2  # a person's grade and override this week; not last week's, not a regrade
    assert numbers.flags_open == 1
    assert numbers.new_participants == 2  # FIRST and LAST; not the instructor made this week, not BEFORE or AFTER

    home = await services.review.home(teacher, now=NOW)
    assert [item.answer_id for item in home.queue] == [waited_longest, flagged, inside[1]]  # oldest first
    assert home.queue_size == 3 and home.numbers == numbers


async def test_an_empty_week_is_all_zeros(services, clock_at_now):
    numbers = await services.review.week_numbers(NOW)
    assert (numbers.submitted, numbers.waiting, numbers.graded, numbers.flags_open, numbers.new_participants) == (
        0,
        0,
        0,
        0,
        0,
    )


# -- finance

BUYER = json.dumps({"customer_type": "private", "name": "Anna Berg"})


async def invoice(sequence: int, total_ore: int, due: date, account: int | None = None) -> int:
    rows = await Invoice.insert(
        Invoice(
            kind="invoice",
            series="T",
            year=2026,
            sequence=sequence,
            number=f"2026-{sequence:05d}",
            account=account,
            issue_date=due - timedelta(days=30),
            supply_date=due - timedelta(days=30),
            due_date=due,
            buyer=BUYER,
            seller="{}",
            lines="[]",
            net_ore=total_ore,
            vat_ore=0,
            rounding_ore=0,
            total_ore=total_ore,
            created_at=NOW,
        )
    ).returning(Invoice.id)
    return rows[0]["id"]


async def payment(amount_ore: int, day: date, invoice_id: int | None = None, source: str = "manual") -> None:
    await Payment.insert(
        Payment(invoice=invoice_id, amount_ore=amount_ore, payment_date=day, source=source, created_at=NOW)
    )


async def test_finance_home_sums_what_is_owed_late_and_received_this_week(services, clock_at_now):
    reader = await staff(Role.FINANCE, "ekonomi@balansekonomi.se")
    await invoice(1, 1_250_000, TODAY + timedelta(days=10))  # unpaid, not due
    partly = await invoice(2, 1_250_000, TODAY + timedelta(days=5))
    await payment(250_000, WEEK.monday, partly)  # partly paid: 10 000 kr left, received this week
    late = await invoice(3, 500_000, TODAY - timedelta(days=40))
    await payment(100_000, WEEK.monday - timedelta(days=1), late)  # last Sunday: not this week
    await invoice(4, 300_000, TODAY - timedelta(days=3))  # overdue 3 days
    await invoice(5, 300_000, TODAY)  # due today: not yet overdue, counted as unpaid
    paid = await invoice(6, 200_000, TODAY - timedelta(days=50))
    await payment(200_000, WEEK.sunday, paid)  # paid in full (Sunday: still this week)
    await payment(77_700, TODAY, None, source="bgmax")  # unmatched, from BgMax
    await payment(10_000, WEEK.sunday + timedelta(days=1), None)  # unmatched, next week (dated ahead)

    home = await services.ledger.home(reader, now=NOW)
    assert home.today == TODAY and home.week == WEEK
    assert (home.unpaid.count, home.unpaid.ore) == (3, 1_250_000 + 1_000_000 + 300_000)
    assert (home.overdue.count, home.overdue.ore) == (2, 400_000 + 300_000)
    assert [(line.invoice.number, line.days) for line in home.longest_overdue] == [
        ("2026-00003", 40),
        ("2026-00004", 3),
    ]
    assert (home.received_this_week.count, home.received_this_week.ore) == (3, 250_000 + 200_000 + 77_700)
    assert (home.unmatched.count, home.unmatched.ore, home.unmatched_bgmax) == (2, 87_700, 1)


async def test_finance_home_of_an_empty_ledger(services, clock_at_now):
    reader = await staff(Role.FINANCE, "ekonomi@balansekonomi.se")
    home = await services.ledger.home(reader, now=NOW)
    assert (home.unpaid.count, home.unpaid.ore, home.overdue.count, home.overdue.ore) == (0, 0, 0, 0)
    assert home.longest_overdue == [] and home.unmatched.count == 0 and home.received_this_week.ore == 0


async def test_finance_home_shows_at_most_ten_overdue_the_longest_first_and_counts_them_all(services, clock_at_now):
    reader = await staff(Role.FINANCE, "ekonomi@balansekonomi.se")
    for n in range(1, 13):
        await invoice(n, 10_000, TODAY - timedelta(days=n))
    home = await services.ledger.home(reader, now=NOW)
    assert home.overdue.count == 12 and home.overdue.ore == 120_000
    assert [line.days for line in home.longest_overdue] == list(range(12, 2, -1))


# -- customer service


async def case(kind: str, received: date, deadline: date | None, status: str = "open") -> int:
    rows = await SupportCase.insert(
        SupportCase(
            kind=kind,
            subject=f"{kind} {received}",
            contact_name="Per Son",
            contact_email="per@example.se",
            received_on=received,
            deadline=deadline,
            status=status,
            created_at=NOW,
        )
    ).returning(SupportCase.id)
    return rows[0]["id"]


async def test_customer_service_home_orders_by_deadline_and_marks_late_and_near(services, clock_at_now):
    reader = await staff(Role.CUSTOMER_SERVICE, "kundtjanst@balansekonomi.se")
    question = await case("question", TODAY - timedelta(days=20), None)
    late = await case("erasure", date(2026, 11, 1), date(2026, 12, 1))
    today_due = await case("access", date(2026, 11, 3), TODAY)
    week_due = await case("rectification", date(2026, 11, 10), TODAY + timedelta(days=7))
    later = await case("access", date(2026, 11, 11), TODAY + timedelta(days=8))
    await case("erasure", date(2026, 10, 1), date(2026, 11, 1), status="completed")  # closed: not shown

    home = await services.cases.home(actor_id=reader.account_id, now=NOW)
    assert home.today == TODAY
    assert [c.id for c in home.cases] == [late, today_due, week_due, later, question]
    assert [(c.overdue, c.due_soon) for c in home.cases] == [
        (True, False),
        (False, True),  # the deadline day itself is still in time, and near
        (False, True),
        (False, False),
        (False, False),  # a question has no legal deadline
    ]
    assert (home.overdue, home.due_soon, home.soon_days) == (1, 2, 7)


# -- what a start page costs: a fixed number of statements, whatever the data


async def test_each_home_costs_a_fixed_number_of_statements(services, clock_at_now):
    teacher = await staff(Role.INSTRUCTOR, "larare@balansekonomi.se")
    reader = await staff(Role.FINANCE, "ekonomi@balansekonomi.se")
    desk = await staff(Role.CUSTOMER_SERVICE, "kundtjanst@balansekonomi.se")

    async def selects() -> tuple[int, int, int]:
        found = []
        for home in (
            services.review.home(teacher, now=NOW),
            services.ledger.home(reader, now=NOW),
            services.cases.home(actor_id=desk.account_id, now=NOW),
        ):
            with counting() as counts:
                await home
            found.append(counts.by_kind["SELECT"])
        return found[0], found[1], found[2]

    pid = await participant("pia@example.se", FIRST)
    await answer(pid, 1, FIRST, status="pending_review")
    await invoice(1, 10_000, TODAY - timedelta(days=1), account=pid)
    await case("access", TODAY, TODAY + timedelta(days=30))
    small = await selects()
    for n in range(2, 30):
        other = await participant(f"p{n}@example.se", FIRST)
        await answer(other, n, FIRST, status="pending_review")
        await invoice(n, 10_000, TODAY - timedelta(days=n), account=other)
        await payment(5_000, TODAY, None)
        await case("erasure", TODAY - timedelta(days=n), TODAY + timedelta(days=30 - n))
    assert await selects() == small
    # The queue (essays, flags, names), its size (two counts) and the week in one: six; finance's sums, payments,
    # the overdue ids and their views with paid and credited sums: six; customer service's two lists: two.
    assert small == (6, 6, 2)
