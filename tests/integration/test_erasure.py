"""Erasure on the database (both engines): after `erase_account`, a dump of every table holds none of the person's
name, email, mobile, address or answers, except in the accounting records that must be kept (invoice, payment),
which stay with no account link until the retention job erases them after Bokföringslagen's period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.accounts.service import AccountService, LoginPolicy
from coursesite.certificates.service import CertificateService
from coursesite.core import clock
from coursesite.core.errors import NotFound, Unauthenticated
from coursesite.db.accounts import Account
from coursesite.db.billing import Certificate, Invoice, Payment
from coursesite.db.privacy import ProcessorNotice, RecipientNotice, StaffAudit
from coursesite.privacy.erasure import erase_account
from coursesite.signups.processors import subscriber_ref
from tests.conftest import PASSWORD, TEST_SECRET
from tests.support import ESSAY, TEST_CATALOGUE, dump, outbox_for_tests, seed_person

ACCOUNTING = {"invoice", "payment"}
NEEDLES = (
    "Zelmira",
    "Quistgaard",
    "zelmira.quist@example.se",
    "+46709876543",
    "709876543",
    "Ovanliga gränd",
    ESSAY,
    "Zebrafinken",
)


def hits(tables: dict[str, str]) -> dict[str, list[str]]:
    found = {}
    for name, text in tables.items():
        matched = [needle for needle in NEEDLES if needle.lower() in text.lower()]
        if matched:
            found[name] = matched
    return found


async def test_erasure_leaves_nothing_but_the_accounting_records(db, billing):
    seed = await seed_person(billing)
    other = await seed_person(
        billing,
        email="otto@example.se",
        first_name="Otto",
        last_name="Annan",
        mobile="070-111 22 33",
        address="Annan väg 2",
        essay="Ottos svar",
    )
    before = hits(await dump())
    assert {"account", "answer", "person", "customer", "support_case", "invoice"} <= set(before)

    report = await erase_account(
        db, account_id=seed["account_id"], actor_id=None, case_id=seed["case"], login_secret=TEST_SECRET
    )

    after = hits(await dump())
    assert set(after) <= ACCOUNTING, (
        f"personal data left outside the accounting records: { {k: v for k, v in after.items() if k not in ACCOUNTING} }"
    )
    assert "invoice" in after  # the buyer snapshot is kept
    kept = await Invoice.select(Invoice.account, Invoice.buyer).where(Invoice.account.is_null())
    assert len(kept) == 1
    assert await Payment.count() == 2
    # the other person is untouched
    assert (await Account.count().where(Account.id == other["account_id"])) == 1
    assert await Invoice.count().where(Invoice.account == other["account_id"]) == 1

    # the report says what went and what was kept, and why
    text = report.text_sv()
    assert "Bokföringslagen" in text and "Dina svar på kursens frågor" in text
    assert "Zelmira" not in text and "zelmira" not in text
    assert report.notified == ("Kursbolaget AB",)
    notices = await RecipientNotice.select().where(RecipientNotice.subject_ref == str(seed["account_id"]))
    assert [n["kind"] for n in notices] == ["erasure"]
    # Apsis got the person in a newsletter export: an erasure notice for staff, by the Kurssajten-ID alone; the pending
    # rectification for Apsis, which held the person's name, is gone with them.
    assert report.processors == ("Apsis",) and "Apsis" in text
    at_apsis = await ProcessorNotice.select().where(
        ProcessorNotice.subject_ref == subscriber_ref(TEST_SECRET, "zelmira.quist@example.se")
    )
    assert [(n["recipient"], n["kind"], n["account"], n["person"], n["changes"]) for n in at_apsis] == [
        ("Apsis", "erasure", None, None, "[]")
    ]
    assert (
        await StaffAudit.count().where(
            (StaffAudit.action == "erase") & (StaffAudit.subject_account == seed["account_id"])
        )
        == 1
    )

    # the certificate can no longer be verified: the code stays, with no name and no account
    certificate = (await Certificate.select().where(Certificate.account.is_null()))[0]
    assert certificate["holder_short_name"] == ""

    # the person cannot log in
    policy = LoginPolicy(secret=TEST_SECRET, max_failures=50, window_seconds=900)
    with pytest.raises(Unauthenticated):
        await AccountService(db, policy).authenticate("zelmira.quist@example.se", PASSWORD, "127.0.0.1")
    with pytest.raises(NotFound):
        await erase_account(db, account_id=seed["account_id"], actor_id=None, case_id=None)

    # past the bookkeeping period, the retention job erases the kept records too
    from coursesite.privacy.retention import run_retention

    clock.set_now(lambda: datetime.now(UTC) + timedelta(days=365 * 9))
    try:
        await run_retention(db, catalogue=TEST_CATALOGUE)
    finally:
        clock.set_now(None)
    assert hits(await dump()) == {}
    assert await Invoice.count().where(Invoice.account.is_null()) == 0
    # and those of the live account alike: the books end for every account (issue 12)
    assert await Invoice.count().where(Invoice.account == other["account_id"]) == 0


async def test_certificate_check_after_erasure(db, billing, catalog):
    from coursesite.grading.service import AnswerService

    seed = await seed_person(billing)
    code = (await Certificate.select(Certificate.code))[0]["code"]
    await erase_account(db, account_id=seed["account_id"], actor_id=None, case_id=None)
    service = CertificateService(db, AnswerService(db, catalog), outbox_for_tests())
    public = await service.verify(code)
    # Until certificates.verify() learns to say so (billing's part), an erased holder shows as an empty name.
    assert public is None or public.holder_short_name == ""
