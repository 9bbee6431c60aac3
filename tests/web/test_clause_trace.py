"""The public pages keep the meaning of every clause of the company's text: each clause's key statements
(coursesite/privacy/clauses.toml) are on /integritetspolicy, and on /villkor where the clause names some."""

from coursesite.privacy import clauses, policy
from tests.support import page_text

TRACE = clauses.load()


async def test_every_page_keeps_each_clauses_key_statements(client):
    privacy = page_text(await client.get(policy.POLICY_PATH))
    terms = page_text(await client.get("/villkor"))
    lost = {c.id: clauses.missing_statements(c, privacy) for c in TRACE.clauses}
    lost_terms = {c.id: clauses.missing_statements(c, terms, terms=True) for c in TRACE.clauses}
    assert {k: v for k, v in lost.items() if v} == {}
    assert {k: v for k, v in lost_terms.items() if v} == {}


async def test_a_page_that_lost_a_statement_is_found(client):
    privacy = page_text(await client.get(policy.POLICY_PATH))
    clause = next(c for c in TRACE.clauses if c.id == "rights.complaint_to_imy")
    assert clauses.missing_statements(clause, privacy) == []
    assert clauses.missing_statements(clause, privacy.replace("IMY", "XYZ")) == ["Integritetsskyddsmyndigheten (IMY)"]
