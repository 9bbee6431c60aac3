from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from coursesite.db.accounts import Account


class Answer(Table, tablename="answer"):
    """One attempt at one question. Scores are integer thousandths of a point: SQLite would turn Decimal into float.

    Unique on (account, question_id, attempt): an index made by migration m0002; on (account, idempotency_key) by
    m0022. Indexed on (account, lesson_slug) by m0025, which every read of an account's answers starts from; no index
    of its own on account or on lesson_slug (m0025 dropped them: a lesson has thousands of answers, and an index of a
    few values was what the planner chose without statistics). No index of its own on question_id either (m0026): the
    question statistics' two indexes (m0005) start with it, and every index is written on every answer.
    """

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    account = ForeignKey(Account, on_delete=OnDelete.cascade)
    question_id = Varchar(length=160)
    lesson_slug = Varchar(length=80)
    attempt = Integer()
    raw_response = JSON()
    normalized_response = JSON()
    status = Varchar(length=20)  # graded | pending_review
    score_milli = Integer(null=True, default=None)
    max_score_milli = Integer()
    feedback = JSON()  # the feedback shown, a list of strings
    reviewer_comment = Text(null=True, default=None)
    created_at = Timestamptz()
    # The grading key it was scored against (course.codec.grading_version): a regrade finds the outdated ones.
    question_version = Varchar(length=64, null=True, default=None)
    # A short canonical form of the response, for the response distribution in the question statistics.
    response_key = Varchar(length=200, null=True, default=None)
    # Set when a person graded or overrode it; the participant is told so.
    graded_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    graded_at = Timestamptz(null=True, default=None)
    rubric_scores = JSON(null=True, default=None)  # {criterion id: milli points}
    # The client's Idempotency-Key header, if it sent one: the same key again returns this attempt. Unique per account
    # (migration m0022).
    idempotency_key = Varchar(length=100, null=True, default=None)


class LessonProgress(Table, tablename="lesson_progress"):
    """Derived from the answers, kept in step with them in the same transaction, so progress pages read one row.

    Unique on (account, lesson_slug): an index made by migration m0002.
    """

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    account = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    lesson_slug = Varchar(length=80)
    answered = Integer(default=0)
    question_count = Integer(default=0)
    score_milli = Integer(default=0)
    max_score_milli = Integer(default=0)
    percent = Integer(default=0)
    completed_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()
