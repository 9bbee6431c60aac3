from coursesite.web.controllers import (
    accounts,
    api,
    billing,
    certificates,
    course,
    finance,
    health,
    instructor_api,
    instructor_authoring,
    instructor_insight,
    instructor_review,
    policy,
)

ROUTES = [
    *accounts.ROUTES,
    *course.ROUTES,
    *api.ROUTES,
    *health.ROUTES,
    *instructor_api.ROUTES,
    *instructor_review.ROUTES,
    *instructor_insight.ROUTES,
    *instructor_authoring.ROUTES,
    *billing.ROUTES,
    *finance.ROUTES,
    *certificates.ROUTES,
    *policy.ROUTES,
]
