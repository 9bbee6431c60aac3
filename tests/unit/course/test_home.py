"""The course home's pure rules (course/home.py): where "Fortsätt" leads, answered and right per act."""

from coursesite.course.home import Resume, course_home
from coursesite.course.progress import GRADED, PENDING_REVIEW, AttemptRecord


def record(question_id: str, attempt: int = 1, score: int | None = 1000, status: str = GRADED) -> AttemptRecord:
    return AttemptRecord(question_id, attempt, status, score, 1000)


def test_a_new_participant_starts_with_lesson_1(course):
    home = course_home(course, set(), {}, None)
    assert home.resume is Resume.START and home.lesson == course.lessons()[0]
    assert home.following == course.lessons()[1] and home.following_open
    assert [a.unlocked for a in home.acts] == [True] + [False] * (len(course.acts) - 1)
    assert home.acts[0].previous is None and home.acts[1].previous == course.acts[0]


def test_an_unfinished_lesson_last_worked_in_is_where_to_continue(course):
    lesson = course.acts[0].lessons[1]
    right, wrong = lesson.questions[0], lesson.questions[1]
    attempts = {lesson.slug: [record(right.id), record(wrong.id, score=0)]}
    home = course_home(course, set(), attempts, lesson.slug)
    assert home.resume is Resume.CONTINUE and home.lesson == lesson
    act = home.acts[0]
    assert (act.answered, act.right, act.pending) == (2, 1, 0)


def test_the_best_attempt_counts_as_right(course):
    lesson = course.acts[0].lessons[0]
    question = lesson.questions[0]
    attempts = {lesson.slug: [record(question.id, 1, score=0), record(question.id, 2, score=1000)]}
    assert course_home(course, set(), attempts, lesson.slug).acts[0].right == 1


def test_after_a_finished_lesson_the_next_unfinished_one(course):
    lessons = course.lessons()
    done = {lessons[0].slug, lessons[1].slug}
    home = course_home(course, done, {}, lessons[1].slug)
    assert home.resume is Resume.NEXT and home.lesson == lessons[2]


def test_the_last_lesson_of_an_act_names_a_locked_following_lesson(course):
    act = course.acts[0]
    done = {lesson.slug for lesson in act.lessons[:-1]}
    home = course_home(course, done, {}, act.lessons[-2].slug)
    assert home.lesson == act.lessons[-1]
    assert home.following == course.acts[1].lessons[0] and not home.following_open


def test_everything_done_is_the_certificate_or_a_wait_for_the_teacher(course):
    every = {lesson.slug for lesson in course.lessons()}
    lesson = course.lessons()[-1]
    assert course_home(course, every, {}, lesson.slug).resume is Resume.DONE
    waiting = {lesson.slug: [record(lesson.questions[0].id, score=None, status=PENDING_REVIEW)]}
    home = course_home(course, every, waiting, lesson.slug)
    assert home.resume is Resume.AWAITING and home.pending == 1 and home.lesson is None
