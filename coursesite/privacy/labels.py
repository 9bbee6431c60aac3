"""The Swedish words a participant or the public sees for the privacy pages' stored keys: a data-subject request's
kind and status, a consent's kind. One mapping, used by the pages (through the template filters), the mails and the
services; an unknown key still gets a Swedish word, never the key itself. Pure: imports nothing."""

from __future__ import annotations

# A request as named in a sentence: "en begäran om registerutdrag".
REQUEST_NAME_SV = {
    "access": "registerutdrag",
    "rectification": "rättelse",
    "restriction": "begränsning",
    "erasure": "radering",
}
REQUEST_STATUS_SV = {
    "open": "Mottagen",
    "extended": "Svarstiden förlängd",
    "completed": "Genomförd",
    "rejected": "Avslagen",
}
CONSENT_KIND_SV = {
    "newsletter": "Nyhetsbrev",
    "webinar_information": "Information om webbinarier",
    "event_information": "Information om kurser och konferenser",
    "offers": "Erbjudanden",
}


def request_kind_sv(kind: str) -> str:
    """The request's kind as a table heading: "Registerutdrag", "Radering"."""
    name = REQUEST_NAME_SV.get(kind)
    return name[0].upper() + name[1:] if name else "Begäran"


def request_status_sv(status: str) -> str:
    return REQUEST_STATUS_SV.get(status, "Under behandling")


def consent_kind_sv(kind: str) -> str:
    return CONSENT_KIND_SV.get(kind, "Samtycke")
