"""Privacy: people who gave us data through the public forms, consents, page views, restrictions, customer-service
cases and data-subject requests, the staff audit log, subsidiaries, disclosures and notices to recipients.

Every column is classified in privacy/registry.py; the access export and erasure are driven from there.
"""

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from coursesite.db.accounts import Account


class Person(Table, tablename="person"):
    """Someone who used a public form (contact, webinar, sign-up, e-book, newsletter), with or without an account.
    One per email (stored lower-cased)."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    email = Varchar(length=254, unique=True, index=True)
    first_name = Varchar(length=100, null=True, default=None)
    last_name = Varchar(length=100, null=True, default=None)
    mobile = Varchar(length=20, null=True, default=None)  # E.164
    source = Varchar(length=200, null=True, default=None)  # where they heard of us
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    profile_enabled = Boolean(default=True)  # the person can switch their profile off
    restricted_at = Timestamptz(null=True, default=None)  # art. 18: while set, the data is only stored
    restriction_reason = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class AccountPrivacy(Table, tablename="account_privacy"):
    """Per account: the profile switch and a restriction (art. 18). One row per account, made when first needed."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    account = ForeignKey(Account, on_delete=OnDelete.cascade, unique=True, index=True)
    profile_enabled = Boolean(default=True)
    restricted_at = Timestamptz(null=True, default=None)
    restriction_reason = Text(null=True, default=None)
    lift_notice_sent_at = Timestamptz(null=True, default=None)  # told before the restriction is lifted
    updated_at = Timestamptz()


class FormSubmission(Table, tablename="form_submission"):
    """What one public form stored: only the fields its category allows (the rest of the person is in `person`)."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    form = Varchar(length=20)  # contact | webinar | signup | ebook | newsletter
    details = JSON()  # the form's own fields: message, webinar, event, ebook …
    channel = Varchar(length=40)  # "kurssajten" or a subsidiary's channel
    created_at = Timestamptz()


class Consent(Table, tablename="consent"):
    """A consent: what was consented to, under which policy version, when and on which channel; and its withdrawal."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    person = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=30)  # newsletter | webinar_information | offers …
    text = Text()  # the words the person agreed to
    policy_version = Varchar(length=20)
    channel = Varchar(length=40)
    given_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)
    # Where it was withdrawn, when not on the site itself: "mailchimp" | "apsis" (an imported unsubscribe), "link"
    # (the one-click unsubscribe link, signups/consents.py).
    withdrawn_via = Varchar(length=40, null=True, default=None)
    # Double opt-in (signups/double_opt_in.py): a consent counts only once confirmed. NULL while pending.
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_via = Varchar(length=40, null=True, default=None)  # email_link | verified_account | given_before_…


class PageView(Table, tablename="page_view"):
    """Technical data: one page view. The address is truncated after a set number of days; rows go after retention."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    path = Varchar(length=500)
    viewed_at = Timestamptz(index=True)
    user_agent = Varchar(length=500, null=True, default=None)
    accept_language = Varchar(length=200, null=True, default=None)
    ip_address = Varchar(length=45, null=True, default=None)
    ip_truncated = Boolean(default=False)
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.cascade, index=True)


class SupportCase(Table, tablename="support_case"):
    """A customer-service case: a complaint or other matter, or a data-subject request with its deadline."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    kind = Varchar(length=20)  # complaint | question | access | rectification | restriction | erasure
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    person = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    contact_name = Varchar(length=200, null=True, default=None)
    contact_email = Varchar(length=254, null=True, default=None)
    subject = Varchar(length=200)
    description = Text(default="")
    status = Varchar(length=20, default="open")  # open | extended | completed | rejected
    received_on = Date()
    deadline = Date(null=True, default=None)  # data-subject requests: one month, or three when extended
    extension_reason = Text(null=True, default=None)
    # A request is carried out only once the person's identity is confirmed (support/identity.py): by the person
    # through a link to the address on file (by None), or by a method customer service records (by: the staff account).
    identity_method = Varchar(length=30, null=True, default=None)
    identity_confirmed_at = Timestamptz(null=True, default=None)
    identity_confirmed_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    identity_note = Text(null=True, default=None)
    # A completed access request's export, for the person to download (Mina uppgifter; later a link by e-mail).
    export_ready_at = Timestamptz(null=True, default=None)
    export_available_until = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    completed_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    outcome = Text(null=True, default=None)  # what was done, and what was kept and why
    created_at = Timestamptz()


class CaseNote(Table, tablename="case_note"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    case = ForeignKey(SupportCase, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    text = Text()
    created_at = Timestamptz()


class StaffAudit(Table, tablename="staff_audit"):
    """Every staff read of a person's data and every change: who, when, what and why."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    actor = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    action = Varchar(length=20)  # read | change | export | erase
    subject_account = Integer(null=True, default=None, index=True)  # kept as a number: the account may be erased
    subject_person = Integer(null=True, default=None)
    what = Text()  # the fields or the record
    why = Text()  # the purpose or the case
    created_at = Timestamptz(index=True)


class Subsidiary(Table, tablename="subsidiary"):
    """A subsidiary and one purpose it receives data for; the API token is shown once, only its hash is stored.
    Unique on (name, purpose): migration m0010."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    name = Varchar(length=100)
    purpose = Varchar(length=40)
    token_hash = Varchar(length=64, unique=True)
    channel = Varchar(length=40, null=True, default=None)  # its own channel, whose policy may take precedence
    active = Boolean(default=True)
    created_at = Timestamptz()


class Disclosure(Table, tablename="disclosure"):
    """One disclosure to a recipient: a subsidiary call or a newsletter export to a processor."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    recipient = Varchar(length=100)  # the subsidiary's name, or "Apsis" / "Mailchimp"
    subsidiary = ForeignKey(Subsidiary, null=True, default=None, on_delete=OnDelete.set_null)
    purpose = Varchar(length=40)
    fields = JSON()  # the registry names of the fields disclosed
    people = Integer(default=0)
    created_at = Timestamptz(index=True)


class DisclosureSubject(Table, tablename="disclosure_subject"):
    """Whose data a disclosure held, so each person's access export lists it."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    disclosure = ForeignKey(Disclosure, on_delete=OnDelete.cascade, index=True)
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    # How the recipient knows the person, when that is not a row id: the Kurssajten-ID of a newsletter export.
    subject_ref = Varchar(length=40, null=True, default=None)


class RecipientNotice(Table, tablename="recipient_notice"):
    """Art. 19: a rectification, erasure or restriction to pass on to a recipient that received the person's data."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    subsidiary = ForeignKey(Subsidiary, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # rectification | erasure | restriction
    subject_ref = Varchar(length=40)  # how the recipient knows the person: the id it received
    changes = JSON()  # the corrected fields and values for a rectification; [] for an erasure
    created_at = Timestamptz()
    acknowledged_at = Timestamptz(null=True, default=None)


class ProcessorNotice(Table, tablename="processor_notice"):
    """Art. 19 for the newsletter processors (Apsis, Mailchimp): what staff must do in the processor's own tool for a
    person who was in an export, found there by the Kurssajten-ID column. An erasure notice holds no link to the
    person; the others hold one (deleted with the person) until staff have done it."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    recipient = Varchar(length=100)  # "Apsis" | "Mailchimp", as in disclosure.recipient
    kind = Varchar(length=20)  # erasure | rectification | withdrawal | restriction
    subject_ref = Varchar(length=40)  # the Kurssajten-ID the processor received
    changes = JSON()  # a rectification's corrected fields and values until done, then the field names only
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(Person, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)
    done_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
