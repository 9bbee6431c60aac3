from coursesite.web.controllers import accounts, api, course, health

ROUTES = [*accounts.ROUTES, *course.ROUTES, *api.ROUTES, *health.ROUTES]
