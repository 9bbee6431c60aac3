"""Who may call what: the expectation for every route of the app (tests/web/test_route_access.py checks it against the
running app for every role, and that no route is missing from it; tests/web/test_api_attack.py runs schemathesis in
the same roles). Written out by hand on purpose: it is what the guards must do, not a copy of what they do."""

from __future__ import annotations

from dataclasses import dataclass

from coursesite.web.middleware import SESSION_COOKIE
from tests.conftest import PASSWORD, api_post, csrf_token, login_as_staff, register

ROLES = ["anonymous", "participant", "instructor", "finance", "customer_service", "admin", "subsidiary"]
ACCOUNT_ROLES = frozenset({"participant", "instructor", "finance", "customer_service", "admin"})


@dataclass(frozen=True)
class Access:
    """The roles a route lets through its guard; everyone else is refused (401 without a login, else 403)."""

    roles: frozenset[str]


PUBLIC = Access(frozenset(ROLES))
ACCOUNT = Access(ACCOUNT_ROLES)  # any logged-in account: a participant's own data, or staff's own
SUBSIDIARY = Access(frozenset({"subsidiary"}))


def STAFF(*roles: str) -> Access:  # noqa: N802 — reads as a constant in the table
    return Access(frozenset(roles))


# (method, route path as the app declares it) -> who may call it. A new route fails test_route_access until it is here.
EXPECTED: dict[tuple[str, str], Access] = {
    ("GET", "/"): PUBLIC,
    ("POST", "/registrera"): PUBLIC,
    ("GET", "/registrera"): PUBLIC,
    ("GET", "/logga-in"): PUBLIC,
    ("POST", "/logga-in"): PUBLIC,
    ("POST", "/logga-ut"): PUBLIC,
    ("GET", "/min-kurs"): ACCOUNT,
    ("GET", "/lektion/{slug:str}"): ACCOUNT,
    ("POST", "/lektion/{slug:str}/svar/{question_id:str}"): ACCOUNT,
    ("GET", "/lektion/{slug:str}/resultat"): ACCOUNT,
    ("POST", "/lektion/{slug:str}/svar/{answer_id:int}/omprova"): ACCOUNT,
    ("POST", "/api/v1/auth/register"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("GET", "/api/v1/course"): ACCOUNT,
    ("POST", "/api/v1/answers"): ACCOUNT,
    ("POST", "/api/v1/answers/{answer_id:int}/flag"): ACCOUNT,
    ("GET", "/api/v1/me/answers"): ACCOUNT,
    ("GET", "/api/v1/me/progress"): ACCOUNT,
    ("GET", "/api/v1/me"): ACCOUNT,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    # No role guard: the address allow-list or the bearer token decides, and others get a 404 (test_metrics.py).
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/api/v1/instructor/review-queue"): STAFF("admin", "instructor"),
    ("POST", "/api/v1/instructor/answers/{answer_id:int}/grade"): STAFF("admin", "instructor"),
    ("POST", "/api/v1/instructor/answers/{answer_id:int}/override"): STAFF("admin", "instructor"),
    ("POST", "/api/v1/instructor/lessons/{slug:str}/regrade"): STAFF("admin", "instructor"),
    ("GET", "/larare/granskning"): STAFF("admin", "instructor"),
    ("GET", "/larare/granskning/{answer_id:int}"): STAFF("admin", "instructor"),
    ("POST", "/larare/granskning/{answer_id:int}/bedom"): STAFF("admin", "instructor"),
    ("POST", "/larare/granskning/{answer_id:int}/andra"): STAFF("admin", "instructor"),
    ("POST", "/larare/granskning/{answer_id:int}/avsluta"): STAFF("admin", "instructor"),
    ("POST", "/larare/kommentarer"): STAFF("admin", "instructor"),
    ("POST", "/larare/kommentarer/{comment_id:int}/ta-bort"): STAFF("admin", "instructor"),
    ("GET", "/larare/omrattning"): STAFF("admin", "instructor"),
    ("POST", "/larare/omrattning/{slug:str}"): STAFF("admin", "instructor"),
    ("GET", "/api/v1/instructor/questions/{question_id:str}/stats"): STAFF("admin", "instructor"),
    ("GET", "/api/v1/instructor/grades.csv"): STAFF("admin", "instructor"),
    ("GET", "/larare/statistik"): STAFF("admin", "instructor"),
    ("GET", "/larare/statistik/fraga/{question_id:str}"): STAFF("admin", "instructor"),
    ("GET", "/larare/deltagare"): STAFF("admin", "instructor"),
    ("GET", "/larare/deltagare/{account_id:int}"): STAFF("admin", "instructor"),
    ("POST", "/larare/import"): STAFF("admin", "instructor"),
    ("GET", "/larare/import"): STAFF("admin", "instructor"),
    ("GET", "/larare/import/export"): STAFF("admin", "instructor"),
    ("GET", "/villkor"): PUBLIC,
    ("GET", "/api/v1/terms"): PUBLIC,
    ("POST", "/anmalan"): ACCOUNT,
    ("GET", "/anmalan"): ACCOUNT,
    ("GET", "/anmalan/klar"): ACCOUNT,
    ("GET", "/mina-fakturor"): ACCOUNT,
    ("GET", "/mina-fakturor/{name:str}"): ACCOUNT,
    ("POST", "/api/v1/enrollments"): ACCOUNT,
    ("GET", "/api/v1/me/invoices"): ACCOUNT,
    ("GET", "/api/v1/me/invoices/{name:str}"): ACCOUNT,
    ("GET", "/ekonomi"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/faktura/{name:str}"): STAFF("admin", "finance"),
    ("POST", "/ekonomi/faktura/{number:str}/kreditera"): STAFF("admin", "finance"),
    ("POST", "/ekonomi/betalningar"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/betalningar"): STAFF("admin", "finance"),
    ("POST", "/ekonomi/betalningar/{payment_id:int}/koppla"): STAFF("admin", "finance"),
    ("POST", "/ekonomi/bgmax"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/bgmax"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/forfallna"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/kund/{account_id:int}"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/export"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/export/fakturor.csv"): STAFF("admin", "finance"),
    ("GET", "/ekonomi/export/sie"): STAFF("admin", "finance"),
    ("GET", "/api/v1/finance/invoices"): STAFF("admin", "finance"),
    ("POST", "/api/v1/finance/invoices/{number:str}/credit"): STAFF("admin", "finance"),
    ("POST", "/api/v1/finance/payments"): STAFF("admin", "finance"),
    ("POST", "/api/v1/finance/bgmax"): STAFF("admin", "finance"),
    ("GET", "/api/v1/finance/exports/invoices.csv"): STAFF("admin", "finance"),
    ("GET", "/api/v1/finance/exports/sie"): STAFF("admin", "finance"),
    ("GET", "/api/v1/finance/invoices/{name:str}"): STAFF("admin", "finance"),
    ("GET", "/api/v1/finance/invoices/{number:str}/reminders"): STAFF("admin", "finance"),
    ("GET", "/api/v1/me/certificate.pdf"): ACCOUNT,
    ("GET", "/mitt-intyg"): ACCOUNT,
    ("GET", "/intyg"): PUBLIC,
    ("GET", "/intyg/{code:str}"): PUBLIC,
    ("GET", "/mina-uppgifter"): ACCOUNT,
    ("POST", "/mina-uppgifter/profil"): ACCOUNT,
    ("POST", "/mina-uppgifter/epost"): ACCOUNT,
    ("POST", "/mina-uppgifter/losenord"): ACCOUNT,
    ("POST", "/mina-uppgifter/sessioner/avsluta"): ACCOUNT,
    ("POST", "/mina-uppgifter/profilval"): ACCOUNT,
    ("POST", "/mina-uppgifter/begransning"): ACCOUNT,
    ("POST", "/mina-uppgifter/samtycken/{kind:str}/aterkalla"): ACCOUNT,
    ("POST", "/mina-uppgifter/radering"): ACCOUNT,
    ("GET", "/api/v1/me/data"): ACCOUNT,
    ("GET", "/api/v1/me/data.pdf"): ACCOUNT,
    ("PATCH", "/api/v1/me/profile"): ACCOUNT,
    ("POST", "/api/v1/me/restriction"): ACCOUNT,
    ("GET", "/api/v1/me/consents"): ACCOUNT,
    ("POST", "/api/v1/me/consents/{kind:str}/withdraw"): ACCOUNT,
    ("POST", "/api/v1/me/erasure-request"): ACCOUNT,
    ("POST", "/api/v1/me/password"): ACCOUNT,
    ("GET", "/api/v1/me/sessions"): ACCOUNT,
    ("POST", "/api/v1/me/sessions/revoke"): ACCOUNT,
    ("GET", "/api/v1/me/exports"): ACCOUNT,
    ("GET", "/api/v1/me/exports/{case_id:int}"): ACCOUNT,
    ("POST", "/kontakt"): PUBLIC,
    ("GET", "/kontakt"): PUBLIC,
    ("POST", "/webbinarium"): PUBLIC,
    ("GET", "/webbinarium"): PUBLIC,
    ("GET", "/anmal-intresse"): PUBLIC,
    ("POST", "/anmal-intresse"): PUBLIC,
    ("GET", "/e-bok"): PUBLIC,
    ("POST", "/e-bok"): PUBLIC,
    ("GET", "/nyhetsbrev"): PUBLIC,
    ("POST", "/nyhetsbrev"): PUBLIC,
    ("POST", "/api/v1/forms/contact"): PUBLIC,
    ("POST", "/api/v1/forms/webinar"): PUBLIC,
    ("POST", "/api/v1/forms/signup"): PUBLIC,
    ("POST", "/api/v1/forms/ebook"): PUBLIC,
    ("POST", "/api/v1/forms/newsletter"): PUBLIC,
    ("GET", "/personal/nyhetsbrev"): STAFF("admin", "customer_service"),
    ("GET", "/personal/nyhetsbrev/apsis.csv"): STAFF("admin", "customer_service"),
    ("GET", "/personal/nyhetsbrev/mailchimp.csv"): STAFF("admin", "customer_service"),
    ("GET", "/personal/nyhetsbrev/avregistreringar"): STAFF("admin", "customer_service", "finance"),
    ("POST", "/personal/nyhetsbrev/avregistreringar"): STAFF("admin", "customer_service", "finance"),
    ("POST", "/api/v1/newsletter/unsubscribes"): STAFF("admin", "customer_service", "finance"),
    ("GET", "/integritetspolicy"): PUBLIC,
    ("GET", "/personal/behandlingsregister"): STAFF("admin", "customer_service"),
    ("GET", "/personal/behandlingsregister.pdf"): STAFF("admin", "customer_service"),
    ("GET", "/api/v1/subsidiary/participants"): SUBSIDIARY,
    ("GET", "/api/v1/subsidiary/notices"): SUBSIDIARY,
    ("POST", "/api/v1/subsidiary/notices/{notice_id:int}/acknowledge"): SUBSIDIARY,
    ("GET", "/kundtjanst"): STAFF("admin", "customer_service"),
    ("GET", "/kundtjanst/nytt"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/nytt"): STAFF("admin", "customer_service"),
    ("GET", "/kundtjanst/arende/{case_id:int}"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/anteckning"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/forlang"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/bekrafta-identitet"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/avsluta"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/avvisa"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/hav-begransning"): STAFF("admin", "customer_service"),
    ("GET", "/kundtjanst/nyhetsbrevstjanster"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/nyhetsbrevstjanster/{notice_id:int}/utfort"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/skicka-lank"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/meddela-havning"): STAFF("admin", "customer_service"),
    ("POST", "/kundtjanst/arende/{case_id:int}/ratta"): STAFF("admin", "customer_service"),
    ("GET", "/api/v1/support/requests"): STAFF("admin", "customer_service"),
    ("POST", "/api/v1/support/requests/{case_id:int}/complete"): STAFF("admin", "customer_service"),
    ("POST", "/api/v1/support/requests/{case_id:int}/confirm-identity"): STAFF("admin", "customer_service"),
    ("POST", "/api/v1/support/requests/{case_id:int}/resend-confirmation"): STAFF("admin", "customer_service"),
    ("POST", "/api/v1/support/requests/{case_id:int}/rectify"): STAFF("admin", "customer_service"),
    ("POST", "/api/v1/support/cases"): STAFF("admin", "customer_service"),
    ("GET", "/api/v1/support/processor-notices"): STAFF("admin", "customer_service"),
    ("POST", "/api/v1/support/processor-notices/{notice_id:int}/done"): STAFF("admin", "customer_service"),
    ("POST", "/bekrafta-begaran"): PUBLIC,
    ("GET", "/bekrafta-begaran"): PUBLIC,
    ("POST", "/api/v1/support/requests/confirm"): PUBLIC,
    ("POST", "/registerutdrag"): PUBLIC,
    ("GET", "/registerutdrag"): PUBLIC,
    ("GET", "/personal/utkorg"): STAFF("admin"),
    ("POST", "/bekrafta-epost"): PUBLIC,
    ("GET", "/bekrafta-epost"): PUBLIC,
    ("POST", "/glomt-losenord"): PUBLIC,
    ("GET", "/glomt-losenord"): PUBLIC,
    ("GET", "/nytt-losenord"): PUBLIC,
    ("POST", "/nytt-losenord"): PUBLIC,
    ("POST", "/api/v1/auth/verify-email"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset/confirm"): PUBLIC,
    ("POST", "/bekrafta-epost/ny-lank"): ACCOUNT,
    ("POST", "/api/v1/me/verify-email/resend"): ACCOUNT,
    ("GET", "/bekrafta-samtycke"): PUBLIC,
    ("POST", "/bekrafta-samtycke"): PUBLIC,
    ("POST", "/avsluta"): PUBLIC,
    ("GET", "/avsluta"): PUBLIC,
    ("POST", "/avsluta/bekrafta"): PUBLIC,
    ("POST", "/api/v1/consents/confirm"): PUBLIC,
    ("POST", "/api/v1/consents/unsubscribe"): PUBLIC,
}

# Operations that end or replace the session a run uses: a run calls them last, so the rest run logged in.
SESSION_ENDING = [
    ("POST", "/api/v1/me/erasure-request"),
    ("POST", "/api/v1/me/password"),
    ("POST", "/mina-uppgifter/radering"),
    ("POST", "/mina-uppgifter/losenord"),
    ("POST", "/mina-uppgifter/sessioner/avsluta"),
    ("POST", "/api/v1/me/sessions/revoke"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/registrera"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/logga-in"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/logga-ut"),
]


def run_order(method: str, path: str) -> tuple[int, str, str]:
    key = (method.upper(), path)
    return (SESSION_ENDING.index(key) + 1 if key in SESSION_ENDING else 0, path, method)


async def credentials(role: str, client, *, again: bool = False) -> dict[str, str]:
    """The headers of a caller in `role` (logging `client` in): a session cookie and the CSRF token, or a
    subsidiary's bearer token (no session, no CSRF: subsidiary_api.py). Anonymous gets the CSRF token only.
    `again`: the same account logs in anew (a fresh session, after one that ended it)."""
    if role == "subsidiary":
        from coursesite.subsidiaries import service as subsidiaries

        _, bearer = await subsidiaries.add_subsidiary("Kursplattformen AB", "course_site")
        return {"Authorization": f"Bearer {bearer}"}
    if again and role in ACCOUNT_ROLES:
        client.cookies.clear()
        email = "anna@example.se" if role == "participant" else f"{role}@balansekonomi.se"
        response = await api_post(client, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
    elif role == "participant":
        await register(client)
    elif role != "anonymous":
        await login_as_staff(client, role)
    token = await csrf_token(client)
    cookies = [f"csrftoken={client.cookies['csrftoken']}"]
    if role != "anonymous":
        cookies.insert(0, f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}")
    return {"Cookie": "; ".join(cookies), "x-csrftoken": token}
