"""The policy as code (privacy/policy.py) covers everything the registry and the sharing rules hold."""

import pytest

from coursesite.privacy import policy
from coursesite.privacy.registry import PERSONAL_FIELDS, ConfiguredPeriods, Purpose, Retention, retention_texts_sv
from coursesite.privacy.sharing import SHARING_PURPOSES


@pytest.mark.parametrize("personal_field", PERSONAL_FIELDS, ids=lambda f: f"{f.table}.{f.column}")
def test_every_registry_field_has_a_policy_category(personal_field):
    found = policy.category_of(personal_field)
    assert found is not None, f"{personal_field.table} is in no policy category: add it to policy.TABLE_CATEGORY"
    assert found in policy.categories()


def test_every_category_of_the_policy_holds_data_and_says_whose_and_from_where():
    keys = [c.key for c in policy.categories()]
    assert keys == list(policy.PolicyCategory)
    for category in policy.categories():
        assert policy.fields_of(category.key), category.key
        assert category.data_sv and category.people_sv and category.source_sv
        assert policy.purposes_of(category.key), category.key


def test_the_categories_name_what_the_policy_names():
    text = {c.key: " ".join(c.data_sv).lower() for c in policy.categories()}
    for word in ("förnamn", "efternamn", "e-postadress", "mobilnummer", "hörde talas om oss", "teknisk data"):
        assert word in text["webinar"]
    for word in ("kontaktuppgifter", "faktureringsuppgifter", "transaktionshistorik"):
        assert word in text["education_series"]
    for word in ("kontaktuppgifter", "ärendeinformation"):
        assert word in text["customer_service"]
    assert "svar" in text["course_site"] and "automatiskt" in text["course_site"]
    for word in ("sidor", "webbläsarens inställningar", "tidpunkt", "ip-adress"):
        assert word in text["technical"]


def test_every_table_of_a_category_has_a_label():
    assert set(policy.TABLE_CATEGORY) <= set(policy.TABLE_LABEL_SV)
    assert {f.table for f in PERSONAL_FIELDS} <= set(policy.TABLE_CATEGORY)


def test_every_purpose_has_a_legal_basis():
    assert {p.key for p in policy.purposes()} == set(Purpose)
    for purpose in policy.purposes():
        assert purpose.title_sv and purpose.description_sv
        assert purpose.legal_bases, purpose.key
        for basis in purpose.legal_bases:
            assert basis.text_sv.startswith(("Avtal", "Samtycke", "Berättigat intresse", "Rättslig förpliktelse"))
            assert f"artikel {basis.basis.value}" in basis.text_sv
            assert basis.applies_to_sv


def test_the_purposes_rest_on_the_bases_the_policy_gives():
    bases = {p.key: {b.basis for b in p.legal_bases} for p in policy.purposes()}
    assert policy.LegalBasis.CONTRACT in bases[Purpose.PROVIDE_SERVICE]
    assert policy.LegalBasis.LEGAL_OBLIGATION in bases[Purpose.BOOKKEEPING]
    assert policy.LegalBasis.CONSENT in bases[Purpose.SEND_INFORMATION]
    assert policy.LegalBasis.LEGITIMATE_INTEREST in bases[Purpose.CONTACT_AND_OFFERS]
    assert policy.LegalBasis.LEGITIMATE_INTEREST in bases[Purpose.SECURITY]


def test_accounting_records_rest_on_the_legal_obligation():
    for personal_field in PERSONAL_FIELDS:
        bases = policy.legal_bases_of(personal_field)
        assert bases
        if personal_field.retention is Retention.BOOKKEEPING:
            assert bases == (policy.LegalBasis.LEGAL_OBLIGATION,)


def test_every_retention_has_a_text_and_every_field_a_retention_row():
    periods = ConfiguredPeriods(ip_days=3, page_view_months=6, session_days=2, login_window_seconds=120)
    texts = retention_texts_sv(periods)
    assert list(texts) == list(Retention) and all(texts.values())
    shown = set()
    for category in policy.categories():
        for row in policy.retention_of(category.key, periods):
            assert row.text_sv == texts[row.retention] and row.applies_to_sv
            shown.add(row.retention)
    assert shown == {f.retention for f in PERSONAL_FIELDS}


def test_bookkeeping_keeps_seven_years():
    periods = ConfiguredPeriods(ip_days=7, page_view_months=13, session_days=14, login_window_seconds=900)
    rows = policy.retention_of(policy.PolicyCategory.EDUCATION_SERIES, periods)
    books = next(row for row in rows if row.retention is Retention.BOOKKEEPING)
    assert "sjunde året" in books.text_sv and "bokföringslagen" in books.text_sv
    assert "fakturor och kreditfakturor" in books.applies_to_sv and "betalningar" in books.applies_to_sv


def test_recipients_include_the_processors_and_every_sharing_purpose():
    recipients = policy.recipients()
    names = {r.name for r in recipients if r.kind is policy.RecipientKind.PROCESSOR}
    assert names == {"Apsis", "Mailchimp"}  # the CRM is our own register, not a processor (policy.CRM_SV)
    subsidiaries = {r.key: r for r in recipients if r.kind is policy.RecipientKind.SUBSIDIARY}
    assert set(subsidiaries) == {f"subsidiary:{name}" for name in SHARING_PURPOSES}
    for name, sharing in SHARING_PURPOSES.items():
        recipient = subsidiaries[f"subsidiary:{name}"]
        assert recipient.fields == sharing.fields
        assert len(recipient.receives_sv) == len(sharing.fields)
        assert all(
            description != field for description, field in zip(recipient.receives_sv, sharing.fields, strict=True)
        )
        assert recipient.legal_basis_sv == sharing.legal_basis_sv


def test_only_the_newsletter_export_to_mailchimp_may_leave_the_eea():
    assert [r.key for r in policy.transfers()] == ["mailchimp"]


def test_the_rights_and_the_supervisory_authority():
    articles = {right.article for right in policy.RIGHTS_SV}
    assert {"15", "16", "17", "18", "20", "21", "7.3", "77"} <= articles
    erasure = next(right for right in policy.RIGHTS_SV if right.article == "17")
    assert "kundtjänst" in erasure.text_sv
    authority = policy.SUPERVISORY_AUTHORITY
    assert authority.name_sv == "Integritetsskyddsmyndigheten" and authority.short == "IMY"
    assert authority.formerly_sv == "Datainspektionen" and authority.url == "https://www.imy.se"
    assert "Integritetsskyddsmyndigheten (IMY)" in authority.text_sv and "Datainspektionen" in authority.text_sv


def test_automated_grading_is_explained():
    text = policy.AUTOMATED_GRADING_SV
    assert "automatiskt" in text and "Uppsatser rättas alltid av en lärare" in text and "omprövning" in text


def test_channel_policies_replace_only_known_sections():
    assert policy.POLICY_VERSION and len(policy.POLICY_VERSION) <= 20  # consent.policy_version is a Varchar(20)
    for channel, override in policy.CHANNEL_POLICIES.items():
        assert channel == override.channel and len(channel) <= 40 and channel != policy.DEFAULT_CHANNEL
        assert set(override.sections) <= set(policy.SECTIONS)
        texts = policy.section_texts(channel)
        for key in policy.SECTIONS:
            assert texts[key] == override.sections.get(key, policy.SECTION_TEXT_SV[key])
    assert policy.section_texts(None) == policy.SECTION_TEXT_SV
    assert policy.section_texts("finns-inte") == policy.SECTION_TEXT_SV


def test_what_the_newsletter_services_receive_matches_the_export_columns():
    """Every column of the newsletter export is described (signups/newsletter.py: FORMATS): the address and first
    name, the Kurssajten-ID and the one-click unsubscribe link."""
    from coursesite.signups.newsletter import FORMATS

    described = " ".join(policy.NEWSLETTER_RECEIVES_SV).lower()
    for fmt in FORMATS.values():
        assert len(fmt.header) == 4
        assert any("unsubscribe" in column.lower() for column in fmt.header)
    assert "e-postadress" in described and "förnamn" in described and "kurssajten-id" in described
    assert "avregistreringslänk" in described
    processors = {r.key: r for r in policy.recipients() if r.kind is policy.RecipientKind.PROCESSOR}
    assert processors["apsis"].receives_sv == processors["mailchimp"].receives_sv == policy.NEWSLETTER_RECEIVES_SV
