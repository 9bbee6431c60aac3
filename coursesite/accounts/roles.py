from enum import StrEnum


class Role(StrEnum):
    PARTICIPANT = "participant"
    INSTRUCTOR = "instructor"
    FINANCE = "finance"
    CUSTOMER_SERVICE = "customer_service"
    ADMIN = "admin"


STAFF_ROLES = frozenset(Role) - {Role.PARTICIPANT}

ROLE_LABELS_SV = {
    Role.PARTICIPANT: "Kursdeltagare",
    Role.INSTRUCTOR: "Lärare",
    Role.FINANCE: "Ekonomi",
    Role.CUSTOMER_SERVICE: "Kundtjänst",
    Role.ADMIN: "Administratör",
}

# Where each role lands after logging in (issue 15): its own work, never a participant page for staff. Admins land
# on customer service, where the cases with legal deadlines (data requests, erasure) wait.
START_PAGES = {
    Role.PARTICIPANT: "/min-kurs",
    Role.INSTRUCTOR: "/larare/granskning",
    Role.FINANCE: "/ekonomi",
    Role.CUSTOMER_SERVICE: "/kundtjanst",
    Role.ADMIN: "/kundtjanst",
}


def start_page(role: Role | str) -> str:
    return START_PAGES[Role(role)]
