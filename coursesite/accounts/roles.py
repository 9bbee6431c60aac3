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
