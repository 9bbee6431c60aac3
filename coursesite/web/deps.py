"""Small accessors for what create_app put on the app state."""

from __future__ import annotations

from litestar import Request

from coursesite.accounts.service import LoginPolicy, Principal
from coursesite.billing.service import BillingService
from coursesite.course.model import Course
from coursesite.grading.service import AnswerService
from coursesite.privacy.registry import ConfiguredPeriods
from coursesite.review.service import ReviewService
from coursesite.settings import Settings


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def course_of(request: Request) -> Course:
    return request.app.state.catalog.course


def answers_of(request: Request) -> AnswerService:
    return request.app.state.answers


def billing_of(request: Request) -> BillingService:
    return request.app.state.billing


def review_of(request: Request) -> ReviewService:
    return request.app.state.review


def principal_of(request: Request) -> Principal:
    principal = request.scope.get("user")
    assert principal is not None, "guarded by guards.logged_in"
    return principal


def login_policy(request: Request) -> LoginPolicy:
    settings = settings_of(request)
    return LoginPolicy(
        secret=settings.secret_key,
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
    )


def configured_periods(request: Request) -> ConfiguredPeriods:
    """The retention periods the settings configure, which the privacy page, the record of processing and the access
    export state (privacy/registry.py: retention_texts_sv)."""
    return periods_of(settings_of(request))


def periods_of(settings: Settings) -> ConfiguredPeriods:
    return ConfiguredPeriods(
        ip_days=settings.page_view_ip_days,
        page_view_months=settings.page_view_retention_months,
        session_days=settings.session_days,
        login_window_seconds=settings.login_window_seconds,
    )


def controller_name(request: Request) -> str:
    """The controller (personuppgiftsansvarig): the seller in the billing configuration, the one place that names
    the company."""
    return billing_of(request).config.seller.name
