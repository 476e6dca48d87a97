"""argon2 hashes with the production parameters, the length policy, and rehash when parameters change."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from ai_registry.identity import passwords
from ai_registry.identity.errors import PasswordPolicyError
from ai_registry.identity.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    hash_password,
    spend_verify_time,
    verify_password,
)

PRODUCTION = PasswordHasher()


def test_production_parameters_are_argon2id_rfc9106_low_memory() -> None:
    hashed = hash_password("a long enough passphrase", hasher=PRODUCTION)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(hashed, "a long enough passphrase", hasher=PRODUCTION) == (True, None)
    assert verify_password(hashed, "a long enough passphrasE", hasher=PRODUCTION) == (False, None)


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("the same passphrase") != hash_password("the same passphrase")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Choose a password."),
        ("            ", "Choose a password."),
        ("x" * (MIN_PASSWORD_LENGTH - 1), f"is {MIN_PASSWORD_LENGTH - 1} characters long; use at least 12"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), f"longer than {MAX_PASSWORD_LENGTH} characters"),
    ],
)
def test_policy_refuses_with_a_specific_message(password: str, message: str) -> None:
    with pytest.raises(PasswordPolicyError, match=message):
        check_password_policy(password)
    with pytest.raises(PasswordPolicyError):
        hash_password(password)


def test_policy_refuses_the_email_as_password() -> None:
    with pytest.raises(PasswordPolicyError, match="cannot be the email"):
        check_password_policy("Ann.Lee@Example.com", email="ann.lee@example.com")


def test_policy_accepts_the_limits() -> None:
    check_password_policy("x" * MIN_PASSWORD_LENGTH)
    check_password_policy("x" * MAX_PASSWORD_LENGTH)


def test_outdated_parameters_ask_for_a_rehash(monkeypatch: pytest.MonkeyPatch) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    old_hash = hash_password("an old passphrase", hasher=weak)
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "PASSWORD_HASHER", stronger)
    ok, new_hash = verify_password(old_hash, "an old passphrase")
    assert ok and new_hash is not None
    assert "m=2048,t=2,p=1" in new_hash and "m=1024,t=1,p=1" in old_hash
    assert verify_password(new_hash, "an old passphrase") == (True, None)  # up to date now
    assert verify_password(old_hash, "a wrong passphrase") == (False, None)  # no rehash on failure


def test_garbage_hashes_and_huge_passwords_never_verify() -> None:
    assert verify_password("not a hash", "whatever password") == (False, None)
    hashed = hash_password("x" * MAX_PASSWORD_LENGTH)
    assert verify_password(hashed, "x" * (MAX_PASSWORD_LENGTH + 1)) == (False, None)


class CountingHasher(PasswordHasher):
    verifies = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 (argon2's name)
        CountingHasher.verifies += 1
        return super().verify(hash, password)


def test_dummy_verification_does_real_argon2_work() -> None:
    hasher = CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    CountingHasher.verifies = 0
    spend_verify_time("some guess at a password", hasher=hasher)
    spend_verify_time("x" * 10_000, hasher=hasher)  # even a huge input costs one bounded verification
    assert CountingHasher.verifies == 2
