from hypothesis import given, settings, strategies as st, HealthCheck
from tests.unit.course.test_gift import questions, with_ids
from coursesite.course.gift import parse_gift, write_gift

@settings(max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(questions(), max_size=6).map(with_ids))
def test_stress(generated):
    written = write_gift(generated)
    assert parse_gift(written) == generated, written
