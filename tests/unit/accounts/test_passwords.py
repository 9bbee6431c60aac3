"""The password hash production uses, and where it runs. The tests hash with argon2id at its smallest cost
(tests/conftest.py: production_password_hasher), so the first tests check the parameters the site itself runs with;
the rest, the hashing pool: its priority, its size and order, and the bound on a login's wait for it."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from functools import partial

from argon2 import PasswordHasher, Type

from coursesite.accounts import passwords
from coursesite.core.errors import BUSY_TRY_AGAIN, Busy
from coursesite.core.turns import Admission


def test_production_hashes_with_argon2id_at_rfc_9106s_cost(production_password_hasher):
    hasher = production_password_hasher
    assert hasher.type is Type.ID
    # RFC 9106's second recommended option: 3 passes over 64 MiB, 4 lanes; a 16-byte salt, a 32-byte hash.
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 64 * 1024, 4)
    assert (hasher.salt_len, hasher.hash_len) == (16, 32)
    assert hasher.hash("korrekt-häst-batteri").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_made_at_the_tests_cost_would_be_rehashed_in_production(production_password_hasher):
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("korrekt-häst-batteri")
    assert production_password_hasher.verify(cheap, "korrekt-häst-batteri")  # still a valid argon2id hash
    assert production_password_hasher.check_needs_rehash(cheap)
    assert passwords._hasher is not production_password_hasher  # the tests run at the smallest cost


async def test_hashes_run_at_a_lower_cpu_priority_than_the_pages():
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert await passwords.in_hashing_pool(niceness, bounded=False) == min(19, niceness() + passwords.HASHING_NICENESS)


async def test_at_most_the_pools_threads_hash_at_once_and_the_rest_wait_in_order():
    running, most, order = 0, 0, []
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            order.append(n)
        time.sleep(0.05)
        with lock:
            running -= 1
        return n

    results = await asyncio.gather(*(passwords.in_hashing_pool(partial(work, n), bounded=True) for n in range(6)))
    assert results == list(range(6)) and most == passwords.HASHING_THREADS == 2
    assert [set(order[n : n + 2]) for n in (0, 2, 4)] == [{0, 1}, {2, 3}, {4, 5}]  # two at a time, in arrival order
    assert passwords._hashing.in_progress == 0  # outside a request there is no bound: nobody was turned away


async def test_a_login_whose_hash_cannot_start_within_the_requests_bound_is_busy_but_a_new_hash_waits():
    """Inside a request with a 50 ms bound for its turns, while both hashing threads are taken."""
    outcomes: dict[str, object] = {}

    async def app(scope, receive, send):
        try:
            if scope["path"] == "/verify":
                outcomes["/verify"] = await passwords.verify_password(None, "lösenord")
            else:
                outcomes["/hash"] = await passwords.hash_password("lösenord")
        except Busy as exc:
            outcomes[scope["path"]] = exc

    async def receive():
        return {"type": "http.request", "body": b""}

    async def refuse(scope, receive, send):
        raise AssertionError("the request itself got its turn")

    admission = Admission(app, limit=4, body_limit=1024, longest_wait=0.05, refuse=refuse)
    for _ in range(passwords.HASHING_THREADS):
        await passwords._hashing.take()  # both threads busy, as with two long hashes
    try:
        verify = asyncio.create_task(admission({"type": "http", "path": "/verify"}, receive, None))
        new_hash = asyncio.create_task(admission({"type": "http", "path": "/hash"}, receive, None))
        await asyncio.wait_for(verify, 2)
        busy = outcomes["/verify"]
        assert isinstance(busy, Busy) and busy.retry_after_seconds == 1 and busy.message == BUSY_TRY_AGAIN
        await asyncio.sleep(0.1)  # twice the bound: the new hash still waits for a thread
        assert not new_hash.done() and "/hash" not in outcomes
    finally:
        for _ in range(passwords.HASHING_THREADS):
            passwords._hashing.give_back()
    await asyncio.wait_for(new_hash, 5)
    assert str(outcomes["/hash"]).startswith("$argon2id$")
    assert passwords._hashing.in_progress == 0 and not passwords._hashing.waiting
