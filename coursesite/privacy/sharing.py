"""What each subsidiary may receive, per purpose: an allow-list of fields, deny by default (art. 5.1.c). Pure.

Field names are the registry's `table.column` names, plus a few derived values that are computed, never stored
(listed in DERIVED_FIELDS). A purpose that is not here receives nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

DERIVED_FIELDS = {
    "enrollment.status": "Anmäld till kursen eller inte (enrolled / not_enrolled)",
    "lesson_progress.course_percent": "Hur stor del av kursen som är klar, i procent",
}


@dataclass(frozen=True)
class SharingPurpose:
    name: str
    description_sv: str
    legal_basis_sv: str
    fields: tuple[str, ...]


SHARING_PURPOSES: dict[str, SharingPurpose] = {
    purpose.name: purpose
    for purpose in (
        SharingPurpose(
            name="course_site",
            description_sv="Dotterbolaget som driver kursplattformen: ge deltagaren tillgång till kursen och stöd i den.",
            legal_basis_sv="Avtal (artikel 6.1 b): att leverera utbildningen deltagaren har anmält sig till.",
            fields=(
                "account.id",
                "account.first_name",
                "account.email",
                "enrollment.status",
                "lesson_progress.course_percent",
            ),
        ),
        SharingPurpose(
            name="webinar",
            description_sv="Dotterbolaget som håller webbinarier: skicka inbjudan och länk till den som anmält sig.",
            legal_basis_sv="Avtal (artikel 6.1 b): att genomföra webbinariet personen anmält sig till.",
            fields=("account.id", "account.first_name", "account.last_name", "account.email"),
        ),
    )
}


def allowed_fields(purpose: str) -> tuple[str, ...]:
    """The fields a purpose may receive; nothing for an unknown purpose."""
    found = SHARING_PURPOSES.get(purpose)
    return found.fields if found else ()
