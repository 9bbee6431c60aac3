"""Argon2id password hashing. A hash is deliberately slow (64 MiB and 150–250 ms of CPU), so it runs off the event
loop, in a pool of its own: at most ``HASHING_THREADS`` hashes at once per worker, at a lower CPU priority than the
pages. A crowd logging in at once (a course's first morning, or a flood of guesses) then waits for its own hashes,
while the pages of those already logged in keep the CPU they need, and the hashes' memory stays bounded. A login
that would wait for its hash longer than its request may wait for a turn (COURSESITE_TURN_WAIT_MS) is told so at
once (``Busy``) instead of hanging; a new hash (a registration, a new password, a rehash after a login that
succeeded) always waits, as the person has already been let in."""

from __future__ import annotations

import asyncio
import functools
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from coursesite.core.errors import Busy
from coursesite.core.turns import TurnedAway, Turns, step_aside, wait_bound

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
HASHING_THREADS = 2  # per worker: 128 MiB of hashes at most
HASHING_NICENESS = 10  # added to the hashing threads' nice: the pages' threads get about ten times their CPU share
T = TypeVar("T")


def _lower_priority() -> None:
    try:  # Linux keeps a nice per thread; the threads Argon2 starts for its lanes inherit it
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + HASHING_NICENESS))
    except (AttributeError, OSError):  # elsewhere, or not permitted: the same hashes at the pages' priority
        pass


_pool = ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="argon2", initializer=_lower_priority)
_hashing = Turns(HASHING_THREADS)  # the queue for the pool, in arrival order, with an estimate of its wait


async def in_hashing_pool(work: Callable[[], T], *, bounded: bool) -> T:
    """``work`` in the hashing pool; the request's turn goes to the next request meanwhile. ``bounded``: Busy when
    the pool would not start it within the request's wait bound."""
    longest_wait = wait_bound() if bounded else 0.0
    async with step_aside():
        try:
            await _hashing.take(within=longest_wait)
        except TurnedAway:
            raise Busy(retry_after_seconds=max(1, math.ceil(longest_wait))) from None
        started = time.perf_counter()
        try:
            return await asyncio.get_running_loop().run_in_executor(_pool, work)
        finally:  # cancelled, the hash still finishes in its thread; the pool queues the next behind it meanwhile
            _hashing.give_back(time.perf_counter() - started)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a login takes as long whether or not the account exists."""
    return _hasher.hash("not-a-real-password-used-for-timing-only")


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await in_hashing_pool(functools.partial(_hasher.hash, password), bounded=False)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed; Busy when the hashing pool is too full to start it in time."""
    return await in_hashing_pool(functools.partial(_verify, password_hash, password), bounded=True)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
