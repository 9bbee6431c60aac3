"""The privacy policy ("Integritetspolicy"; the course terms are /villkor) as code. Pure: no database, no web.

What the site says is generated from here, and what the site does is checked against the same declarations:
- the categories of personal data from the policy, and `category_of`, which places every registry field in one of
  them (a test fails for a registry field that has none);
- the purposes, each with its one legal basis (art. 6.1), in Swedish;
- retention per category, derived from the registry's retention of the fields in it (texts: retention_texts_sv, which
  takes the configured periods as a registry.ConfiguredPeriods: this module reads no settings, its callers pass them);
- the recipients: the processors (Apsis and Mailchimp for newsletters; the CRM is our own register) and the
  subsidiaries by name, each with what it may receive (from privacy/sharing.py);
- the rights, the supervisory authority (IMY) and how automatic grading works: the access export reuses these texts;
- channel-specific policies: a subsidiary's channel may publish more specific wording, which replaces the general
  text of the sections it gives, on that channel only;
- what else the company's text says (issue 12): controllers, scope, definitions, storage, staff in the record, the
  privacy contact and the art. 13 notice at each form. privacy/clauses.toml traces every clause of the text to here.

The public page (/integritetspolicy) and the record of processing (/personal/behandlingsregister, HTML and PDF) are
rendered from this module only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from coursesite.privacy.registry import (
    DEFAULT_WEBINAR_SHARING_MONTHS,
    NOT_PERSONAL,
    PERSONAL_FIELDS,
    ConfiguredPeriods,
    PersonalField,
    Purpose,
    Retention,
    days_sv,
    ip_truncated_after_sv,
    retention_texts_sv,
)
from coursesite.privacy.sharing import DERIVED_FIELDS, SHARED_AS_SV, SHARING_PURPOSES

POLICY_VERSION = "2026-12"  # recorded with every consent; change it when the policy's wording changes
POLICY_TITLE = "Integritetspolicy"
POLICY_PATH = "/integritetspolicy"
RECORD_PATH = "/personal/behandlingsregister"
RECORD_TITLE = "Register över behandling (artikel 30)"
DEFAULT_CHANNEL = "kurssajten"  # the site's own channel; forms and consents record it

# -- the access export a completed access request releases to the person (art. 15; issue 11 §4)

# How long the person can download it: long enough to be away for a while, short enough that an export is not left
# lying around. After that they ask again, or download their current data on Mina uppgifter at any time.
ACCESS_EXPORT_AVAILABLE_DAYS = 30


def export_available_until(ready_at: datetime) -> datetime:
    """The last moment a released access export can be downloaded."""
    return ready_at + timedelta(days=ACCESS_EXPORT_AVAILABLE_DAYS)


def export_available(available_until: datetime | None, at: datetime) -> bool:
    """Whether a released export can be downloaded at `at`: released (`available_until` set) and not yet expired."""
    return available_until is not None and at <= available_until


# -- lifting a restriction (art. 18.3): the person is told before it is lifted, and has this long to react (object,
# ask again, complain) before customer service can lift it. Ours: the policy names no period.
LIFT_NOTICE_DAYS = 14


def lift_allowed_from(notice_sent_at: datetime) -> datetime:
    """The first moment a restriction announced at `notice_sent_at` may be lifted."""
    return notice_sent_at + timedelta(days=LIFT_NOTICE_DAYS)


# -- categories of personal data


class PolicyCategory(StrEnum):
    WEBINAR = "webinar"
    EDUCATION_SERIES = "education_series"
    CUSTOMER_SERVICE = "customer_service"
    COURSE_SITE = "course_site"
    TECHNICAL = "technical"


@dataclass(frozen=True)
class DataCategory:
    key: PolicyCategory
    title_sv: str
    data_sv: tuple[str, ...]  # what it holds, in the policy's words
    people_sv: str  # whose data it is (art. 30.1 c)
    source_sv: str  # where it comes from (art. 13/14)


_CATEGORIES: tuple[DataCategory, ...] = (
    DataCategory(
        PolicyCategory.WEBINAR,
        "Webbinarier och formulär",
        (
            "Förnamn",
            "Efternamn",
            "E-postadress",
            "Mobilnummer (frivilligt)",
            "Var du hörde talas om oss (frivilligt)",
            "Det du skriver i formuläret, och de samtycken du ger",
            "Teknisk data (se nedan)",
        ),
        "Personer som anmäler sig till ett webbinarium, en kurs eller konferens, laddar ner en e-bok, prenumererar på "
        "nyhetsbrevet eller kontaktar oss via ett formulär.",
        "Från dig, när du fyller i formuläret.",
    ),
    DataCategory(
        PolicyCategory.EDUCATION_SERIES,
        "Utbildningsserien",
        (
            "Kontaktuppgifter: namn, e-postadress, mobilnummer och var du hörde talas om oss",
            "Faktureringsuppgifter: företagsnamn, organisationsnummer, referens, adress, postnummer och ort",
            "Transaktionshistorik: anmälan, fakturor, kreditfakturor och betalningar",
            "Dina inställningar: om din profil är påslagen och om behandlingen är begränsad",
        ),
        "Kursdeltagare och köpare av utbildningen.",
        "Från dig, när du skapar konto och anmäler dig; betalningar från vår bank (bankgiro).",
    ),
    DataCategory(
        PolicyCategory.CUSTOMER_SERVICE,
        "Kundtjänst",
        (
            "Kontaktuppgifter: namn och e-postadress",
            "Ärendeinformation: rubrik, beskrivning, status, kundtjänsts anteckningar och vad som gjordes",
        ),
        "Personer som kontaktar kundtjänst, till exempel med en reklamation eller en begäran om sina rättigheter.",
        "Från dig, och från kundtjänsts handläggning av ärendet.",
    ),
    DataCategory(
        PolicyCategory.COURSE_SITE,
        "Kurssajten",
        (
            "Dina svar på kursens frågor, som behandlas automatiskt (rättas direkt)",
            "Poäng, återkoppling, framsteg och kursintyg",
            "Lärares bedömningar och kommentarer, och dina begäranden om omprövning",
        ),
        "Kursdeltagare.",
        "Från dig, och från den automatiska rättningen och lärarnas bedömning.",
    ),
    DataCategory(
        PolicyCategory.TECHNICAL,
        "Teknisk data",
        (
            "Vilka sidor du besökt",
            "Webbläsarens inställningar (user agent och språk)",
            "Tidpunkt",
            "IP-adress (kortas, se lagringstiden)",
            "Inloggningssessioner och skydd mot upprepade inloggningsförsök",
            "Logg över när personal läser eller ändrar dina uppgifter",
            "E-post vi har skickat till dig: mottagare, ämne och när, och en kort tid innehållet",
            "Engångslänkar i e-post (bekräfta adress, nytt lösenord), lagrade som hash",
        ),
        "Alla som besöker webbplatsen.",
        "Från din webbläsare, när du besöker webbplatsen.",
    ),
)

# Which policy category each table's personal data belongs to. A table missing here has no category, and the test
# fails: a new table needs a decision about where the policy covers it.
TABLE_CATEGORY: dict[str, PolicyCategory] = {
    "person": PolicyCategory.WEBINAR,
    "form_submission": PolicyCategory.WEBINAR,
    "consent": PolicyCategory.WEBINAR,
    "account": PolicyCategory.EDUCATION_SERIES,
    "account_privacy": PolicyCategory.EDUCATION_SERIES,
    "customer": PolicyCategory.EDUCATION_SERIES,
    "enrollment": PolicyCategory.EDUCATION_SERIES,
    "invoice": PolicyCategory.EDUCATION_SERIES,
    "payment": PolicyCategory.EDUCATION_SERIES,
    "invoice_reminder": PolicyCategory.EDUCATION_SERIES,
    "disclosure_subject": PolicyCategory.EDUCATION_SERIES,
    "recipient_notice": PolicyCategory.EDUCATION_SERIES,
    "processor_notice": PolicyCategory.WEBINAR,
    "support_case": PolicyCategory.CUSTOMER_SERVICE,
    "case_note": PolicyCategory.CUSTOMER_SERVICE,
    "answer": PolicyCategory.COURSE_SITE,
    "answer_flag": PolicyCategory.COURSE_SITE,
    "grade_event": PolicyCategory.COURSE_SITE,
    "lesson_progress": PolicyCategory.COURSE_SITE,
    "certificate": PolicyCategory.COURSE_SITE,
    "user_session": PolicyCategory.TECHNICAL,
    "login_attempt": PolicyCategory.TECHNICAL,
    "page_view": PolicyCategory.TECHNICAL,
    "staff_audit": PolicyCategory.TECHNICAL,
    "outbox_message": PolicyCategory.TECHNICAL,
    "one_time_token": PolicyCategory.TECHNICAL,
    "rate_limit_hit": PolicyCategory.TECHNICAL,
}

# What a table holds, for the retention lists ("applies to …"). Every table in TABLE_CATEGORY has one (tested).
TABLE_LABEL_SV: dict[str, str] = {
    "person": "uppgifter från formulär",
    "form_submission": "inskickade formulär",
    "consent": "samtycken",
    "account": "konto och kontaktuppgifter",
    "account_privacy": "profil- och begränsningsinställningar",
    "customer": "faktureringsuppgifter",
    "enrollment": "anmälan till kursen",
    "invoice": "fakturor och kreditfakturor",
    "payment": "betalningar",
    "invoice_reminder": "betalningspåminnelser",
    "disclosure_subject": "logg över utlämnanden",
    "recipient_notice": "meddelanden till mottagare om rättelse och radering",
    "processor_notice": "meddelanden till nyhetsbrevstjänsterna om radering, rättelse, begränsning och återkallat samtycke",
    "support_case": "kundtjänstärenden",
    "case_note": "anteckningar i ärenden",
    "answer": "svar",
    "answer_flag": "begäranden om omprövning",
    "grade_event": "bedömningar och ändrade poäng",
    "lesson_progress": "framsteg",
    "certificate": "kursintyg",
    "user_session": "inloggningssessioner",
    "login_attempt": "misslyckade inloggningsförsök",
    "page_view": "sidvisningar",
    "staff_audit": "logg över personalens åtkomst",
    "outbox_message": "e-post vi har skickat",
    "one_time_token": "engångslänkar i e-post",
    "rate_limit_hit": "räknade förfrågningar, för att begränsa hur många meddelanden som kan begäras",
}


def categories() -> tuple[DataCategory, ...]:
    return _CATEGORIES


def category(key: PolicyCategory | str) -> DataCategory:
    key = PolicyCategory(key)
    return next(found for found in _CATEGORIES if found.key is key)


def category_of(personal_field: PersonalField) -> DataCategory | None:
    """The policy category a registry field belongs to; None only for a table the policy does not cover yet."""
    key = TABLE_CATEGORY.get(personal_field.table)
    return category(key) if key is not None else None


def fields_of(key: PolicyCategory | str) -> tuple[PersonalField, ...]:
    key = PolicyCategory(key)
    return tuple(f for f in PERSONAL_FIELDS if TABLE_CATEGORY.get(f.table) is key)


# -- purposes and legal bases


class LegalBasis(StrEnum):
    CONTRACT = "6.1 b"
    CONSENT = "6.1 a"
    LEGITIMATE_INTEREST = "6.1 f"
    LEGAL_OBLIGATION = "6.1 c"


LEGAL_BASIS_SV: dict[LegalBasis, str] = {
    LegalBasis.CONTRACT: "Avtal (artikel 6.1 b i dataskyddsförordningen)",
    LegalBasis.CONSENT: "Samtycke (artikel 6.1 a i dataskyddsförordningen)",
    LegalBasis.LEGITIMATE_INTEREST: "Berättigat intresse (artikel 6.1 f i dataskyddsförordningen)",
    LegalBasis.LEGAL_OBLIGATION: "Rättslig förpliktelse (artikel 6.1 c i dataskyddsförordningen)",
}


@dataclass(frozen=True)
class Basis:
    basis: LegalBasis
    applies_to_sv: str  # what this basis covers within the purpose

    @property
    def text_sv(self) -> str:
        return LEGAL_BASIS_SV[self.basis]


@dataclass(frozen=True)
class PolicyPurpose:
    key: Purpose
    title_sv: str
    description_sv: str
    legal_bases: tuple[Basis, ...]


# One legal basis per purpose (issue 12): a purpose resting on two bases leaves the reader unable to tell which one
# their data is under. Webinar and event information rests on consent: the form asks for it (a checkbox with the
# exact text, signups/forms.py), the record stores it as a consent, it is confirmed by mail and can be withdrawn,
# and the webinar subsidiary stops receiving the person when it is (privacy/sharing.py).
_PURPOSES: tuple[PolicyPurpose, ...] = (
    PolicyPurpose(
        Purpose.PROVIDE_SERVICE,
        "Ge dig tillgång till våra produkter och tjänster",
        "Skapa och sköta ditt konto, ge dig kursen med automatisk rättning och lärarbedömning, utfärda kursintyg, "
        "skicka e-böcker du beställer, fakturera, hjälpa dig i kundtjänst och ta hand om dina rättigheter.",
        (Basis(LegalBasis.CONTRACT, "för att fullgöra avtalet med dig, eller göra det du har bett oss om"),),
    ),
    PolicyPurpose(
        Purpose.BOOKKEEPING,
        "Bokföring",
        "Spara fakturor, kreditfakturor och betalningar så länge bokföringslagen kräver.",
        (
            Basis(
                LegalBasis.LEGAL_OBLIGATION,
                "bokföringslagen kräver att vi sparar räkenskapsinformation i sju år efter räkenskapsårets slut",
            ),
        ),
    ),
    PolicyPurpose(
        Purpose.SEND_INFORMATION,
        "Skicka relevant information",
        "Nyhetsbrev, och inbjudan, länk och påminnelser om webbinarier, kurser och konferenser du har anmält dig till.",
        (
            Basis(
                LegalBasis.CONSENT,
                "ditt samtycke, som du ger i formuläret och bekräftar via länken i e-posten; du kan när som helst "
                "återkalla det",
            ),
        ),
    ),
    PolicyPurpose(
        Purpose.CONTACT_AND_OFFERS,
        "Kontakta dig och lämna erbjudanden",
        "Svara när du har kontaktat oss, och lämna erbjudanden som passar dig utifrån det du själv har berättat för "
        "oss (din profil). Vi hämtar inga uppgifter om dig från andra.",
        (
            Basis(
                LegalBasis.LEGITIMATE_INTEREST,
                "vårt berättigade intresse av att svara dig och berätta om våra utbildningar; du kan invända och "
                "stänga av din profil",
            ),
        ),
    ),
    PolicyPurpose(
        Purpose.SECURITY,
        "Säkerhet, som en del av tjänsten",
        "Skydda ditt konto och webbplatsen: inloggningssessioner, skydd mot upprepade inloggningsförsök, teknisk "
        "data och en logg över personalens åtkomst till dina uppgifter.",
        (
            Basis(
                LegalBasis.LEGITIMATE_INTEREST,
                "vårt berättigade intresse av att hålla tjänsten säker, som en del av att tillhandahålla den",
            ),
        ),
    ),
)

# The basis each form's data is collected on, stated at the form (at_form_notices) and on the page. A form that
# records a consent (signups/forms.FORMS) is on consent; a test holds the two together.
FORM_PURPOSE: dict[str, Purpose] = {
    "registration": Purpose.PROVIDE_SERVICE,
    "enrolment": Purpose.PROVIDE_SERVICE,
    "contact": Purpose.CONTACT_AND_OFFERS,
    "webinar": Purpose.SEND_INFORMATION,
    "signup": Purpose.SEND_INFORMATION,
    "ebook": Purpose.PROVIDE_SERVICE,
    "newsletter": Purpose.SEND_INFORMATION,
}


def purposes() -> tuple[PolicyPurpose, ...]:
    return _PURPOSES


def purpose(key: Purpose | str) -> PolicyPurpose:
    key = Purpose(key)
    return next(found for found in _PURPOSES if found.key is key)


def purposes_of(key: PolicyCategory | str) -> tuple[PolicyPurpose, ...]:
    """The purposes a category's data is used for, from the registry's purpose of each field in it (and bookkeeping,
    for the fields kept as accounting records)."""
    used = {f.purpose for f in fields_of(key)}
    if any(f.retention is Retention.BOOKKEEPING for f in fields_of(key)):
        used.add(Purpose.BOOKKEEPING)
    return tuple(p for p in _PURPOSES if p.key in used)


def legal_bases_of(personal_field: PersonalField) -> tuple[LegalBasis, ...]:
    """The legal bases a field is processed on: its purpose's; accounting records rest on the legal obligation."""
    if personal_field.retention is Retention.BOOKKEEPING:
        return tuple(b.basis for b in purpose(Purpose.BOOKKEEPING).legal_bases)
    return tuple(b.basis for b in purpose(personal_field.purpose).legal_bases)


# -- retention


@dataclass(frozen=True)
class RetentionRow:
    retention: Retention
    text_sv: str
    applies_to_sv: tuple[str, ...]  # what the retention applies to, by table


def retention_of(key: PolicyCategory | str, periods: ConfiguredPeriods) -> tuple[RetentionRow, ...]:
    """How long a category's data is kept, one row per retention rule its fields have (registry order), with the
    configured periods (technical data, sessions, the login window)."""
    texts = retention_texts_sv(periods)
    tables: dict[Retention, list[str]] = {}
    for f in fields_of(key):
        labels = tables.setdefault(f.retention, [])
        label = TABLE_LABEL_SV.get(f.table, f.table)
        if label not in labels:
            labels.append(label)
    return tuple(
        RetentionRow(retention, texts[retention], tuple(tables[retention]))
        for retention in Retention
        if retention in tables
    )


# -- recipients


class RecipientKind(StrEnum):
    PROCESSOR = "processor"
    SUBSIDIARY = "subsidiary"


RECIPIENT_KIND_SV = {
    RecipientKind.PROCESSOR: "Personuppgiftsbiträde",
    RecipientKind.SUBSIDIARY: "Dotterbolag",
}


@dataclass(frozen=True)
class Recipient:
    key: str
    name: str
    kind: RecipientKind
    description_sv: str
    receives_sv: tuple[str, ...]
    legal_basis_sv: str
    fields: tuple[str, ...] = ()  # registry names (subsidiaries, newsletter exports)
    transfer_sv: str | None = None  # a transfer outside the EU/EEA, with its safeguard; None: within the EU/EEA
    population_sv: str = ""  # whom a subsidiary receives (sharing by need); empty for a processor

    @property
    def kind_sv(self) -> str:
        return RECIPIENT_KIND_SV[self.kind]


NEWSLETTER_REF_FIELD = "disclosure_subject.subject_ref"  # the Kurssajten-ID of an export row
NEWSLETTER_FIELDS = ("person.email", "person.first_name", "account.email", "account.first_name", NEWSLETTER_REF_FIELD)
NEWSLETTER_RECEIVES_SV = (
    "E-postadress och förnamn, för den som har ett giltigt samtycke till nyhetsbrevet och inte har begärt begränsning",
    "Ett Kurssajten-ID (en pseudonym), så att vi kan be tjänsten radera, rätta eller pausa dig även när vi själva "
    "inte längre har din e-postadress",
    # The export's last column (signups/newsletter.py: FORMATS, UnsubscribeLink / Unsubscribe Link).
    "Din personliga avregistreringslänk, som tjänsten lägger i varje nyhetsbrev, så att du kan avsluta med ett klick "
    "utan att logga in",
)
PROCESSOR_BASIS_SV = "Behandlas för vår räkning och bara enligt våra instruktioner (artikel 28)."


def _newsletter_processor(key: str, name: str, transfer_sv: str | None = None) -> Recipient:
    """Apsis and Mailchimp: they get the newsletter export (signups/newsletter.py), nothing else."""
    return Recipient(
        key=key,
        name=name,
        kind=RecipientKind.PROCESSOR,
        description_sv="Skickar nyhetsbrev åt oss, enligt ett personuppgiftsbiträdesavtal.",
        receives_sv=NEWSLETTER_RECEIVES_SV,
        legal_basis_sv=PROCESSOR_BASIS_SV,
        fields=NEWSLETTER_FIELDS,
        transfer_sv=transfer_sv,
    )


# The company's text stores form data "i vårt CRM-system": that is the site's own customer register (CRM_SV), not a
# processor, so it is no recipient. The processors are the two newsletter tools the text names.
PROCESSORS: tuple[Recipient, ...] = (
    _newsletter_processor("apsis", "Apsis"),
    _newsletter_processor(
        "mailchimp",
        "Mailchimp",
        transfer_sv=(
            "Mailchimp (Intuit) kan lagra uppgifterna i USA. Överföringen sker med stöd av EU-kommissionens beslut om "
            "adekvat skyddsnivå (EU–US Data Privacy Framework) eller kommissionens standardavtalsklausuler."
        ),
    ),
)


def field_description_sv(name: str) -> str:
    """A disclosed field's description: a derived value, what is sent of a column (sharing.SHARED_AS_SV, also the
    surrogate keys), or `table.column` from the registry."""
    if name in DERIVED_FIELDS:
        return DERIVED_FIELDS[name]
    if name in SHARED_AS_SV:
        return SHARED_AS_SV[name]
    table, _, column = name.partition(".")
    for f in PERSONAL_FIELDS:
        if f.table == table and f.column == column:
            return f.description_sv
    return name


# The subsidiaries by the names their channels carry (signups/forms.CHANNELS), so a recipient is named once and its
# description says what it does. A sharing purpose without a name here fails a test.
SUBSIDIARY_NAMES_SV: dict[str, str] = {
    "course_site": "Kursplattformen",
    "webinar": "Balansekonomis webbinarier",
}


def _what_it_does_sv(description_sv: str) -> str:
    """A sharing purpose's description less its leading "Dotterbolaget som …:" (the name says who it is)."""
    _, colon, rest = description_sv.partition(":")
    text = (rest if colon else description_sv).strip()
    return text[:1].upper() + text[1:]


def subsidiary_recipients(webinar_sharing_months: int = DEFAULT_WEBINAR_SHARING_MONTHS) -> tuple[Recipient, ...]:
    """Each subsidiary, with whom it receives stated from the configured period (COURSESITE_WEBINAR_SHARING_MONTHS),
    the same value the subsidiary API applies."""
    return tuple(
        Recipient(
            key=f"subsidiary:{sharing.name}",
            name=SUBSIDIARY_NAMES_SV[sharing.name],
            kind=RecipientKind.SUBSIDIARY,
            description_sv=_what_it_does_sv(sharing.description_sv),
            receives_sv=tuple(field_description_sv(name) for name in sharing.fields),
            legal_basis_sv=sharing.legal_basis_sv,
            fields=sharing.fields,
            population_sv=sharing.population_text_sv(webinar_sharing_months),
        )
        for sharing in SHARING_PURPOSES.values()
    )


def recipients(webinar_sharing_months: int = DEFAULT_WEBINAR_SHARING_MONTHS) -> tuple[Recipient, ...]:
    return (*PROCESSORS, *subsidiary_recipients(webinar_sharing_months))


SHARING_RULES_SV = (
    "Vi säljer aldrig dina uppgifter och lämnar inte ut dem till andra än mottagarna här. Ett dotterbolag får bara "
    "de uppgifter som står vid dess ändamål, aldrig fler. Har du begärt begränsning lämnar vi inte ut något. Varje "
    "utlämnande loggas, och du ser loggen när du laddar ner dina uppgifter."
)

TRANSFERS_SV = (
    "Webbplatsen själv för inte över några personuppgifter till länder utanför EU/EES: kundregistret lagras och "
    "behandlas på våra egna servrar, och sidorna hämtar ingenting från andra webbplatser. Det enda som kan hamna "
    "utanför EU/EES är det vi lämnar till Mailchimp för nyhetsbrevet, med de skyddsåtgärder som står vid Mailchimp."
)


def transfers() -> tuple[Recipient, ...]:
    """The recipients that may receive data outside the EU/EEA (with their safeguard in `transfer_sv`)."""
    return tuple(r for r in recipients() if r.transfer_sv)


# -- the rights, the supervisory authority, automatic grading


@dataclass(frozen=True)
class Right:
    article: str
    title_sv: str
    text_sv: str


RIGHTS_SV: tuple[Right, ...] = (
    Right(
        "15",
        "Rätt till tillgång",
        "Du kan få veta vilka uppgifter vi har om dig. Under Mina uppgifter laddar du ner allt med ett klick, som "
        "JSON-fil och som PDF, tillsammans med ändamål, kategorier, mottagare, lagringstid och varifrån uppgifterna "
        "kommer.",
    ),
    Right(
        "16",
        "Rätt till rättelse",
        "Du kan själv ändra dina kontakt- och faktureringsuppgifter. Har vi lämnat ut uppgifterna till ett dotterbolag "
        "meddelar vi det om rättelsen.",
    ),
    Right(
        "17",
        "Rätt till radering",
        "Radering sker via kundtjänst: kontakta kundtjänst eller skicka en begäran från Mina uppgifter. Vi kontrollerar "
        "din identitet och svarar inom en månad (högst tre månader om vi behöver förlänga tiden; då får du veta "
        "varför). Fakturor, kreditfakturor och betalningar måste vi spara enligt bokföringslagen; de begränsas och "
        "raderas när tiden har gått ut. Du får veta vad som sparades och varför.",
    ),
    Right(
        "18",
        "Rätt till begränsning",
        "Du kan begära att vi begränsar behandlingen. Då lagrar vi bara uppgifterna: inga utskick, ingen profil, inget "
        "utlämnande. Vi meddelar dig innan begränsningen hävs.",
    ),
    Right(
        "20",
        "Rätt till dataportabilitet",
        "De uppgifter du själv har lämnat är markerade i din nedladdning, i ett format som kan läsas av en annan tjänst.",
    ),
    Right(
        "21",
        "Rätt att invända",
        "Du kan invända mot behandling som grundar sig på vårt berättigade intresse, till exempel erbjudanden. Din "
        "profil kan du stänga av när du vill.",
    ),
    Right(
        "7.3",
        "Rätt att återkalla samtycke",
        "Ett samtycke återkallar du med ett klick under Mina uppgifter, lika enkelt som du gav det. Det påverkar inte "
        "behandlingen innan du återkallade det.",
    ),
    Right(
        "22",
        "Automatiserade beslut",
        "Dina kurssvar rättas automatiskt, men inga beslut med rättsliga följder fattas automatiskt. Du kan alltid be "
        "en lärare ompröva ett svar.",
    ),
    Right(
        "77",
        "Rätt att klaga",
        "Du har rätt att lämna klagomål till Integritetsskyddsmyndigheten (IMY).",
    ),
)


@dataclass(frozen=True)
class SupervisoryAuthority:
    name_sv: str
    short: str
    formerly_sv: str
    url: str
    text_sv: str

    @property
    def host(self) -> str:
        return self.url.removeprefix("https://")


SUPERVISORY_AUTHORITY = SupervisoryAuthority(
    name_sv="Integritetsskyddsmyndigheten",
    short="IMY",
    formerly_sv="Datainspektionen",
    url="https://www.imy.se",
    text_sv=(
        "Tycker du att vi behandlar dina personuppgifter fel kan du lämna klagomål till tillsynsmyndigheten "
        "Integritetsskyddsmyndigheten (IMY), tidigare Datainspektionen: www.imy.se. Hör gärna av dig till oss "
        "först, så försöker vi rätta till det."
    ),
)

AUTOMATED_GRADING_SV = (
    "Dina svar på kursens frågor rättas automatiskt, direkt när du skickar in dem. Rättningen följer fasta regler för "
    "varje frågetyp: flerval, sant/falskt, kortsvar, numeriska svar, matchning och ordning jämförs med de svar som "
    "läraren har angett som rätta, med de poäng läraren har satt. I kortsvar räknas till exempel stora och små "
    "bokstäver lika medan å, ä och ö är egna bokstäver, och i numeriska svar godtas både komma och punkt som "
    "decimaltecken. Uppsatser rättas alltid av en lärare. Resultatet avgör bara dina framsteg i kursen och om du får "
    "kursintyg; det har inga rättsliga följder för dig. Tror du att ett svar har blivit fel rättat kan du be om "
    "omprövning vid svaret. En lärare går då igenom det, och en lärares bedömning ändras aldrig av en senare "
    "automatisk omrättning."
)

_SECURITY_MEASURES_SV: tuple[str, ...] = (
    "Lösenord lagras bara som Argon2id-hashar.",
    "Sessioner lagras på servern; kakan innehåller bara en slumpad nyckel, och databasen bara dess hash.",
    "CSRF-skydd på varje ändrande anrop.",
    "Content-Security-Policy default-src 'self': inga sidor hämtar något från andra webbplatser, inga spårare, "
    "CDN:er eller webbtypsnitt.",
    "Begränsat antal misslyckade inloggningar per e-postadress och per klientadress; bara nyckelade hashar lagras.",
    "Inga tredje parter ser besökarna.",
    "Personnummer, samordningsnummer och kortnummer vägras i alla fritextfält, och inget av ett sådant formulär lagras.",
    "Behörighet per roll: lärare, ekonomi och kundtjänst ser bara de uppgifter deras arbete kräver.",
    "Granskningslogg över varje gång personal läser eller ändrar en persons uppgifter: vem, när, vad och varför.",
    "Varje utlämnande till mottagare loggas; dotterbolag får bara de fält deras ändamål tillåter.",
)


def page_view_log_sv(ip_days: int) -> str:
    """What the page-view log keeps (privacy/pageviews.py): the full IP address for the configured days."""
    return (
        f"Sidvisningar loggas med hela IP-adressen i {days_sv(ip_days)}, för att kunna utreda missbruk och angrepp; "
        "därefter kortas adressen."
    )


def security_measures_sv(periods: ConfiguredPeriods) -> tuple[str, ...]:
    """The security measures (art. 32), the last two with the configured period the full IP address is kept."""
    return (
        *_SECURITY_MEASURES_SV,
        page_view_log_sv(periods.ip_days),
        f"Raderingsjobbet tar bort uppgifter när lagringstiden har gått ut; IP-adresser {ip_truncated_after_sv(periods.ip_days)}.",
    )


CONTACT_SV = (
    "Frågor om hur vi behandlar dina personuppgifter skickar du till vår kontakt för dataskydd. Begäran om tillgång, "
    "rättelse, radering eller begränsning tar vår kundtjänst hand om; du kan också skicka den från Mina uppgifter."
)
PRIVACY_MAILBOX = "dataskydd"  # the default privacy contact: this mailbox at the seller's domain


def privacy_contact_email(configured: str | None, seller_email: str) -> str:
    """The address for data-protection questions: the configured one (COURSESITE_PRIVACY_EMAIL), else `dataskydd@`
    the seller's domain. Never the invoicing address itself: questions about personal data are not invoices."""
    if configured:
        return configured
    return f"{PRIVACY_MAILBOX}@{seller_email.rpartition('@')[2]}"


# -- the company's text, completed (issue 12): what the page states beyond the generated lists. Each statement
# answers a clause of the company's text (coursesite/privacy/clauses.toml names which).

_CONTROLLERS_SV = (
    "{controller} och våra koncernbolag (”Balansekonomi” eller ”vi”) är ansvariga för behandlingen av de "
    "personuppgifter som samlas in på webbplatsen, i våra verktyg, utbildningar och plattformar i sociala medier "
    "(”Digitala kanaler”) och i vår kundtjänst. För Kurssajten är {controller} personuppgiftsansvarig; ett "
    "koncernbolag som får uppgifter av oss (se ”Vem som får uppgifterna”) ansvarar för sin egen behandling av dem."
)


def controllers_sv(controller: str) -> str:
    """Who is responsible, with the controller's name from the billing configuration (the seller)."""
    return _CONTROLLERS_SV.format(controller=controller)


COMMITMENT_SV = (
    "Vi vill att du ska känna dig säker på att din personliga integritet respekteras och att dina personuppgifter "
    "behandlas korrekt. Vi använder dem bara för de ändamål som står här, skyddar dem mot obehörig åtkomst och "
    "behandlar dem enligt dataskyddsförordningen (GDPR) och den svenska lagen med kompletterande bestämmelser."
)
PRECEDENCE_SV = (
    "Den här integritetspolicyn gäller generellt för alla Balansekonomis digitala kanaler. Publicerar ett "
    "dotterbolag en annan, mer specifik integritetspolicy i en digital kanal som det hanterar, har den företräde "
    "framför den här policyn i den kanalen."
)
PERSONAL_DATA_DEFINITION_SV = (
    "Personuppgifter är all information som direkt, eller indirekt tillsammans med andra uppgifter, kan kopplas till "
    "en levande fysisk person. Vitt skilda uppgifter som namn och kontaktuppgifter, IP-adresser, tävlingsbidrag, "
    "gjorda val och beteenden är alltså personuppgifter."
)
PROCESSING_DEFINITION_SV = (
    "Behandling av personuppgifter är allt som sker med personuppgifterna, automatiserat eller inte: till exempel "
    "insamling, registrering, organisering, strukturering, lagring, bearbetning eller ändring, framtagning, läsning, "
    "användning, utlämning genom överföring, spridning eller tillhandahållande på annat sätt, justering eller "
    "sammanförande, begränsning, radering eller förstöring."
)
COLLECTION_SV = (
    "Vi samlar in uppgifter genom formulären på webbplatsen: kontaktformuläret, anmälan till webbinarier, kurser och "
    "konferenser, nedladdning av e-böcker och anmälan till nyhetsbrevet, och när du skapar konto och anmäler dig "
    "till kursen. Det är frivilligt att lämna uppgifterna, men utan dem kan vi inte ge dig vissa produkter eller "
    "tjänster, till exempel kursen. Vid varje formulär står vad vi sparar, varför, hur länge och vem som får det."
)
CRM_SV = (
    "Det du lämnar i formulären lagras i vårt CRM-system, som är Kurssajtens eget kundregister: konton, uppgifter "
    "från formulären, samtycken och kundtjänstärenden, på våra egna servrar. Ingen annan leverantör lagrar det åt "
    "oss. Apsis och Mailchimp är våra verktyg för nyhetsbrevsutskick: de får bara e-postadress, förnamn och ett "
    "Kurssajten-ID för den som har samtyckt till nyhetsbrevet."
)
# The tables the customer register (the CRM) consists of: the record of processing lists them.
CRM_TABLES = ("account", "customer", "person", "form_submission", "consent", "support_case", "case_note")
ERASURE_SV = (
    "Vill du att vi tar bort dina uppgifter kontaktar du vår kundtjänst, eller skickar en begäran från Mina "
    "uppgifter. Det som har passerat sin lagringstid raderar vi dessutom utan att du behöver be om det."
)
TERMS_SECTION_TITLE_SV = "Kompletterande villkor för utbildningen"
TERMS_SECTION_SV = "För utbildningen gäller dessutom kursvillkoren:"


@dataclass(frozen=True)
class StaffRecord:
    """Staff as data subjects in the record of processing (art. 30.1 c): their own accounts and the work records
    that name them. Not on the public page: it is about the people who work for us, not the visitors."""

    people_sv: str
    data_sv: tuple[str, ...]
    purposes: tuple[tuple[str, LegalBasis], ...]  # (what for, its one basis)
    retention_sv: str
    columns: tuple[str, ...]  # `table.column` of the work records that name a staff member (registry: NOT_PERSONAL)


STAFF_RECORD = StaffRecord(
    people_sv=(
        "Anställda och andra som arbetar för oss med ett personalkonto: administratörer, lärare, ekonomi och "
        "kundtjänst."
    ),
    data_sv=(
        "Personalkontot: namn, e-postadress, lösenord (som Argon2id-hash), roll, inloggningssessioner och "
        "misslyckade inloggningsförsök",
        "Vem som gjorde vad i arbetet: granskningsloggen över åtkomst till personuppgifter, anteckningar i "
        "kundtjänstärenden, omrättningar, kommentarbanken, inlästa betalningar och hanterade meddelanden till "
        "nyhetsbrevstjänsterna",
    ),
    purposes=(
        ("Ge personalen konton och behörighet i arbetet", LegalBasis.CONTRACT),
        ("Kunna visa vem som läste eller ändrade en persons uppgifter (spårbarhet)", LegalBasis.LEGITIMATE_INTEREST),
    ),
    retention_sv=(
        "Personalkontot så länge det finns. Uppgiften om vem som gjorde något sparas lika länge som posten den hör "
        "till (granskningsloggen 2 år, kundtjänstärenden 2 år efter att de avslutades, bokföring enligt "
        "bokföringslagen)."
    ),
    columns=(
        "staff_audit.actor",
        "case_note.author",
        "regrade_run.actor",
        "comment_bank_entry.owner",
        "processor_notice.done_by",
        "bgmax_import.imported_by",
        "payment.registered_by",
    ),
)


def staff_work_columns_in_registry() -> tuple[str, ...]:
    """The registry's columns that name a staff member (said in their reason): the record must list each."""
    return tuple(f"{n.table}.{n.column}" for n in NOT_PERSONAL if "staff member" in n.reason)


# -- information at collection (art. 13): one notice per form, shown at the form (templates/_macros/privacy.html)


@dataclass(frozen=True)
class AtFormSpec:
    form: str
    kept_sv: str  # what is kept
    why_sv: str  # why (the purpose in words)
    tables: tuple[str, ...]  # where it is kept: how long is read from the registry's retention of these tables
    recipients_sv: str  # who receives it (by name)


_COURSE_PLATFORM = SUBSIDIARY_NAMES_SV["course_site"]
_WEBINARS = SUBSIDIARY_NAMES_SV["webinar"]
_NEWSLETTER_TOOLS = "våra verktyg för nyhetsbrev, Apsis och Mailchimp"

AT_FORM_SPECS: dict[str, AtFormSpec] = {
    spec.form: spec
    for spec in (
        AtFormSpec(
            "registration",
            "Ditt namn, din e-postadress, ditt lösenord (som hash) och, om du anger dem, ditt mobilnummer och var du "
            "hörde talas om oss.",
            "För att skapa ditt konto och ge dig tillgång till kursen.",
            ("account",),
            f"Anmäler du dig till kursen får vårt dotterbolag {_COURSE_PLATFORM} ditt förnamn, din e-postadress och "
            "hur långt du har kommit i kursen, för att ge dig tillgång till kursen och stöd i den.",
        ),
        AtFormSpec(
            "enrolment",
            "Dina faktureringsuppgifter (företagsnamn, organisationsnummer och referens om ett företag betalar, "
            "adress, postnummer och ort), din anmälan med de villkor du godkände och när, och fakturan.",
            "För att fullgöra avtalet: ge dig kursen och fakturera den. Fakturan bokför vi enligt bokföringslagen.",
            ("customer", "enrollment", "invoice"),
            f"Vårt dotterbolag {_COURSE_PLATFORM} får ditt förnamn, din e-postadress och att du är anmäld, för att "
            "ge dig tillgång till kursen. Faktureringsuppgifterna får ingen annan.",
        ),
        AtFormSpec(
            "contact",
            "Ditt namn, din e-postadress, ditt mobilnummer om du anger det, och ditt meddelande.",
            "För att svara dig.",
            ("person", "form_submission"),
            "Ingen utanför Balansekonomi.",
        ),
        AtFormSpec(
            "webinar",
            "Ditt namn, din e-postadress, ditt mobilnummer och var du hörde talas om oss om du anger dem, vilket "
            "webbinarium du anmäler dig till och ditt samtycke.",
            "För att skicka inbjudan, länk och påminnelser om webbinariet, med ditt samtycke. Du kan när som helst "
            "återkalla det.",
            ("person", "form_submission", "consent"),
            f"Vårt dotterbolag {_WEBINARS}, som håller webbinarierna, får ditt namn, din e-postadress, ditt "
            "mobilnummer om du angett det och vilket webbinarium du anmält dig till.",
        ),
        AtFormSpec(
            "signup",
            "Ditt namn, din e-postadress, ditt mobilnummer om du anger det, vilken kurs eller konferens du är "
            "intresserad av och ditt samtycke.",
            "För att skicka information om kursen eller konferensen, med ditt samtycke. Du kan när som helst "
            "återkalla det.",
            ("person", "form_submission", "consent"),
            "Ingen utanför Balansekonomi.",
        ),
        AtFormSpec(
            "ebook",
            "Din e-postadress, ditt förnamn om du anger det, vilken e-bok du vill ha och, om du kryssar i det, ditt "
            "samtycke till nyhetsbrevet.",
            "För att skicka e-boken, och nyhetsbrevet om du har samtyckt till det.",
            ("person", "form_submission", "consent"),
            f"Samtycker du till nyhetsbrevet får {_NEWSLETTER_TOOLS}, din e-postadress, ditt förnamn och ett "
            "Kurssajten-ID. "
            "Annars ingen utanför Balansekonomi.",
        ),
        AtFormSpec(
            "newsletter",
            "Din e-postadress, ditt förnamn om du anger det, och ditt samtycke.",
            "För att skicka nyhetsbrevet, med ditt samtycke, som du kan återkalla när du vill.",
            ("person", "consent"),
            f"{_NEWSLETTER_TOOLS[0].upper()}{_NEWSLETTER_TOOLS[1:]}, får din e-postadress, ditt förnamn och ett "
            "Kurssajten-ID för utskicket.",
        ),
    )
}


@dataclass(frozen=True)
class AtFormNotice:
    form: str
    kept_sv: str
    why_sv: str
    basis_sv: str
    how_long_sv: tuple[str, ...]
    recipients_sv: str
    policy_path: str = POLICY_PATH


def at_form_notice(form: str, periods: ConfiguredPeriods) -> AtFormNotice:
    """The art. 13 notice for a form: what, why (with its one legal basis), how long (the registry's retention of
    the tables it writes, in the page's words) and who receives it."""
    spec = AT_FORM_SPECS[form]
    texts = retention_texts_sv(periods)
    labels: dict[str, list[str]] = {}  # retention text -> what it applies to, in the order of the tables
    for table in spec.tables:
        retentions = [f.retention for f in PERSONAL_FIELDS if f.table == table]
        if retentions:
            text = texts[max(set(retentions), key=retentions.count)]  # the table's main retention
            labels.setdefault(text, []).append(TABLE_LABEL_SV[table])
    how_long = [f"{', '.join(applies)[:1].upper()}{', '.join(applies)[1:]}: {text}" for text, applies in labels.items()]
    chosen = purpose(FORM_PURPOSE[form])
    basis = chosen.legal_bases[0]
    return AtFormNotice(
        form=form,
        kept_sv=spec.kept_sv,
        why_sv=spec.why_sv,
        basis_sv=f"{basis.text_sv}.",
        how_long_sv=tuple(how_long),
        recipients_sv=spec.recipients_sv,
    )


# The company's text: "samlar inte in … personnummer eller upplysningar om betalningsmedel". Every free-text input
# refuses them (privacy/pii.py, core/text.py); the page says so with these words.
NEVER_COLLECTED_SV = "Vi frågar aldrig efter personnummer eller kortuppgifter."


# -- the policy's sections, and channel-specific policies


SECTION_TEXT_SV: dict[str, str] = {
    "intro": (
        "Här beskriver vi vilka personuppgifter vi behandlar, varför, hur länge och vem som får dem, och vilka "
        "rättigheter du har. Vi samlar bara in det som behövs för tjänsten; uppgifter som inte krävs är frivilliga. "
        + NEVER_COLLECTED_SV
    ),
    "categories": "Vi behandlar följande kategorier av personuppgifter.",
    "purposes": "Vi använder personuppgifterna för följande ändamål, vart och ett med sin rättsliga grund.",
    "storage": "Vi sparar uppgifterna så länge ändamålet kräver det, och raderar dem sedan automatiskt.",
    "recipients": SHARING_RULES_SV,
    "technical": (
        "Vi använder inga spårare, inga annonsnätverk, inga CDN:er och inga webbtypsnitt från andra. Ingen tredje part "
        "ser ditt besök."
    ),
    "grading": AUTOMATED_GRADING_SV,
    "rights": "Du har följande rättigheter enligt dataskyddsförordningen.",
    "authority": SUPERVISORY_AUTHORITY.text_sv,
    "contact": CONTACT_SV,
    "commitment": COMMITMENT_SV,
    "precedence": PRECEDENCE_SV,
    "definition_personal_data": PERSONAL_DATA_DEFINITION_SV,
    "definition_processing": PROCESSING_DEFINITION_SV,
    "collection": COLLECTION_SV,
    "crm": CRM_SV,
    "erasure": ERASURE_SV,
}
SECTIONS = tuple(SECTION_TEXT_SV)


@dataclass(frozen=True)
class ChannelPolicy:
    """A subsidiary channel's more specific policy: its `sections` replace the general text of those sections on
    that channel (the generated lists stay, since they describe what the site does); `extra_sv` is added."""

    channel: str
    name_sv: str
    intro_sv: str
    sections: dict[str, str] = field(default_factory=dict)
    extra_sv: tuple[tuple[str, str], ...] = ()  # (heading, text)


CHANNEL_POLICIES: dict[str, ChannelPolicy] = {
    policy.channel: policy
    for policy in (
        ChannelPolicy(
            channel="kursplattformen",
            name_sv="Kursplattformen",
            intro_sv=(
                "Den här integritetspolicyn gäller kursplattformen, som drivs av vårt dotterbolag. Den är mer "
                "specifik än vår allmänna policy och gäller före den på kursplattformen."
            ),
            sections={
                "intro": (
                    "På kursplattformen behandlar vårt dotterbolag bara de uppgifter som behövs för att ge dig "
                    "tillgång till kursen och stöd i den: ditt förnamn, din e-postadress, om du är anmäld och hur "
                    "stor del av kursen som är klar. Faktureringsuppgifter, mobilnummer och dina svar får "
                    "dotterbolaget aldrig."
                ),
                "recipients": (
                    "Kursplattformens dotterbolag får uppgifterna från oss enligt avtalet med dig (artikel 6.1 b) och "
                    "lämnar inte ut dem vidare. Varje utlämnande loggas och syns när du laddar ner dina uppgifter."
                ),
            },
            extra_sv=(
                (
                    "Om du slutar kursen",
                    "När ditt konto raderas får dotterbolaget ett meddelande om att radera det det fått om dig.",
                ),
            ),
        ),
    )
}


def channel_policy(channel: str | None) -> ChannelPolicy | None:
    return CHANNEL_POLICIES.get(channel) if channel else None


def section_texts(channel: str | None = None) -> dict[str, str]:
    """The text of each section, with a channel's more specific wording in place of the general one where given."""
    texts = dict(SECTION_TEXT_SV)
    override = channel_policy(channel)
    if override is not None:
        texts.update({key: text for key, text in override.sections.items() if key in texts})
    return texts
