"""What each subsidiary may receive, per purpose: an allow-list of fields, deny by default (art. 5.1.c). Pure.

Field names are the registry's `table.column` names, plus a few derived values that are computed, never stored
(listed in DERIVED_FIELDS). A purpose that is not here receives nothing.

Each purpose also says whom it serves (`subject`: the registry name of the id the subsidiary knows each person by)
and which of them (`population_sv`, by need): `course_site` serves participants enrolled in the course whose
enrolment is not credited in full (accounts, `account.id`; privacy/ends.py: enrolled_for_sharing), `webinar` the
people registered through the public webinar form for a webinar that is upcoming or was held at most
COURSESITE_WEBINAR_SHARING_MONTHS ago (`person.id`; privacy/ends.py: webinar_shared). subsidiaries/service.py reads
each population with a query that states the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

DERIVED_FIELDS = {
    "enrollment.status": "Om du är anmäld till kursen",
    "lesson_progress.course_percent": "Hur stor del av kursen som är klar, i procent",
}
# Shared fields described by what is sent, where that is less than the column holds or the column is a key.
SHARED_AS_SV = {
    "account.id": "Ett löpnummer som identifierar kontot",
    "person.id": "Ett löpnummer som identifierar dig bland dem som anmält sig via våra formulär",
    "form_submission.details": "Vilket webbinarium du har anmält dig till (bara det, ur din anmälan)",
}


@dataclass(frozen=True)
class SharingPurpose:
    name: str
    description_sv: str
    legal_basis_sv: str
    fields: tuple[str, ...]
    subject: str  # the id the subsidiary knows each person by: "account.id" (participants) or "person.id" (forms)
    population_sv: str = ""  # whom it receives, by need; {months}: COURSESITE_WEBINAR_SHARING_MONTHS

    def population_text_sv(self, webinar_sharing_months: int) -> str:
        return self.population_sv.format(months=count_months_sv(webinar_sharing_months))


def count_months_sv(months: int) -> str:
    return f"{months} {'månad' if months == 1 else 'månader'}"


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
            subject="account.id",
            population_sv=(
                "Deltagare som är anmälda till kursen, så länge anmälan inte har krediterats i sin helhet. Den som "
                "inte har anmält sig, eller vars anmälan krediterats, lämnas inte ut."
            ),
        ),
        SharingPurpose(
            name="webinar",
            description_sv=(
                "Dotterbolaget som håller webbinarier: skicka inbjudan, länk och påminnelser till den som anmält sig, "
                "med e-post och, till den som angett sitt mobilnummer, sms."
            ),
            # Consent, as the form asks for it and the record stores it (privacy/policy.py: one basis per purpose).
            legal_basis_sv=(
                "Samtycke (artikel 6.1 a): det samtycke till inbjudan, länk och påminnelser som personen gav vid "
                "anmälan till webbinariet; återkallas det får dotterbolaget inte längre uppgifterna."
            ),
            # Whom to invite, where to send it and to which webinar (the `webinar` of their registrations, from
            # form_submission.details). The mobile, when given, for the sms reminders the registration asks for
            # (forms.WEBINAR_TEXT); never the source.
            fields=(
                "person.id",
                "person.first_name",
                "person.last_name",
                "person.email",
                "person.mobile",
                "form_submission.details",
            ),
            subject="person.id",
            population_sv=(
                "Den som har anmält sig till ett webbinarium som ännu inte har hållits, eller som hölls för högst "
                "{months} sedan (utan datum: anmälan gjordes för högst {months} sedan)."
            ),
        ),
    )
}


def allowed_fields(purpose: str) -> tuple[str, ...]:
    """The fields a purpose may receive; nothing for an unknown purpose."""
    found = SHARING_PURPOSES.get(purpose)
    return found.fields if found else ()
