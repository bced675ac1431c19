"""Password hashing with Argon2id, and the policy new passwords must meet."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 12
#: zxcvbn's scale runs 0-4; 3 is "safely unguessable: moderate protection from an offline attack".
MIN_STRENGTH = 3
#: zxcvbn's time grows faster than the length; what follows this many characters adds strength anyway.
STRENGTH_CHECKED_CHARS = 64

TOO_SHORT = f"must be at least {MIN_LENGTH} characters long"
EDGE_SPACES = "must not start or end with spaces"
GUESSABLE_COMMON = "is too easy to guess: it is a common password or close to one"
GUESSABLE_PERSONAL = "is too easy to guess: it contains your user name or name"
GUESSABLE_PATTERN = "is too easy to guess: repeated characters, sequences or keyboard patterns"
GUESSABLE_DATE = "is too easy to guess: dates and years are among the first guesses"
GUESSABLE = "is too easy to guess: add more words or characters that do not form a pattern"
#: Every reason ``password_problem`` gives, for callers that translate them.
PROBLEMS = (TOO_SHORT, EDGE_SPACES, GUESSABLE_COMMON, GUESSABLE_PERSONAL, GUESSABLE_PATTERN, GUESSABLE_DATE, GUESSABLE)


def use_fast_hashing_for_tests() -> None:
    """Cheap Argon2 parameters: only for test suites, where thousands of users are created."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """Say what is wrong with a new password, or None when it is acceptable.

    Beyond the length, zxcvbn estimates how many guesses the password takes against its lists of common
    passwords, words and names and its patterns; ``personal`` (user name, full name) counts as guessable too.
    """
    from zxcvbn import zxcvbn  # its dictionaries take a moment to load: only when a password is set

    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if password.strip() != password:
        return EDGE_SPACES
    inputs = [part for value in personal for part in (value, *value.replace(".", " ").split()) if part]
    result = zxcvbn(password[:STRENGTH_CHECKED_CHARS], user_inputs=inputs)
    if result["score"] >= MIN_STRENGTH:
        return None
    return _reason(result.get("sequence") or [])


def _reason(sequence: list[dict[str, object]]) -> str:
    patterns = {str(match.get("pattern")) for match in sequence}
    dictionaries = {str(match.get("dictionary_name")) for match in sequence if match.get("pattern") == "dictionary"}
    if "user_inputs" in dictionaries:
        return GUESSABLE_PERSONAL
    if "passwords" in dictionaries:
        return GUESSABLE_COMMON
    if patterns & {"repeat", "sequence", "spatial"}:
        return GUESSABLE_PATTERN
    if patterns & {"date", "regex"}:
        return GUESSABLE_DATE
    return GUESSABLE


# A hash nobody's password matches, checked when the username is unknown so that the
# time taken does not reveal which usernames exist.
DUMMY_HASH = _hasher.hash("not-a-real-password-0")
