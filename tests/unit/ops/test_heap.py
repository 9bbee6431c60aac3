"""ops/heap.py: a served worker freezes what start-up loaded and collects the young generation less often."""

import gc

from coursesite.ops.heap import GEN0_THRESHOLD, settle_after_start


def test_settle_after_start_freezes_the_loaded_objects_and_raises_the_young_threshold():
    before = gc.get_threshold()
    loaded = [{"n": n} for n in range(1000)]  # start-up's objects
    try:
        settle_after_start()
        assert gc.get_threshold() == (GEN0_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(item is loaded for item in gc.get_objects(generation=2))  # frozen: out of every generation
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
