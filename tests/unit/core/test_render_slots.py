"""The bound on heavy renders (coursesite/pdf.py: RenderSlots): pure counting, no PDF is made."""

import pytest

from coursesite.core.errors import RateLimited
from coursesite.pdf import RenderSlots


def test_one_holder_gets_its_share_and_no_more():
    slots = RenderSlots(total=3, per_holder=1, retry_after_seconds=7)
    with slots.hold("account:1"):
        with pytest.raises(RateLimited) as refused:
            slots.take("account:1")
        assert refused.value.retry_after_seconds == 7
        assert "redan en PDF" in refused.value.message and "7 sekunder" in refused.value.message
        with slots.hold("account:2"):
            assert slots.in_use == 2
    assert slots.in_use == 0
    slots.take("account:1")()  # free again once released


def test_the_total_bounds_everyone():
    slots = RenderSlots(total=2, per_holder=2, retry_after_seconds=3)
    first, second = slots.take("account:1"), slots.take(None)
    with pytest.raises(RateLimited, match="många PDF-filer"):
        slots.take("account:9")
    with pytest.raises(RateLimited):
        slots.take(None)
    second()
    slots.take("account:9")
    first()


def test_a_release_counts_once():
    slots = RenderSlots(total=2, per_holder=1)
    release = slots.take("a")
    release()
    release()
    assert slots.in_use == 0
    hold_b = slots.take("b")
    hold_c = slots.take("c")
    release()  # a late second release must not free b's or c's slot
    with pytest.raises(RateLimited):
        slots.take("d")
    hold_b(), hold_c()


def test_a_refusal_takes_nothing():
    slots = RenderSlots(total=1, per_holder=1)
    release = slots.take("a")
    for _ in range(5):
        with pytest.raises(RateLimited):
            slots.take("b")
    release()
    assert slots.in_use == 0


@pytest.mark.parametrize(("total", "per_holder"), [(0, 0), (1, 2), (2, 0)])
def test_nonsense_bounds_are_refused(total, per_holder):
    with pytest.raises(ValueError):
        RenderSlots(total=total, per_holder=per_holder)
