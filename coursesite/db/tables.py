"""Every table, listed explicitly (Piccolo's table_finder drops re-exported tables), parents before children."""

from coursesite.db.accounts import Account, LoginAttempt, RateLimitHit, UserSession
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.billing import (
    BgMaxImport,
    Certificate,
    Customer,
    Enrollment,
    Invoice,
    InvoiceCounter,
    InvoiceReminder,
    Payment,
)
from coursesite.db.mail import OneTimeToken, OutboxMessage
from coursesite.db.privacy import (
    AccountPrivacy,
    CaseNote,
    Consent,
    Disclosure,
    DisclosureSubject,
    FormSubmission,
    PageView,
    Person,
    ProcessorNotice,
    RecipientNotice,
    StaffAudit,
    Subsidiary,
    SupportCase,
)
from coursesite.db.review import AnswerFlag, CommentBankEntry, GradeEvent, QuestionVersion, RegradeRun

TABLES = [
    Account,
    UserSession,
    LoginAttempt,
    RateLimitHit,
    Answer,
    LessonProgress,
    AnswerFlag,
    RegradeRun,
    GradeEvent,
    CommentBankEntry,
    QuestionVersion,
    Customer,
    Enrollment,
    InvoiceCounter,
    Invoice,
    BgMaxImport,
    Payment,
    InvoiceReminder,
    Certificate,
    Person,
    AccountPrivacy,
    FormSubmission,
    Consent,
    PageView,
    SupportCase,
    CaseNote,
    StaffAudit,
    Subsidiary,
    Disclosure,
    DisclosureSubject,
    RecipientNotice,
    ProcessorNotice,
    OneTimeToken,
    OutboxMessage,
]


def bind_tables(engine) -> None:
    """Point every table at `engine`: the app, the CLI and the tests build their own engine from the settings."""
    for table in TABLES:
        table._meta.db = engine
