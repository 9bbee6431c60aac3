"""Every table, listed explicitly (Piccolo's table_finder drops re-exported tables), parents before children."""

from coursesite.db.accounts import Account, LoginAttempt, UserSession
from coursesite.db.answers import Answer, LessonProgress

TABLES = [Account, UserSession, LoginAttempt, Answer, LessonProgress]
