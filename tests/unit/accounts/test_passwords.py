"""The password hash production uses. The tests hash with argon2id at its smallest cost (tests/conftest.py:
production_password_hasher), so these check the parameters the site itself runs with."""

from __future__ import annotations

from argon2 import PasswordHasher, Type

from coursesite.accounts import passwords


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
