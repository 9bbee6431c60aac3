"""privacy/letter.py: values in Swedish formats, long tables as count and latest entries, no raw JSON."""

from __future__ import annotations

from coursesite.privacy.letter import LATEST, show, table_view


def test_values_read_in_swedish():
    assert show("2026-12-03T06:56:11.985214+00:00") == "3 december 2026 07:56"  # as every page writes a moment
    assert show("2026-06-01") == "1 juni 2026"
    assert show(1250000, "amount_ore") == "12\xa0500,00\xa0kr"
    assert show(500, "score_milli") == "0,5" and show(1250, "max_score_milli") == "1,25"
    assert show("+46701234567", "mobile") == "070-123 45 67"  # as the person wrote it, not E.164
    assert show(True) == "ja" and show(None) == "–"
    assert show({"a": 1}) == "(finns i JSON-filen)" and show(["Sant", "Falskt"]) == "Sant, Falskt"


def test_a_long_table_shows_the_count_and_the_latest_entries_without_references():
    fields = [
        {"column": "account", "description": "Vems sessionen är", "retention": "14 dagar"},
        {"column": "created_at", "description": "När sessionen startade", "retention": "14 dagar"},
    ]
    rows = [{"id": n, "account": 7, "created_at": f"2026-11-{n:02d}T10:00:00+00:00"} for n in range(1, 21)]
    view = table_view({"table": "user_session", "fields": fields, "rows": rows})
    assert view.label == "Inloggningssessioner" and view.count == 20 and view.more
    assert view.headers == ["När sessionen startade"]
    assert len(view.rows) == LATEST and view.rows[0] == ["20 november 2026 11:00"]
