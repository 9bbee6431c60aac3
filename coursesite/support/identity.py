"""How a data-subject request's identity confirmation is recorded (issue 11 §4). Pure: no database, no web.

A request (access, rectification, restriction, erasure) waits for confirmation ("väntar på bekräftelse") until the
person's identity is confirmed, and is carried out only after that. The person confirms through a link sent to the
address on file (`email_link`), or customer service records another method with a note, and the case keeps who did
it. `support/requests.RequestService` applies this; the periods live in privacy/policy.py.
"""

from __future__ import annotations

from datetime import datetime

# The data-subject requests: each waits for the person's identity to be confirmed. A case's status while it is open.
REQUEST_KINDS = ("access", "rectification", "restriction", "erasure")
OPEN_STATUSES = ("open", "extended")

EMAIL_LINK = "email_link"  # the person clicked the link sent to the address we have

# The methods customer service may record, in the order the form offers them.
STAFF_METHODS: dict[str, str] = {
    "id_document_at_office": "Legitimation visad på kontoret",
    "known_phone_callback": "Återuppringning till ett telefonnummer vi redan har",
    "reply_from_address_on_file": "Svar från e-postadressen vi redan har",
}
METHOD_LABELS_SV: dict[str, str] = {EMAIL_LINK: "Personen bekräftade via länken i e-post"} | STAFF_METHODS

PENDING_SV = "Väntar på bekräftelse"
CONFIRMED_SV = "Identiteten bekräftad"
NEVER_CONFIRMED_SV = "Inte bekräftad"  # a request closed (rejected) without confirmation
NOT_CONFIRMED = (
    "Begäran väntar på bekräftelse: personens identitet är inte bekräftad. Personen bekräftar via länken i e-post, "
    "eller så registrerar kundtjänst hur identiteten kontrollerades."
)
UNKNOWN_METHOD = "Välj hur identiteten kontrollerades i listan."
NOTE_MAX = 1000


def staff_method_error(method: str) -> str | None:
    """Why `method` cannot be recorded by customer service; None when it can. `email_link` is the person's own."""
    return None if method in STAFF_METHODS else UNKNOWN_METHOD


def confirmation_state(confirmed_at: datetime | None) -> str:
    """ "pending" or "confirmed": the API's word for a request's confirmation."""
    return "pending" if confirmed_at is None else "confirmed"


def method_label(method: str | None) -> str | None:
    return None if method is None else METHOD_LABELS_SV.get(method, method)
