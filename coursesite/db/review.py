"""What instructors add to the answers: flags, the audit trail of grades, regrade runs, the comment bank, and the
versions of each question's grading key."""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from coursesite.db.accounts import Account
from coursesite.db.answers import Answer


class AnswerFlag(Table, tablename="answer_flag"):
    """A participant's "I think this was graded wrong", open until an instructor grades, overrides or dismisses it."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    answer = ForeignKey(Answer, on_delete=OnDelete.cascade, index=True)
    reason = Text()
    created_at = Timestamptz(index=True)
    resolved_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)


class RegradeRun(Table, tablename="regrade_run"):
    """One applied regrade of a lesson: who chose which mode, when, and how many attempts changed."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    lesson_slug = Varchar(length=80, index=True)
    mode = Varchar(length=20)
    actor = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    changed = Integer(default=0)
    created_at = Timestamptz()


class GradeEvent(Table, tablename="grade_event"):
    """The audit trail: every manual grade, override, dismissed flag and regrade change of one answer."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    answer = ForeignKey(Answer, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # manual_grade | override | flag_dismissed | regrade
    actor = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    old_score_milli = Integer(null=True, default=None)
    new_score_milli = Integer(null=True, default=None)
    reason = Text(default="")
    regrade_run = ForeignKey(RegradeRun, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class CommentBankEntry(Table, tablename="comment_bank_entry"):
    """A comment an instructor saved for reuse. Unique per owner and text (index in migration m0004)."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    owner = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    text = Varchar(length=1000)
    created_at = Timestamptz()


class QuestionVersion(Table, tablename="question_version"):
    """Each grading key a question has had, so a regrade can grade old attempts against the old key too.

    Unique on (question_id, version): an index made by migration m0004.
    """

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    question_id = Varchar(length=160, index=True)
    lesson_slug = Varchar(length=80)
    version = Varchar(length=64)
    definition = JSON()  # course.codec.question_to_data
    recorded_at = Timestamptz()
