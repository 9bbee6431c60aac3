"""Every column the database holds, classified: personal data with its category, purpose and retention, or marked
as not personal with the reason. Export, erasure and sharing are driven from here; a test fails when a table gains
a column that is in neither list.

Pure: table and column names only, no imports from the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from coursesite.settings import (
    DEFAULT_INACTIVE_ACCOUNT_MONTHS,
    DEFAULT_REGISTRANT_MONTHS,
    DEFAULT_WEBINAR_SHARING_MONTHS,
)


class Category(StrEnum):
    """The policy's categories of personal data."""

    CONTACT = "contact"
    BILLING = "billing"
    COURSE_ANSWERS = "course_answers"
    CUSTOMER_CASE = "customer_case"
    TECHNICAL = "technical"


class Purpose(StrEnum):
    """The policy's purposes."""

    PROVIDE_SERVICE = "provide_service"  # giving access to the products and services (contract)
    SEND_INFORMATION = "send_information"  # sending relevant information
    CONTACT_AND_OFFERS = "contact_and_offers"  # contacting and making offers
    SECURITY = "security"  # keeping accounts safe (part of providing the service)
    # Keeping the accounting records Bokföringslagen requires: fields whose retention is BOOKKEEPING serve it too
    # (privacy/policy.py: purposes_of). Its own purpose, so that every purpose rests on one legal basis.
    BOOKKEEPING = "bookkeeping"


class Retention(StrEnum):
    WHILE_ACCOUNT_EXISTS = "while_account_exists"  # until erased: on request, or after inactive_account_months unused
    SESSION_LIFETIME = "session_lifetime"  # until the session expires or the person logs out (settings: session_days)
    LOGIN_WINDOW = "login_window"  # until the rate-limit window has passed (settings: login_window_seconds)
    BOOKKEEPING = "bookkeeping"  # Bokföringslagen: until the end of the seventh year after the financial year
    CONTACT_FORMS = "contact_forms"  # 24 months after the last form; a registration: registrant_months after the event
    TECHNICAL_DATA = "technical_data"  # IP address truncated, then the page view deleted (settings.py: PAGE_VIEW_*)
    CASES = "cases"  # 2 years after the case was closed
    CONSENT_PROOF = "consent_proof"  # while the consent holds, and 3 years after its withdrawal as proof
    STAFF_AUDIT = "staff_audit"  # 2 years
    DISCLOSURE_LOG = "disclosure_log"  # 3 years: the person can see who received their data
    MAIL_BODY = "mail_body"  # an e-mail's content and headers: MAIL_BODY_DAYS after delivery (or failure)
    MAIL_LOG = "mail_log"  # the delivery log (to whom, what, when, how it went): MAIL_LOG_MONTHS
    ONE_TIME_TOKEN = "one_time_token"  # a link token: until it expires, or a day after it was used (core/tokens.py)
    RATE_LIMIT = "rate_limit"  # a counted request for a message (accounts/limits.py): a day at most


# The mail periods (privacy/retention.py applies them; the texts below state them). The policy text names no period
# for e-mail, so these are ours: the content is kept briefly, so that customer service can answer "what did the
# message say" and a failed one can be looked into; the log as long as the longest proof the site keeps (consent
# proof and the disclosure log: 3 years), since it proves that a notice (a confirmation, an erasure, a restriction
# about to be lifted) was sent.
MAIL_BODY_DAYS = 30
# People from the contact, e-book and newsletter forms: kept this long after their last form (privacy/retention.py).
CONTACT_FORMS_MONTHS = 24
MAIL_LOG_MONTHS = 36
# A consent given through a form counts only once confirmed through the link mailed to the address (double opt-in,
# signups/double_opt_in.py). One never confirmed is erased this many days after the link expired (the link lives
# 7 days: core/tokens.py). The policy names no period for it; it says "När behandlingen av personuppgifter är baserad
# på samtycke, kan du närsomhelst ta samtycket tillbaka", and a consent no one confirmed was never given: keep it
# only long enough to answer "I clicked too late".
PENDING_CONSENT_DAYS = 7
# Stated whole, from the giving: the link's week and then PENDING_CONSENT_DAYS (2 weeks; signups/double_opt_in.py).
PENDING_CONSENT_KEPT_SV = (
    "2 veckor" if PENDING_CONSENT_DAYS == 7 else f"{PENDING_CONSENT_DAYS} dagar efter länkens vecka"
)


def count_sv(number: int, singular: str, plural: str) -> str:
    """A number with its noun in the right form: count_sv(1, "dag", "dagar") == "1 dag"."""
    return f"{number} {singular if number == 1 else plural}"


def days_sv(days: int) -> str:
    return count_sv(days, "dag", "dagar")


def months_sv(months: int) -> str:
    return count_sv(months, "månad", "månader")


def ip_truncated_after_sv(ip_days: int) -> str:
    """ "kortas efter 7 dagar": how long a page view's full IP address is kept."""
    return f"kortas efter {days_sv(ip_days)}"


def technical_data_retention_sv(ip_days: int, page_view_months: int) -> str:
    """The one sentence on how long technical data is kept, with the configured periods (settings.py:
    COURSESITE_PAGE_VIEW_IP_DAYS, COURSESITE_PAGE_VIEW_RETENTION_MONTHS; the retention job applies the same)."""
    return f"IP-adressen {ip_truncated_after_sv(ip_days)}; sidvisningen raderas efter {months_sv(page_view_months)}."


def duration_sv(seconds: int) -> str:
    """A number of seconds in the largest unit it is a whole number of: "1 timme", "2 timmar", "15 minuter",
    "1 minut", "90 sekunder"."""
    if seconds % 3600 == 0:
        return count_sv(seconds // 3600, "timme", "timmar")
    if seconds % 60 == 0:
        return count_sv(seconds // 60, "minut", "minuter")
    return count_sv(seconds, "sekund", "sekunder")


def session_lifetime_retention_sv(session_days: int) -> str:
    """How long a login session is kept, with the configured length (settings.py: COURSESITE_SESSION_DAYS)."""
    return f"Tills sessionen går ut (högst {days_sv(session_days)}) eller personen loggar ut."


def login_window_retention_sv(login_window_seconds: int) -> str:
    """How long a failed login is kept, with the configured rate-limit window (COURSESITE_LOGIN_WINDOW_SECONDS)."""
    return f"Högst {duration_sv(login_window_seconds)} efter ett misslyckat inloggningsförsök."


def account_retention_sv(inactive_months: int) -> str:
    """How long an account and what hangs on it is kept (privacy/ends.py: inactivity_step applies it)."""
    return (
        "Så länge kontot används, och raderas när du begär det. Ett konto utan inloggning och kursaktivitet i "
        f"{months_sv(inactive_months)} raderas automatiskt; en månad innan får du ett e-postmeddelande om det, "
        "och loggar du in under tiden raderas kontot inte."
    )


def contact_forms_retention_sv(registrant_months: int) -> str:
    """How long what the public forms gave is kept (privacy/ends.py: registration_erase_on for registrations)."""
    return (
        f"{months_sv(CONTACT_FORMS_MONTHS)} efter att du senast hade kontakt med oss via ett formulär. En anmälan "
        f"till ett webbinarium, en kurs eller en konferens raderas {months_sv(registrant_months)} efter dagen då det "
        "hölls (anmälningsdagen när det inte har något datum), också om du inte har återkallat ditt samtycke."
    )


@dataclass(frozen=True)
class ConfiguredPeriods:
    """The retention periods an operator sets (settings.py), which the retention texts state. Built from the settings
    by the caller (web/deps.py: periods_of); this module reads no settings."""

    ip_days: int  # COURSESITE_PAGE_VIEW_IP_DAYS
    page_view_months: int  # COURSESITE_PAGE_VIEW_RETENTION_MONTHS
    session_days: int  # COURSESITE_SESSION_DAYS
    login_window_seconds: int  # COURSESITE_LOGIN_WINDOW_SECONDS
    inactive_account_months: int = DEFAULT_INACTIVE_ACCOUNT_MONTHS  # COURSESITE_INACTIVE_ACCOUNT_MONTHS
    registrant_months: int = DEFAULT_REGISTRANT_MONTHS  # COURSESITE_REGISTRANT_MONTHS
    webinar_sharing_months: int = DEFAULT_WEBINAR_SHARING_MONTHS  # COURSESITE_WEBINAR_SHARING_MONTHS


_FIXED_RETENTION_TEXT_SV = {
    Retention.CASES: "2 år efter att ärendet avslutades.",
    Retention.CONSENT_PROOF: "Så länge samtycket gäller, och 3 år efter att det återkallades, som bevis på samtycket. "
    f"Ett samtycke som aldrig bekräftas via länken i e-posten raderas {PENDING_CONSENT_KEPT_SV} efter att det gavs.",
    Retention.STAFF_AUDIT: "2 år.",
    Retention.DISCLOSURE_LOG: "3 år, så att du kan se vem som har fått dina uppgifter.",
    Retention.MAIL_BODY: f"Meddelandets innehåll raderas {MAIL_BODY_DAYS} dagar efter att det skickades.",
    Retention.MAIL_LOG: "3 år efter att meddelandet skickades, som bevis på att det skickades (mottagare, ämne, när).",
    Retention.ONE_TIME_TOKEN: "Tills länken har gått ut (högst en vecka), eller ett dygn efter att den användes.",
    Retention.RATE_LIMIT: "Högst ett dygn.",
    Retention.BOOKKEEPING: "Räkenskapsinformation sparas till och med det sjunde året efter utgången av det "
    "kalenderår då räkenskapsåret avslutades (bokföringslagen 7 kap. 2 §).",
}
BOOKKEEPING_TEXT_SV = _FIXED_RETENTION_TEXT_SV[Retention.BOOKKEEPING]


def retention_texts_sv(periods: ConfiguredPeriods) -> dict[Retention, str]:
    """Every retention rule's text in Swedish, in Retention order, with the configured periods."""
    configured = {
        Retention.TECHNICAL_DATA: technical_data_retention_sv(periods.ip_days, periods.page_view_months),
        Retention.SESSION_LIFETIME: session_lifetime_retention_sv(periods.session_days),
        Retention.LOGIN_WINDOW: login_window_retention_sv(periods.login_window_seconds),
        Retention.WHILE_ACCOUNT_EXISTS: account_retention_sv(periods.inactive_account_months),
        Retention.CONTACT_FORMS: contact_forms_retention_sv(periods.registrant_months),
    }
    return {retention: configured.get(retention) or _FIXED_RETENTION_TEXT_SV[retention] for retention in Retention}


@dataclass(frozen=True)
class RetentionEnd:
    """The longest a rule keeps data: `days` after `after` (months counted as 31 days). No rule keeps anything for
    ever (tests/unit/privacy/test_retention_ends.py walks every one)."""

    after: str  # the moment the period runs from
    days: int


def retention_ends(periods: ConfiguredPeriods) -> dict[Retention, RetentionEnd]:
    """Every retention rule's end, from the same periods its text states. A consent's end is its withdrawal (which
    one click does) or, for the information a registration asks for, the registration's end."""
    month = 31
    return {
        Retention.WHILE_ACCOUNT_EXISTS: RetentionEnd(
            "the last login or course activity", periods.inactive_account_months * month
        ),
        Retention.SESSION_LIFETIME: RetentionEnd("the session's start", periods.session_days),
        Retention.LOGIN_WINDOW: RetentionEnd("the failed login", max(1, periods.login_window_seconds // 86400)),
        Retention.BOOKKEEPING: RetentionEnd("the end of the record's calendar year", 7 * 366),
        Retention.CONTACT_FORMS: RetentionEnd(
            "the last form, or the event's date", max(CONTACT_FORMS_MONTHS, periods.registrant_months) * month
        ),
        Retention.TECHNICAL_DATA: RetentionEnd("the page view", periods.page_view_months * month),
        Retention.CASES: RetentionEnd("the case's closing", 24 * month),
        Retention.CONSENT_PROOF: RetentionEnd("the consent's withdrawal or the registration's end", 36 * month),
        Retention.STAFF_AUDIT: RetentionEnd("the staff action", 24 * month),
        Retention.DISCLOSURE_LOG: RetentionEnd("the disclosure", 36 * month),
        Retention.MAIL_BODY: RetentionEnd("the message's sending", MAIL_BODY_DAYS),
        Retention.MAIL_LOG: RetentionEnd("the message's sending", MAIL_LOG_MONTHS * month),
        Retention.ONE_TIME_TOKEN: RetentionEnd("the link's creation", 8),
        Retention.RATE_LIMIT: RetentionEnd("the counted request", 1),
    }


@dataclass(frozen=True)
class PersonalField:
    table: str
    column: str
    category: Category
    purpose: Purpose
    retention: Retention
    description_sv: str
    provided_by_person: bool = True  # art. 20: part of the portable data


@dataclass(frozen=True)
class NotPersonal:
    table: str
    column: str
    reason: str


def _p(table, column, category, purpose, retention, description, provided=True) -> PersonalField:
    return PersonalField(table, column, category, purpose, retention, description, provided)


C, A, T, B = Category.CONTACT, Category.COURSE_ANSWERS, Category.TECHNICAL, Category.BILLING
SERVICE, SECURITY = Purpose.PROVIDE_SERVICE, Purpose.SECURITY
KEEP, SESSION, WINDOW = Retention.WHILE_ACCOUNT_EXISTS, Retention.SESSION_LIFETIME, Retention.LOGIN_WINDOW
BOOKS = Retention.BOOKKEEPING
FORMS, TECH, CASES = Retention.CONTACT_FORMS, Retention.TECHNICAL_DATA, Retention.CASES
PROOF, AUDIT, DISCLOSED = Retention.CONSENT_PROOF, Retention.STAFF_AUDIT, Retention.DISCLOSURE_LOG
CS = Category.CUSTOMER_CASE
MAIL_BODY, MAIL_LOG, TOKENS = Retention.MAIL_BODY, Retention.MAIL_LOG, Retention.ONE_TIME_TOKEN
INFORM, OFFERS = Purpose.SEND_INFORMATION, Purpose.CONTACT_AND_OFFERS

PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    _p("account", "email", C, SERVICE, KEEP, "E-postadress"),
    _p("account", "password_hash", T, SECURITY, KEEP, "Lösenord, lagrat som Argon2-hash", provided=False),
    _p("account", "first_name", C, SERVICE, KEEP, "Förnamn"),
    _p("account", "last_name", C, SERVICE, KEEP, "Efternamn"),
    _p("account", "mobile", C, SERVICE, KEEP, "Mobilnummer (frivilligt)"),
    _p("account", "source", C, SERVICE, KEEP, "Var personen hörde talas om oss (frivilligt)"),
    _p("account", "created_at", T, SERVICE, KEEP, "När kontot skapades", provided=False),
    _p("account", "last_login_at", T, SECURITY, KEEP, "Senaste inloggning", provided=False),
    _p(
        "account",
        "email_verified_at",
        T,
        SECURITY,
        KEEP,
        "När du bekräftade e-postadressen via länken i vårt meddelande",
        provided=False,
    ),
    _p(
        "account",
        "inactivity_warned_at",
        T,
        SERVICE,
        KEEP,
        "När vi meddelade att kontot raderas om det inte används",
        provided=False,
    ),
    _p(
        "user_session",
        "token_hash",
        T,
        SECURITY,
        SESSION,
        "Inloggningssession (hash av sessionsnyckeln)",
        provided=False,
    ),
    _p("user_session", "account", T, SECURITY, SESSION, "Vems sessionen är", provided=False),
    _p("user_session", "created_at", T, SECURITY, SESSION, "När sessionen startade", provided=False),
    _p("user_session", "expires_at", T, SECURITY, SESSION, "När sessionen går ut", provided=False),
    _p("user_session", "last_used_at", T, SECURITY, SESSION, "När sessionen senast användes", provided=False),
    _p(
        "user_session",
        "client_label",
        T,
        SECURITY,
        SESSION,
        "Vilken sorts webbläsare sessionen gäller (till exempel Firefox på Windows)",
        provided=False,
    ),
    _p(
        "login_attempt",
        "key_hash",
        T,
        SECURITY,
        WINDOW,
        "Nyckelad hash av e-post eller IP-adress vid misslyckad inloggning",
        provided=False,
    ),
    _p("login_attempt", "attempted_at", T, SECURITY, WINDOW, "När inloggningsförsöket gjordes", provided=False),
    # A keyed hash of a client address or, for the mail limits, of the recipient's e-mail address (accounts/limits.py):
    # with the address it leads to a person, so the rows are personal data, found for a person by recomputing the
    # keys of their address (privacy/access.py). Kept a day at most.
    _p(
        "rate_limit_hit",
        "key_hash",
        T,
        SECURITY,
        Retention.RATE_LIMIT,
        "Nyckelad hash av IP-adress eller mottagarens e-postadress, för att begränsa hur många meddelanden som kan "
        "begäras",
        provided=False,
    ),
    _p(
        "rate_limit_hit",
        "occurred_at",
        T,
        SECURITY,
        Retention.RATE_LIMIT,
        "När ett meddelande begärdes (för begränsningen)",
        provided=False,
    ),
    _p("answer", "account", A, SERVICE, KEEP, "Vems svaret är"),
    _p("answer", "raw_response", A, SERVICE, KEEP, "Svaret som det skrevs"),
    _p(
        "answer",
        "normalized_response",
        A,
        SERVICE,
        KEEP,
        "Svaret i normaliserad form, som det rättades",
        provided=False,
    ),
    _p("answer", "score_milli", A, SERVICE, KEEP, "Poäng (tusendelar)", provided=False),
    _p("answer", "feedback", A, SERVICE, KEEP, "Återkopplingen som visades", provided=False),
    _p("answer", "reviewer_comment", A, SERVICE, KEEP, "Lärarens kommentar", provided=False),
    _p("answer", "created_at", A, SERVICE, KEEP, "När svaret skickades", provided=False),
    _p("answer", "attempt", A, SERVICE, KEEP, "Försök nummer", provided=False),
    _p("answer", "status", A, SERVICE, KEEP, "Rättad eller väntar på lärare", provided=False),
    _p("answer", "response_key", A, SERVICE, KEEP, "Svaret i kort form, för frågestatistiken", provided=False),
    _p("answer", "graded_by", A, SERVICE, KEEP, "Vilken lärare som bedömde svaret", provided=False),
    _p("answer", "graded_at", A, SERVICE, KEEP, "När en lärare bedömde svaret", provided=False),
    _p("answer", "rubric_scores", A, SERVICE, KEEP, "Poäng per bedömningskriterium", provided=False),
    _p("answer", "idempotency_key", A, SERVICE, KEEP, "Nyckeln som gör att ett dubbelklick inte räknas som två svar"),
    _p("answer_flag", "answer", A, SERVICE, KEEP, "Vilket svar deltagaren bad om omprövning av"),
    _p("answer_flag", "reason", A, SERVICE, KEEP, "Deltagarens motivering till omprövningen"),
    _p("answer_flag", "created_at", A, SERVICE, KEEP, "När omprövningen begärdes", provided=False),
    _p("answer_flag", "resolved_at", A, SERVICE, KEEP, "När omprövningen avgjordes", provided=False),
    _p("answer_flag", "resolved_by", A, SERVICE, KEEP, "Vilken lärare som avgjorde omprövningen", provided=False),
    _p("grade_event", "answer", A, SERVICE, KEEP, "Vilket svar bedömningen gäller", provided=False),
    _p(
        "grade_event",
        "kind",
        A,
        SERVICE,
        KEEP,
        "Slags ändring: bedömning, ändrat betyg, omprövning, omrättning",
        provided=False,
    ),
    _p("grade_event", "actor", A, SERVICE, KEEP, "Vem som ändrade poängen", provided=False),
    _p("grade_event", "old_score_milli", A, SERVICE, KEEP, "Poäng före ändringen", provided=False),
    _p("grade_event", "new_score_milli", A, SERVICE, KEEP, "Poäng efter ändringen", provided=False),
    _p("grade_event", "reason", A, SERVICE, KEEP, "Lärarens motivering eller kommentar", provided=False),
    _p("grade_event", "regrade_run", A, SERVICE, KEEP, "Vilken omrättning ändringen hörde till", provided=False),
    _p("grade_event", "created_at", A, SERVICE, KEEP, "När poängen ändrades", provided=False),
    _p("customer", "account", B, SERVICE, KEEP, "Vems faktureringsuppgifterna är", provided=False),
    _p("customer", "customer_type", B, SERVICE, KEEP, "Privatperson eller företag"),
    _p("customer", "company_name", B, SERVICE, KEEP, "Företagsnamn (frivilligt)"),
    _p("customer", "org_number", B, SERVICE, KEEP, "Organisationsnummer (frivilligt, företag)"),
    _p("customer", "reference", B, SERVICE, KEEP, "Er referens (frivilligt, företag)"),
    _p("customer", "address_line", B, SERVICE, KEEP, "Fakturaadress"),
    _p("customer", "postal_code", B, SERVICE, KEEP, "Postnummer"),
    _p("customer", "city", B, SERVICE, KEEP, "Ort"),
    _p("customer", "updated_at", B, SERVICE, KEEP, "När faktureringsuppgifterna senast ändrades", provided=False),
    _p("enrollment", "account", B, SERVICE, KEEP, "Vem som är anmäld till kursen", provided=False),
    _p("enrollment", "terms_version", B, SERVICE, KEEP, "Vilken version av villkoren som godkändes"),
    _p("enrollment", "terms_accepted_at", B, SERVICE, KEEP, "När villkoren godkändes", provided=False),
    _p(
        "enrollment",
        "start_consent_at",
        B,
        SERVICE,
        KEEP,
        "När du uttryckligen samtyckte till att kursen börjar genast, under ångerfristen",
        provided=False,
    ),
    _p(
        "enrollment",
        "withdrawal_ack_at",
        B,
        SERVICE,
        KEEP,
        "När du bekräftade att ångerrätten upphör när du har börjat kursen",
        provided=False,
    ),
    _p("enrollment", "created_at", B, SERVICE, KEEP, "När anmälan gjordes", provided=False),
    _p("invoice", "account", B, SERVICE, BOOKS, "Vems fakturan är", provided=False),
    _p("invoice", "buyer", B, SERVICE, BOOKS, "Köparens namn och adress på fakturan", provided=False),
    _p("invoice", "ocr", B, SERVICE, BOOKS, "OCR-nummer", provided=False),
    _p("invoice", "reason", B, SERVICE, BOOKS, "Skäl till kreditering", provided=False),
    _p("invoice", "number", B, SERVICE, BOOKS, "Fakturanummer", provided=False),
    _p("invoice", "issue_date", B, SERVICE, BOOKS, "Fakturadatum", provided=False),
    _p("invoice", "total_ore", B, SERVICE, BOOKS, "Belopp att betala", provided=False),
    _p("payment", "invoice", B, SERVICE, BOOKS, "Vilken faktura betalningen gäller", provided=False),
    _p("payment", "amount_ore", B, SERVICE, BOOKS, "Betalt belopp", provided=False),
    _p("payment", "payment_date", B, SERVICE, BOOKS, "Betalningsdag", provided=False),
    _p("payment", "reference", B, SERVICE, BOOKS, "Betalningsreferens (OCR)", provided=False),
    _p(
        "payment",
        "payer_name",
        B,
        SERVICE,
        BOOKS,
        "Betalarens namn enligt banken (sparas inte längre: alltid tomt)",
        provided=False,
    ),
    _p("payment", "note", B, SERVICE, BOOKS, "Anteckning om betalningen", provided=False),
    _p("invoice_reminder", "invoice", B, SERVICE, BOOKS, "Vilken faktura påminnelsen gäller", provided=False),
    _p("invoice_reminder", "sequence", B, SERVICE, BOOKS, "Vilken påminnelse i ordningen", provided=False),
    _p("invoice_reminder", "sent_at", B, SERVICE, BOOKS, "När påminnelsen skickades", provided=False),
    _p("invoice_reminder", "fee_ore", B, SERVICE, BOOKS, "Påminnelseavgift", provided=False),
    _p("certificate", "account", A, SERVICE, KEEP, "Vems kursintyget är", provided=False),
    _p(
        "certificate",
        "holder_short_name",
        A,
        SERVICE,
        KEEP,
        "Förnamn och efternamnets initial på intyget",
        provided=False,
    ),
    _p("certificate", "completed_on", A, SERVICE, KEEP, "När kursen blev klar", provided=False),
    _p("certificate", "code", A, SERVICE, KEEP, "Intygets kontrollkod", provided=False),
    _p("certificate", "issued_at", A, SERVICE, KEEP, "När intyget skapades", provided=False),
    _p("person", "email", C, INFORM, FORMS, "E-postadress"),
    _p("person", "first_name", C, INFORM, FORMS, "Förnamn"),
    _p("person", "last_name", C, INFORM, FORMS, "Efternamn"),
    _p("person", "mobile", C, INFORM, FORMS, "Mobilnummer (frivilligt)"),
    _p("person", "source", C, INFORM, FORMS, "Var du hörde talas om oss (frivilligt)"),
    _p("person", "account", C, INFORM, FORMS, "Ditt konto, om du har ett", provided=False),
    _p("person", "profile_enabled", C, OFFERS, FORMS, "Om din profil är påslagen"),
    _p("person", "restricted_at", C, SERVICE, FORMS, "När behandlingen begränsades", provided=False),
    _p("person", "restriction_reason", C, SERVICE, FORMS, "Varför du bad om begränsning"),
    _p("person", "created_at", C, INFORM, FORMS, "När vi först fick dina uppgifter", provided=False),
    _p("person", "updated_at", C, INFORM, FORMS, "När uppgifterna senast ändrades", provided=False),
    _p("account_privacy", "account", C, SERVICE, KEEP, "Vems inställningarna är", provided=False),
    _p("account_privacy", "profile_enabled", C, OFFERS, KEEP, "Om din profil är påslagen"),
    _p("account_privacy", "restricted_at", C, SERVICE, KEEP, "När behandlingen begränsades", provided=False),
    _p("account_privacy", "restriction_reason", C, SERVICE, KEEP, "Varför du bad om begränsning"),
    _p(
        "account_privacy",
        "lift_notice_sent_at",
        C,
        SERVICE,
        KEEP,
        "När vi meddelade att begränsningen hävs",
        provided=False,
    ),
    _p("account_privacy", "updated_at", C, SERVICE, KEEP, "När inställningarna senast ändrades", provided=False),
    _p("form_submission", "person", C, INFORM, FORMS, "Vem som skickade formuläret", provided=False),
    _p("form_submission", "form", C, INFORM, FORMS, "Vilket formulär"),
    _p("form_submission", "details", C, INFORM, FORMS, "Det du skrev i formuläret"),
    _p("form_submission", "channel", C, INFORM, FORMS, "Var formuläret fanns", provided=False),
    _p("form_submission", "created_at", C, INFORM, FORMS, "När formuläret skickades", provided=False),
    _p("consent", "person", C, INFORM, PROOF, "Vems samtycket är", provided=False),
    _p("consent", "account", C, INFORM, PROOF, "Vems samtycket är", provided=False),
    _p("consent", "kind", C, INFORM, PROOF, "Vad du samtyckte till"),
    _p("consent", "text", C, INFORM, PROOF, "Texten du godkände"),
    _p("consent", "policy_version", C, INFORM, PROOF, "Vilken version av integritetspolicyn som gällde"),
    _p("consent", "channel", C, INFORM, PROOF, "Var du gav samtycket"),
    _p("consent", "given_at", C, INFORM, PROOF, "När du gav samtycket"),
    _p("consent", "withdrawn_at", C, INFORM, PROOF, "När du återkallade samtycket"),
    _p("consent", "withdrawn_via", C, INFORM, PROOF, "Var du återkallade samtycket", provided=False),
    _p("consent", "confirmed_at", C, INFORM, PROOF, "När du bekräftade samtycket", provided=False),
    _p("consent", "confirmed_via", C, INFORM, PROOF, "Hur du bekräftade samtycket", provided=False),
    _p("page_view", "path", T, SECURITY, TECH, "Vilken sida som visades", provided=False),
    _p("page_view", "viewed_at", T, SECURITY, TECH, "När sidan visades", provided=False),
    _p("page_view", "user_agent", T, SECURITY, TECH, "Webbläsarens inställningar (user agent)", provided=False),
    _p("page_view", "accept_language", T, SECURITY, TECH, "Webbläsarens språkinställning", provided=False),
    _p("page_view", "ip_address", T, SECURITY, TECH, "IP-adress (kortas, se lagringstiden)", provided=False),
    _p("page_view", "ip_truncated", T, SECURITY, TECH, "Om IP-adressen har kortats", provided=False),
    _p("page_view", "account", T, SECURITY, TECH, "Vem som var inloggad", provided=False),
    _p("support_case", "account", CS, SERVICE, CASES, "Vems ärendet är", provided=False),
    _p("support_case", "person", CS, SERVICE, CASES, "Vems ärendet är", provided=False),
    _p("support_case", "contact_name", CS, SERVICE, CASES, "Namn i ärendet"),
    _p("support_case", "contact_email", CS, SERVICE, CASES, "E-post i ärendet"),
    _p("support_case", "subject", CS, SERVICE, CASES, "Ärendets rubrik"),
    _p("support_case", "description", CS, SERVICE, CASES, "Ärendets beskrivning"),
    _p("support_case", "kind", CS, SERVICE, CASES, "Slags ärende", provided=False),
    _p("support_case", "status", CS, SERVICE, CASES, "Ärendets status", provided=False),
    _p("support_case", "received_on", CS, SERVICE, CASES, "När ärendet kom in", provided=False),
    _p("support_case", "deadline", CS, SERVICE, CASES, "Sista dag att svara", provided=False),
    _p("support_case", "extension_reason", CS, SERVICE, CASES, "Varför tiden förlängdes", provided=False),
    _p("support_case", "identity_method", CS, SERVICE, CASES, "Hur din identitet bekräftades", provided=False),
    _p("support_case", "identity_confirmed_at", CS, SERVICE, CASES, "När din identitet bekräftades", provided=False),
    _p("support_case", "identity_confirmed_by", CS, SERVICE, CASES, "Vem som bekräftade identiteten", provided=False),
    _p("support_case", "identity_note", CS, SERVICE, CASES, "Kundtjänsts anteckning om kontrollen", provided=False),
    _p("support_case", "export_ready_at", CS, SERVICE, CASES, "När ditt registerutdrag blev klart", provided=False),
    _p(
        "support_case",
        "export_available_until",
        CS,
        SERVICE,
        CASES,
        "Hur länge du kan hämta registerutdraget",
        provided=False,
    ),
    _p("support_case", "completed_at", CS, SERVICE, CASES, "När ärendet avslutades", provided=False),
    _p("support_case", "completed_by", CS, SERVICE, CASES, "Vem som avslutade ärendet", provided=False),
    _p(
        "support_case",
        "outcome",
        CS,
        SERVICE,
        CASES,
        "Vad som gjordes, och vad som sparades och varför",
        provided=False,
    ),
    _p("support_case", "created_at", CS, SERVICE, CASES, "När ärendet skapades", provided=False),
    _p("case_note", "case", CS, SERVICE, CASES, "Vilket ärende anteckningen hör till", provided=False),
    _p("case_note", "text", CS, SERVICE, CASES, "Kundtjänsts anteckning", provided=False),
    _p("case_note", "created_at", CS, SERVICE, CASES, "När anteckningen skrevs", provided=False),
    _p(
        "staff_audit",
        "subject_account",
        T,
        SECURITY,
        AUDIT,
        "Vems uppgifter personalen läste eller ändrade",
        provided=False,
    ),
    _p(
        "staff_audit",
        "subject_person",
        T,
        SECURITY,
        AUDIT,
        "Vems uppgifter personalen läste eller ändrade",
        provided=False,
    ),
    _p("staff_audit", "action", T, SECURITY, AUDIT, "Läsning eller ändring", provided=False),
    _p("staff_audit", "what", T, SECURITY, AUDIT, "Vilka uppgifter", provided=False),
    _p("staff_audit", "why", T, SECURITY, AUDIT, "Varför", provided=False),
    _p("staff_audit", "created_at", T, SECURITY, AUDIT, "När", provided=False),
    _p("disclosure_subject", "disclosure", C, SERVICE, DISCLOSED, "Vilket utlämnande", provided=False),
    _p("disclosure_subject", "account", C, SERVICE, DISCLOSED, "Vems uppgifter som lämnades ut", provided=False),
    _p("disclosure_subject", "person", C, SERVICE, DISCLOSED, "Vems uppgifter som lämnades ut", provided=False),
    _p(
        "disclosure_subject",
        "subject_ref",
        C,
        INFORM,
        DISCLOSED,
        "Kurssajten-ID som nyhetsbrevstjänsten fick",
        provided=False,
    ),
    _p(
        "processor_notice", "subject_ref", C, INFORM, DISCLOSED, "Kurssajten-ID hos nyhetsbrevstjänsten", provided=False
    ),
    _p(
        "processor_notice",
        "changes",
        C,
        INFORM,
        DISCLOSED,
        "Rättade uppgifter som nyhetsbrevstjänsten ska få",
        provided=False,
    ),
    _p("processor_notice", "account", C, INFORM, DISCLOSED, "Vems uppgifter meddelandet gäller", provided=False),
    _p("processor_notice", "person", C, INFORM, DISCLOSED, "Vems uppgifter meddelandet gäller", provided=False),
    _p("recipient_notice", "subject_ref", C, SERVICE, DISCLOSED, "Hur mottagaren känner igen dig", provided=False),
    _p("recipient_notice", "changes", C, SERVICE, DISCLOSED, "Rättade uppgifter som mottagaren ska få", provided=False),
    _p("outbox_message", "account", C, SERVICE, MAIL_LOG, "Vems e-postmeddelandet är", provided=False),
    _p("outbox_message", "recipient", C, SERVICE, MAIL_LOG, "Adressen meddelandet skickades till", provided=False),
    _p("outbox_message", "template", C, SERVICE, MAIL_LOG, "Vilket slags meddelande", provided=False),
    _p("outbox_message", "subject", C, SERVICE, MAIL_LOG, "Meddelandets ämne", provided=False),
    _p("outbox_message", "message_id", T, SERVICE, MAIL_LOG, "Meddelandets id (Message-ID)", provided=False),
    _p("outbox_message", "status", C, SERVICE, MAIL_LOG, "Om meddelandet skickades", provided=False),
    _p("outbox_message", "attempts", C, SERVICE, MAIL_LOG, "Antal försök att skicka", provided=False),
    _p("outbox_message", "last_error", T, SERVICE, MAIL_LOG, "E-postserverns svar vid fel", provided=False),
    _p("outbox_message", "created_at", C, SERVICE, MAIL_LOG, "När meddelandet skapades", provided=False),
    _p("outbox_message", "sent_at", C, SERVICE, MAIL_LOG, "När meddelandet skickades", provided=False),
    _p("outbox_message", "body_text", C, SERVICE, MAIL_BODY, "Meddelandets text", provided=False),
    _p("outbox_message", "body_html", C, SERVICE, MAIL_BODY, "Meddelandets text (HTML)", provided=False),
    _p("outbox_message", "headers", C, SERVICE, MAIL_BODY, "Avregistreringslänk i meddelandet", provided=False),
    _p(
        "outbox_message",
        "attachments",
        C,
        SERVICE,
        MAIL_BODY,
        "Vilket dokument som bifogades (fakturans nummer)",
        provided=False,
    ),
    _p("one_time_token", "token_hash", T, SECURITY, TOKENS, "Engångslänk i e-post (hash av nyckeln)", provided=False),
    _p("one_time_token", "purpose", T, SECURITY, TOKENS, "Vad länken är till för", provided=False),
    _p("one_time_token", "account", T, SECURITY, TOKENS, "Vems länken är", provided=False),
    _p("one_time_token", "email", T, SECURITY, TOKENS, "Adressen länken skickades till", provided=False),
    _p(
        "one_time_token", "payload", T, SECURITY, TOKENS, "Vad länken bekräftar (t.ex. ny e-postadress)", provided=False
    ),
    _p("one_time_token", "created_at", T, SECURITY, TOKENS, "När länken skapades", provided=False),
    _p("one_time_token", "expires_at", T, SECURITY, TOKENS, "När länken går ut", provided=False),
    _p("one_time_token", "used_at", T, SECURITY, TOKENS, "När länken användes", provided=False),
    _p("lesson_progress", "account", A, SERVICE, KEEP, "Vems framsteg", provided=False),
    _p("lesson_progress", "answered", A, SERVICE, KEEP, "Antal besvarade frågor", provided=False),
    _p("lesson_progress", "score_milli", A, SERVICE, KEEP, "Lektionens poäng", provided=False),
    _p("lesson_progress", "percent", A, SERVICE, KEEP, "Lektionens resultat i procent", provided=False),
    _p("lesson_progress", "completed_at", A, SERVICE, KEEP, "När lektionen blev klar", provided=False),
    _p("lesson_progress", "updated_at", A, SERVICE, KEEP, "Senast uppdaterad", provided=False),
)

NOT_PERSONAL: tuple[NotPersonal, ...] = (
    *(
        NotPersonal(table, "id", "surrogate key")
        for table in (
            "account",
            "user_session",
            "login_attempt",
            "rate_limit_hit",
            "answer",
            "lesson_progress",
            "answer_flag",
            "grade_event",
            "regrade_run",
            "comment_bank_entry",
            "question_version",
            "customer",
            "enrollment",
            "invoice_counter",
            "invoice",
            "bgmax_import",
            "payment",
            "invoice_reminder",
            "certificate",
            "person",
            "account_privacy",
            "form_submission",
            "consent",
            "page_view",
            "support_case",
            "case_note",
            "staff_audit",
            "subsidiary",
            "disclosure",
            "disclosure_subject",
            "recipient_notice",
            "processor_notice",
            "outbox_message",
            "one_time_token",
        )
    ),
    NotPersonal("outbox_message", "kind", "whether the message is transactional or marketing: about the message"),
    *(
        NotPersonal("outbox_message", column, "the sender's bookkeeping of when to try again")
        for column in ("next_attempt_at", "lease_until", "bodies_dropped_at")
    ),
    NotPersonal("account", "role", "the kind of account (participant or staff role), needed to guard routes"),
    NotPersonal("answer", "question_id", "refers to course content"),
    NotPersonal("answer", "lesson_slug", "refers to course content"),
    NotPersonal("answer", "max_score_milli", "a property of the question"),
    NotPersonal("answer", "question_version", "which version of the question's answer key graded it"),
    NotPersonal("lesson_progress", "lesson_slug", "refers to course content"),
    NotPersonal("regrade_run", "lesson_slug", "refers to course content"),
    NotPersonal("regrade_run", "mode", "how the instructor chose to regrade"),
    NotPersonal("regrade_run", "actor", "the staff member who ran it: staff work records, not participant data"),
    NotPersonal("regrade_run", "changed", "a count"),
    NotPersonal("regrade_run", "created_at", "when the regrade ran"),
    NotPersonal("comment_bank_entry", "owner", "the staff member whose reusable comments these are"),
    NotPersonal("comment_bank_entry", "text", "a generic comment written by staff, about no one in particular"),
    NotPersonal("comment_bank_entry", "created_at", "when the comment was saved"),
    NotPersonal("question_version", "question_id", "course content"),
    NotPersonal("question_version", "lesson_slug", "course content"),
    NotPersonal("question_version", "version", "course content"),
    NotPersonal("question_version", "definition", "course content"),
    NotPersonal("question_version", "recorded_at", "when the content changed"),
    *(
        NotPersonal("invoice_counter", column, "the invoice numbering")
        for column in ("series", "year", "last_sequence")
    ),
    *(
        NotPersonal("invoice", column, "a property of the invoice, not of the buyer")
        for column in (
            "kind",
            "series",
            "year",
            "sequence",
            "credited_invoice",
            "supply_date",
            "due_date",
            "seller",
            "lines",
            "net_ore",
            "vat_ore",
            "rounding_ore",
            "currency",
            "payment_terms_days",
            "created_at",
        )
    ),
    NotPersonal("case_note", "author", "the staff member who wrote it: staff work records"),
    NotPersonal("staff_audit", "actor", "the staff member who acted: staff work records"),
    *(
        NotPersonal("subsidiary", column, "about the recipient company")
        for column in ("name", "purpose", "token_hash", "channel", "active", "created_at")
    ),
    *(
        NotPersonal("disclosure", column, "about the disclosure as a whole; whose data is in disclosure_subject")
        for column in ("recipient", "subsidiary", "purpose", "fields", "people", "created_at")
    ),
    *(
        NotPersonal("recipient_notice", column, "about the notice")
        for column in ("subsidiary", "kind", "created_at", "acknowledged_at")
    ),
    *(
        NotPersonal("processor_notice", column, "about the notice")
        for column in ("recipient", "kind", "created_at", "done_at")
    ),
    NotPersonal("processor_notice", "done_by", "the staff member who did it: staff work records"),
    *(
        NotPersonal("bgmax_import", column, "about the bank file, not about a person")
        for column in ("file_hash", "filename", "imported_by", "payments", "matched", "total_ore", "created_at")
    ),
    *(
        NotPersonal("payment", column, "how the payment was registered")
        for column in ("source", "bgmax_import", "registered_by", "created_at")
    ),
    NotPersonal("lesson_progress", "question_count", "a property of the lesson"),
    NotPersonal("lesson_progress", "max_score_milli", "a property of the lesson's questions"),
)


def classification(table: str, column: str) -> PersonalField | NotPersonal | None:
    entries: tuple[PersonalField | NotPersonal, ...] = (*PERSONAL_FIELDS, *NOT_PERSONAL)
    for entry in entries:
        if entry.table == table and entry.column == column:
            return entry
    return None


def personal_fields(table: str) -> tuple[PersonalField, ...]:
    return tuple(field for field in PERSONAL_FIELDS if field.table == table)
