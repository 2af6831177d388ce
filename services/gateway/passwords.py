"""Passwords: Argon2id hashes (argon2-cffi, its current recommended parameters, rehashed at sign-in
when they change) and the rule a new password must pass, said in the person's language.

Hashing is meant to cost (about 0.2 s of CPU, 64 MiB): it runs in a thread outside the event loop,
so a sign-in never holds the gateway's other requests, and at most HASHING_AT_ONCE run together, so
a burst of sign-ins cannot take the process's memory."""

import re

import eventlet
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

from jouda.shared.errors import ValidationFailed

HASHER = PasswordHasher()  # RFC 9106's recommended profile for memory-constrained servers: Argon2id, t=3, 64 MiB
HASHING_AT_ONCE = 2
MIN_LENGTH = 12
MIN_SCORE = 3  # zxcvbn's 0-4: "safely unguessable" from 3
DEMO_PASSWORD = re.compile(r"^demo-[a-z_]+-2026$")  # the demo's (jouda/seed.py): never settable through the API
_slots = eventlet.semaphore.BoundedSemaphore(HASHING_AT_ONCE)


def _off_the_loop(function, *args):
    with _slots:
        return tpool.execute(function, *args)


def hash_password(password: str) -> str:
    return _off_the_loop(HASHER.hash, password)


def verify(password_hash: str | None, password: str) -> bool:
    """False for a wrong password; an account without a password (an invitation not accepted) costs
    the same time as one with, so neither answer tells whether an address exists."""
    try:
        return _off_the_loop(HASHER.verify, password_hash or UNUSABLE, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


# Verified when the address is unknown or has no password: the same work as a real check. Written
# out rather than hashed at import, which would take 64 MiB and 0.2 s in every process that imports
# this module; tests/unit/test_gateway_accounts.py checks it has HASHER's parameters.
UNUSABLE = "$argon2id$v=19$m=65536,t=3,p=4$/sNUXn6V1Uk8Y+89SJU0tg$AAaryv5K8t4+8WNafsUYIacV2SGfDfki1xjpjA/sfjk"

# --- the rule of a new password ---------------------------------------------------------------------

REASONS = {
    "fr": {
        "too_short": f"Un mot de passe compte au moins {MIN_LENGTH} caractères.",
        "guessable": "Ce mot de passe est trop facile à deviner.",
        "personal": "Il reprend votre nom, votre adresse ou votre conseil.",
        "common": "C'est un mot de passe courant, ou un mot du dictionnaire ou un prénom à peine modifié.",
        "keyboard": "C'est une suite de touches voisines du clavier.",
        "repeat": "Il répète des caractères ou un motif.",
        "sequence": "C'est une suite (abc, 1234…).",
        "date": "Il contient une date ou une année facile à trouver.",
        "demo": "Ce mot de passe est réservé à la démonstration.",
        "hint": "Prenez plutôt plusieurs mots sans rapport entre eux, ou laissez un gestionnaire de mots de "
        "passe en choisir un.",
    },
    "ar": {
        "too_short": f"يجب أن تتكون كلمة المرور من {MIN_LENGTH} حرفًا على الأقل.",
        "guessable": "كلمة المرور هذه سهلة التخمين.",
        "personal": "إنها تتضمن اسمك أو عنوانك أو اسم مجلسك.",
        "common": "إنها كلمة مرور شائعة، أو كلمة من القاموس أو اسم شخصي مع تعديل طفيف.",
        "keyboard": "إنها سلسلة من المفاتيح المتجاورة على لوحة المفاتيح.",
        "repeat": "إنها تكرر حروفًا أو نمطًا.",
        "sequence": "إنها سلسلة متتابعة (abc، 1234…).",
        "date": "إنها تتضمن تاريخًا أو سنة يسهل تخمينها.",
        "demo": "كلمة المرور هذه مخصصة للعرض التجريبي.",
        "hint": "اختر بدلًا من ذلك عدة كلمات لا رابط بينها، أو دع مدير كلمات المرور يختار لك واحدة.",
    },
}
PATTERN_REASONS = {"spatial": "keyboard", "repeat": "repeat", "sequence": "sequence", "date": "date", "regex": "date"}


def personal_words(*texts) -> list:
    """What a guesser knows of the person: each text, and its words (an e-mail's parts, a council's)."""
    words = []
    for text in texts:
        if text:
            words.append(text.lower())
            words += [word for word in re.split(r"[^\w]+", text.lower()) if len(word) >= 3]
    return words


def check_new_password(password, language, personal):
    """Raises ValidationFailed, with the reasons in `language`, when `password` may not be chosen."""
    words = REASONS.get(language, REASONS["fr"])
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationFailed(words["too_short"], {"password": [words["too_short"]]})
    if DEMO_PASSWORD.match(password):
        raise ValidationFailed(words["demo"], {"password": [words["demo"]]})
    from zxcvbn import zxcvbn  # its word lists take 13 MB: loaded where a password is chosen, not at import

    result = zxcvbn(password[:200], user_inputs=personal)  # zxcvbn is quadratic: a long one is long enough
    if result["score"] >= MIN_SCORE:
        return
    reasons = [words["guessable"]]
    for match in result["sequence"]:
        if match["pattern"] == "dictionary":
            key = "personal" if match.get("dictionary_name") == "user_inputs" else "common"
        else:
            key = PATTERN_REASONS.get(match["pattern"])
        if key and words[key] not in reasons:
            reasons.append(words[key])
    reasons.append(words["hint"])
    raise ValidationFailed(" ".join(reasons), {"password": reasons})
