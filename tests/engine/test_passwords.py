"""The password policy: long enough, and not among the first guesses of a password cracker."""

from __future__ import annotations

import pytest

from engine.accounts import passwords
from engine.accounts.passwords import password_problem


@pytest.mark.parametrize(
    "weak,reason",
    [
        ("aaaaaaaaaa", passwords.TOO_SHORT),
        ("1234567890", passwords.TOO_SHORT),
        ("password12", passwords.TOO_SHORT),
        ("aaaaaaaaaaaa", passwords.GUESSABLE_PATTERN),
        ("123456789012", passwords.GUESSABLE_COMMON),
        ("password1234", passwords.GUESSABLE_COMMON),
        ("qwertyuiopas", passwords.GUESSABLE_COMMON),
        (" leading-space-pass", passwords.EDGE_SPACES),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(weak, reason):
    assert password_problem(weak) == reason


def test_the_users_own_name_makes_a_password_guessable():
    assert password_problem("ola.nowak2026x", ("ola.nowak", "Ola Nowak")) == passwords.GUESSABLE_PERSONAL


@pytest.mark.parametrize("strong", ["correct-horse-battery", "Wiosna nad Bystrzycą 2026!", "x7#Lq9!vR2@m"])
def test_strong_passwords_pass(strong):
    assert password_problem(strong) is None


def test_every_reason_is_listed_for_translation():
    assert {passwords.TOO_SHORT, passwords.GUESSABLE_COMMON, passwords.GUESSABLE} <= set(passwords.PROBLEMS)
