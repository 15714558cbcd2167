"""Personal and secret data in sample values: a pure, fast detector shared by two callers.

inference-schema publishes the sample given to `StandardPythonParameterType`, `NumpyParameterType` and
`PandasParameterType` verbatim as the `example` of the service's Swagger document. The static rule
`sensitive-sample-data` runs this detector on the samples it evaluates from the source; the sandbox runs it
on the `example` values of the real generated document. Both call `find_sensitive(value, path)`, which walks
dicts, lists, tuples, strings and numbers and returns one `Finding` per leaf value at most, naming the key
(or DataFrame column) the value sits under.

What is detected, and how false positives are kept low:

- e-mail addresses (not at the reserved domains example.com/.org/.net, *.example, *.test, *.invalid,
  *.localhost: those are what a sample should use);
- phone numbers: international `+CC ...`, North American `(425) 555-0199`-shaped with a valid area code and
  exchange (the fictional 555 exchange is a placeholder), national `0xx xxxx xxxx` forms; bare digit strings
  only under a phone-like key;
- payment card numbers: 13 to 19 digits, grouped like a card or not at all, with a card network's prefix and a
  valid Luhn check digit (the networks' published test numbers are placeholders);
- national ID numbers with a known shape and, where one exists, their checksum: US SSN (dashed, valid area,
  group and serial), Canadian SIN (dashed, Luhn), UK NINO (valid prefixes), Spanish DNI/NIE (check letter),
  Brazilian CPF (two check digits), Indian Aadhaar (spaced, Verhoeff), Chinese resident ID (birth date and
  ISO 7064 check), French NIR (mod-97 key); any other ID-like number under an ID-like key;
- IBANs: the country's length and the mod-97 check;
- IP addresses: public ones only (private, loopback and documentation ranges are not personal data), and
  none that look like version numbers (`1.2.3.4`, or anything under a `version` key); under an IP-like key
  private addresses count too;
- people's names: see below;
- API keys and tokens: AWS access key ids, GitHub, GitLab, Slack, Google, Stripe, OpenAI, Anthropic,
  Hugging Face, npm, PyPI and SendGrid tokens, Slack webhooks, JWTs (whose first two parts must decode to
  JSON), private-key blocks, connection strings (`AccountKey=`, `SharedAccessKey=`, `DefaultEndpointsProtocol=`,
  `Password=`), SAS signatures (`sig=`), URLs with a password, and high-entropy strings (20 to 200
  characters of base64 alphabet with mixed case and digits, Shannon entropy close to a random string's,
  excluding UUIDs, hex digests and base64 files such as PNG/JPEG/PDF);
- sensitive keys: a value under a key such as `password`, `ssn`, `dob`, `email`, `phone`, `address`,
  `iban`, `api_key`... that looks like a real value of that kind (a date under `dob`, seven or more digits
  under `phone`, any non-placeholder string under `password`). Keys are normalised (`customerEmail`,
  `E-Mail`, `DOB`) and matched on their last words, so `PhoneService` or `email_opened` are not phone or
  e-mail columns. Obvious placeholders (`"<password>"`, `"xxx-xx-xxxx"`, `"***"`, `"your-api-key"`,
  `"changeme"`, `None`, `""`, `"1990-01-01"`-style January 1st dates) are never reported.

People's names. A first name is recognised with a list of about 3,900 given names across many languages
(`data/first_names.txt`). We compiled it ourselves rather than depend on a package: a linter's findings must
be the same on every machine, so the list cannot come from an optional package that may or may not be
installed; the packages that ship such lists are either a 9 MB fake-data generator (Faker, MIT) that every
project would then have to install for one list, unmaintained and US-only (names 0.3.0, 2013) or GPL-licensed
(gender-guesser); and their lists are full of ordinary words and places (Grace, Summer, Austin, Paris,
Jordan) that sample data uses for other reasons and that we would have had to filter out anyway. Our list
marks such names (`~`) so that they count only under a person-name key. The list is loaded lazily, once, the
first time a string shaped like a name needs checking, so scripts whose samples hold only numbers never load it.

How a name-shaped value (one to four capitalised words) is judged depends on its key:
- a person-name key (`first_name`, `full_name`, `customer_name`, `surname`...): any name-shaped value;
- a key that may hold people (`name`, `customer`, `patient`, `user`, `author`...): a known first name,
  including the ambiguous ones (so the documents' `{'name': ['Sarah', 'John']}` is flagged);
- any other key, or none: a known, unambiguous first name alone or followed by surname-like words
  (`"Sarah"`, `"Sarah Connor"`), or words after an honorific (`"Mr. Owen Harris"`);
- a key naming something else (`city`, `brand`, `company`, `product`, `label`, `model`, `species`...): never.
Free text (more than four words) is checked only for names after a cue (`Mr.`, `Dr.`, `my name is`,
`Dear ...,`), so `"I bought a John Deere tractor"` is not flagged. `Jane Doe`, `John Doe`, `Max Mustermann`,
`Joe Bloggs` and the like are placeholders.

The detector is pure (no I/O except the lazy list load) and cheap: a typical sample costs a few tens of
microseconds (tests/test_sensitive.py measures it).
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "Finding", "find_sensitive", "first_names", "is_first_name", "key_category"]


class _lazy:  # noqa: N801 - used like re.compile
    """A regular expression compiled on first use: importing this module stays cheap."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(self.pattern, self.flags)
        for attr in ("search", "match", "fullmatch", "finditer", "findall", "sub", "split"):
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

# kind -> (what it is, what a sample should hold instead)
KINDS: dict[str, tuple[str, str]] = {
    "email": ("an e-mail address", "an address at a reserved domain such as 'user@example.com'"),
    "phone": ("a phone number", "a fictional number such as '+1 425 555 0100'"),
    "payment-card": ("a payment card number", "a network's test number such as '4111 1111 1111 1111'"),
    "national-id": ("a national ID number", "a masked value such as 'XXX-XX-XXXX'"),
    "iban": ("an IBAN", "a masked value such as 'XX00 0000 0000 0000'"),
    "bank-account": ("a bank account number", "a masked value such as '00000000'"),
    "ip-address": ("an IP address", "a documentation address such as '192.0.2.1' or '2001:db8::1'"),
    "person-name": ("a person's name", "a placeholder such as 'Jane Doe' or 'person_1'"),
    "date-of-birth": ("a date of birth", "a placeholder date such as '2000-01-01'"),
    "postal-address": ("a postal address", "a placeholder such as '1 Example Street'"),
    "password": ("a password", "a placeholder such as '<password>'"),
    "secret": ("a secret (API key, token or credential)", "a placeholder such as '<api-key>'"),
}

# Kinds whose value is masked in `Finding.excerpt` (lint output ends up in CI logs).
_MASKED = frozenset({"payment-card", "national-id", "iban", "bank-account", "password", "secret"})


@dataclass(frozen=True)
class Finding:
    """One sensitive-looking value.

    `path`: where it is in the walked value (dict keys and list indices, after the `path` given to
    `find_sensitive`). `key`: the nearest string key above it (the column or field), or None. `kind`: one of
    `KINDS`. `detail`: what exactly was recognised, for a message ("a US social security number").
    `excerpt`: the value, shortened, and masked for secrets and numbers.
    """

    path: tuple
    key: str | None
    kind: str
    detail: str
    excerpt: str = ""


def find_sensitive(
    value: Any,
    path: Iterable = (),
    *,
    names: bool = True,
    keys: bool = True,
    allow: Iterable[str] = (),
    max_values: int = 100_000,
) -> list[Finding]:
    """Walk `value` and return the sensitive-looking leaves, in walk order.

    `path` is prepended to every finding's path; its last string element is the key context of a top-level
    scalar. `names=False` turns the people's-name check off; `keys=False` turns off the findings that rest on
    a sensitive key alone (a value under `password`...). `allow`: values and keys to accept (compared without
    case; a key also in its normalised form), e.g. a known test e-mail or a column you know is synthetic.
    The walk stops after `max_values` values and below 100 levels of nesting, so a hostile document (the
    sandbox's caller reads what a user's script produced) cannot make it slow or exhaust the stack.
    """
    path = tuple(path)
    key = next((p for p in reversed(path) if isinstance(p, str)), None)
    scanner = _Scanner(names, keys, frozenset(a.strip().lower() for a in allow), max_values)
    scanner.walk(value, path, key)
    return scanner.findings


# --- keys --------------------------------------------------------------------------------------------------

_CAMEL1 = _lazy(r"([a-z0-9])([A-Z])")
_CAMEL2 = _lazy(r"([A-Z]+)([A-Z][a-z])")
_NON_ALNUM = _lazy(r"[^A-Za-z0-9]+")


def _normalise_key(key: str) -> str:
    s = _CAMEL2.sub(r"\1_\2", _CAMEL1.sub(r"\1_\2", key))
    return _NON_ALNUM.sub("_", s).strip("_").lower()


def _suffix(pattern: str) -> _lazy:
    return _lazy(rf"(?:^|_)(?:{pattern})$")


# Order matters: the first category whose pattern matches the end of the normalised key wins.
_KEY_CATEGORIES: tuple[tuple[str, _lazy], ...] = (
    ("email", _suffix(r"e_?mail(?:_?(?:address|addr|id))?|mail")),
    ("ip-address", _suffix(r"ip(?:_?v[46])?(?:_?(?:address|addr))?|remote_?addr")),
    ("phone", _suffix(r"(?:tele)?phone(?:_?(?:number|num|no|nr))?|mobile(?:_?(?:number|num|no|phone))?"
                      r"|cell_?(?:phone|number)|tel|fax(?:_?number)?|msisdn")),
    ("national-id", _suffix(r"ssn|social_?security(?:_?(?:number|num|no))?|sin|nino|national_?(?:id|insurance)"
                            r"(?:_?(?:number|num|no))?|passport(?:_?(?:number|num|no|id))?|tax_?id|tin|nif|nie"
                            r"|dni|cpf|aadhaa?r(?:_?(?:number|num|no))?|pan_?(?:number|card)|bsn|nir"
                            r"|personnummer|driv(?:er|ers|ing)_?licen[cs]e(?:_?(?:number|num|no))?"
                            r"|licen[cs]e_?(?:number|num|no)")),
    ("date-of-birth", _suffix(r"dob|date_?of_?birth|birth_?date|birth_?day|born_?on")),
    ("payment-card", _suffix(r"(?:credit_?|debit_?)?card_?(?:number|num|no|nr)|credit_?card|cc_?(?:number|num|no)"
                             r"|pan|cvv2?|cvc2?|card_?verification(?:_?code)?|card_?security_?code")),
    ("iban", _suffix(r"iban")),
    ("bank-account", _suffix(r"(?:bank_?)?account_?(?:number|num|no|nr)|bank_?account|routing_?(?:number|num|no)"
                             r"|sort_?code")),
    ("postal-address", _suffix(r"(?:home|postal|mailing|billing|shipping|street|residential|delivery|physical)?_?"
                               r"address(?:_?line)?(?:_?\d)?|street(?:_?address)?|addr(?:_?\d)?")),
    ("password", _suffix(r"password|passwd|passphrase|passcode|pwd")),
    ("secret", _suffix(r"secret(?:_?key)?|client_?secret|api_?key|apikey|api_?secret|access_?key(?:_?id)?"
                       r"|secret_?access_?key|private_?key|account_?key|shared_?access_?key|sas(?:_?(?:token|key|url))?"
                       r"|(?:access|auth|refresh|api|bearer|session|id|sas|github|slack|personal_?access|security)"
                       r"_?token|token|authorization|credentials?|conn(?:ection)?_?str(?:ing)?|subscription_?key"
                       r"|signing_?key|encryption_?key|webhook_?url")),
)

# `<word>_name` (or `<word>name`) keys that name a person, and keys that may hold people.
_PERSON_NAME_PREFIXES = frozenset(
    """first last given family middle maiden sur fore full legal birth nick f l customer client patient employee
    person contact holder accountholder cardholder beneficiary passenger student applicant member guest driver
    recipient sender signer payee payer buyer seller tenant insured subscriber doctor physician nurse teacher manager
    mother father parent child spouse""".split()
)
_PERSON_WORDS = frozenset(
    """name names nom nombre nome vorname nachname prenom customer client patient employee person people user username
    owner author contact member guest driver recipient sender manager agent doctor physician nurse teacher student
    passenger applicant candidate who speaker assignee reviewer reporter signatory requester""".split()
)
_NOT_PERSON_WORDS = frozenset(
    """city town village country nation state province region county district place location loc street road avenue
    neighbourhood neighborhood suburb area zone brand make manufacturer company companies organisation organization org
    employer vendor supplier merchant store shop restaurant hotel airline carrier product products item items sku model
    models category categories cat class classes label labels target species genus genre type kind color colour month
    day weekday season language lang currency team club league breed variety tag tags sentiment department dept file
    filename feature features column columns col param parameter field dataset table schema host hostname server
    service app application project course subject title job occupation profession role position drug medicine
    disease diagnosis event game movie film book song album band show channel station airport port ship vessel
    vehicle car plane planet element compound font icon asset resource workspace environment env cluster bucket
    container queue topic index metric unit domain url path id uuid guid hash sha md5 checksum version release
    sport animal pet plant flower fruit food dish ingredient style material fabric image picture photo text sentence
    review comment description summary question answer prompt query input output result results prediction
    predictions class_name""".split()
)
_VERSION_WORDS = frozenset({"version", "ver", "release", "build", "tag", "revision", "rev", "semver"})
# Keys whose long numbers are identifiers or times, not cards or phone numbers.
_ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "order", "transaction", "txn", "invoice", "tracking", "timestamp",
                       "ts", "epoch", "time", "hash", "seed", "sku", "ean", "upc", "isbn", "serial", "count", "total",
                       "amount", "sum", "population", "bytes", "size"})


@dataclass(frozen=True)
class KeyInfo:
    category: str | None  # a KINDS entry whose values the key holds, if it is a sensitive key
    person: str  # "strong" | "weak" | "neutral" | "never": how likely the key holds people's names
    versionish: bool  # holds version numbers (no IP addresses there)
    idish: bool = False  # holds identifiers, times or quantities (long numbers there are not cards or phones)


@functools.lru_cache(maxsize=4096)
def key_category(key: str | None) -> KeyInfo:
    """What a key (a dict key, a DataFrame column) tells about the values under it."""
    if not key:
        return KeyInfo(None, "neutral", False)
    norm = _normalise_key(key)
    category = next((name for name, pattern in _KEY_CATEGORIES if pattern.search(norm)), None)
    words = norm.split("_")
    last = words[-1]
    before = words[-2] if len(words) > 1 else ""
    if (last == "name" and before in _PERSON_NAME_PREFIXES) or (
            last.endswith("name") and last[:-4] in _PERSON_NAME_PREFIXES) or last in ("surname", "forename"):
        person = "strong"
    elif any(w in _NOT_PERSON_WORDS for w in words):
        person = "never"
    elif last in _PERSON_WORDS:
        person = "weak"
    else:
        person = "neutral"
    return KeyInfo(category, person, any(w in _VERSION_WORDS for w in words),
                   category is None and any(w in _ID_WORDS for w in words))


# --- placeholders ------------------------------------------------------------------------------------------

_PLACEHOLDER_WORDS = frozenset(
    """string str text value values example sample samples dummy fake test testing placeholder redacted secret
    password passwd pwd changeme change_me your_password none null nil nan n/a na tbd todo unknown anonymous anon
    user username name email e-mail phone address token key api_key apikey your_api_key your-api-key admin
    administrator guest demo default foo bar baz qux abc abcd abcdef abc123 qwerty letmein asdf hidden masked
    private confidential removed omitted yes no true false male female other""".split()
)
_PLACEHOLDER_RE = _lazy(
    r"example|sample|dummy|placeholder|redact|changeme|change[_ -]me|lorem|ipsum|xxx|\*\*|###|••|\.\.\."
    r"|<[^<>]*>|\{\{?[^{}]*\}\}?|\$\{[^}]*\}|^\$[A-Z_][A-Z0-9_]*$|%\([a-z_]+\)s|\byour[\s_-]|\bfake\b|\btest\b"
    r"|\bfoo\b|\bmy[\s_-]?(?:password|secret|key|token)|(?:^|[^a-z])(?:x{3,}|0{6,})",
    re.IGNORECASE,
)
_SEQUENTIAL = "01234567890123456789 98765432109876543210"


def _is_placeholder(text: str) -> bool:
    t = text.strip()
    if len(t) < 2:
        return True
    low = t.lower()
    if low in _PLACEHOLDER_WORDS or _PLACEHOLDER_RE.search(t):
        return True
    alnum = [c for c in low if c.isalnum()]
    if len(set(alnum)) <= 1:
        return True
    digits = "".join(c for c in t if c.isdigit())
    return len(digits) >= 4 and len(digits) == len(alnum) and digits in _SEQUENTIAL


# --- checksums ---------------------------------------------------------------------------------------------

def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def _verhoeff(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][ord(ch) - 48]]
    return c == 0


# IBAN length per country (ISO 13616 registry).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
# Example IBANs printed in banks' and standards' documentation.
_IBAN_EXAMPLES = frozenset({"GB82WEST12345698765432", "DE89370400440532013000", "GB33BUKB20201555555555",
                            "FR1420041010050500013M02606", "NL91ABNA0417164300", "BE68539007547034"})


def _iban_ok(iban: str) -> bool:
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or iban in _IBAN_EXAMPLES:
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


# --- value patterns ----------------------------------------------------------------------------------------

_PRIVATE_KEY = _lazy(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_TOKENS: tuple[tuple[str, _lazy], ...] = (
    ("an AWS access key id", _lazy(r"\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA)[A-Z0-9]{16}\b")),
    ("a GitHub token", _lazy(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})")),
    ("a GitLab token", _lazy(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", _lazy(r"\bxox[abposre]-[A-Za-z0-9-]{10,}")),
    ("a Slack webhook URL", _lazy(r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+")),
    ("a Google API key", _lazy(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a Stripe key", _lazy(r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}")),
    ("an Anthropic API key", _lazy(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("an OpenAI API key", _lazy(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("a Hugging Face token", _lazy(r"\bhf_[A-Za-z]{30,}")),
    ("an npm token", _lazy(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("a PyPI token", _lazy(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")),
    ("a SendGrid API key", _lazy(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b")),
)
_TOKEN_HINT = _lazy(r"AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA|gh[pousr]_|github_pat_|glpat-|xox"
                         r"|hooks\.slack|AIza|_live_|_test_|sk-|hf_|npm_|pypi-|SG\.")
_JWT = _lazy(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_CONN = _lazy(
    r"(?i)(?:^|[;\s])(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|AccessKey|ApiKey|Secret)\s*=\s*"
    r"([^;\s]+)"
)
_CONN_HINT = _lazy(r"(?i)DefaultEndpointsProtocol=|AccountName=|Endpoint=sb://|Server=|Data Source=|User ?Id=|Uid=")
_SAS = _lazy(r"[?&]sig=([A-Za-z0-9%+/=]{16,})")
_URL_CREDENTIALS = _lazy(r"\b[a-z][a-z0-9+.-]*://([^/\s:@]+):([^/\s@]+)@[^/\s]+", re.IGNORECASE)

_EMAIL = _lazy(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])")
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net", "example", "test", "invalid", "localhost",
                     "domain.com", "email.com", "yourdomain.com", "company.com")

_PHONE_INTL = _lazy(r"(?<![\w+])\+\d(?:[\s.\-]?\(?\d\)?){7,14}(?![\w])")
_PHONE_NANP = _lazy(r"(?<![\w+\-.])(?:1[\s.\-])?(?:\((\d{3})\)\s?|(\d{3})[\s.\-])(\d{3})[\s.\-](\d{4})(?![\w\-.])")
_PHONE_NATIONAL = _lazy(r"(?<![\w+\-.])0\d{1,4}[\s\-]\d{3,4}[\s\-]?\d{3,4}(?![\w\-.])")
_FICTIONAL_UK = ("7700900", "2079460", "1134960", "1614960", "1632960", "1174960", "1184960", "1314960",
                 "1154960", "1514960", "2890180", "2920180", "2890180")

_CARD = _lazy(r"(?<![\d.,])\d(?:[ \-]?\d){12,18}(?![\d.,])")
_CARD_GROUPING = _lazy(r"^(?:\d{13,19}|\d{4}([ \-])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ \-])\d{6}\2\d{4,5})$")
_TEST_CARDS = frozenset(
    """4111111111111111 4242424242424242 4012888888881881 4000056655665556 5555555555554444 5105105105105100
    2223003122003222 378282246310005 371449635398431 6011111111111117 6011000990139424 3056930009020004
    36227206271667 3566002020360505 6200000000000005 4000000000000002 4000000000009995 5200828282828210
    4917610000000000 4444333322221111 5454545454545454 4000000000000077 4000000000003220 378734493671000
    30569309025904 38520000023237 6011000400000000 3530111333300000 4222222222222""".split()
)

_SSN = _lazy(r"(?<![\w\-])(\d{3})-(\d{2})-(\d{4})(?![\w\-])")
_SSN_EXAMPLES = frozenset({"123456789", "078051120", "219099999", "111223333"})
_SIN = _lazy(r"(?<![\w\-])(\d{3})-(\d{3})-(\d{3})(?![\w\-])")
_NINO = _lazy(r"\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])\b")
_NINO_BAD_PREFIX = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
_DNI = _lazy(r"\b([XYZ]?)(\d{7,8})-?([A-Z])\b")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CPF = _lazy(r"(?<![\d.])(\d{3})\.(\d{3})\.(\d{3})-(\d{2})(?![\d.])")
_AADHAAR = _lazy(r"(?<![\d ])([2-9]\d{3}) (\d{4}) (\d{4})(?![\d ])")
_CN_ID = _lazy(r"(?<!\d)([1-8]\d{5})((?:19|20)\d{2})(\d{2})(\d{2})(\d{3})([\dXx])(?![\dA-Za-z])")
_NIR = _lazy(r"(?<!\d)([12])\s?(\d{2})\s?(\d{2})\s?(\d{2}|2[AB])\s?(\d{3})\s?(\d{3})\s?(\d{2})(?!\d)")
_IBAN = _lazy(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30})\b")

_IPV4 = _lazy(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = _lazy(r"(?<![\w:.])(?=[0-9A-Fa-f:.]*::|(?:[0-9A-Fa-f]{1,4}:){7})[0-9A-Fa-f:.]{2,45}(?![\w:])")
_DOC_NETWORKS = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")


@functools.cache
def _documentation_networks() -> tuple:
    return tuple(ipaddress.ip_network(n) for n in _DOC_NETWORKS)

_UUID = _lazy(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HEX = _lazy(r"^(?:0x)?[0-9a-fA-F]+$")
_B64_CHARS = _lazy(r"^[A-Za-z0-9+/=_\-]+$")
_SEPARATORS = _lazy(r"[-_./+=]")
_WORDISH = _lazy(r"[A-Z]?[a-z]{3,}")
_REPEAT = _lazy(r"(.)\1\1\1")
_SPLIT_TOKENS = _lazy(r"[\s\"'`,;()\[\]{}<>|]+")
_FILE_MAGIC_B64 = ("iVBORw0KGgo", "/9j/", "R0lGOD", "UklGR", "JVBERi0", "UEsDB", "AAAA", "SUQz", "T2dnUw", "Qk",
                   "AAABAA", "PD94bWw", "PHN2Zy", "H4sI")
_MONTH = r"(?:[Jj]an|[Ff]eb|[Mm]ar|[Aa]pr|[Mm]ay|[Jj]un|[Jj]ul|[Aa]ug|[Ss]ep|[Oo]ct|[Nn]ov|[Dd]ec)"
_DATE = _lazy(rf"\b(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})\b|\b(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{2,4}})\b"
                   rf"|\b{_MONTH}[a-z]*\.?\s+\d{{1,2}}|\b\d{{1,2}}\s+{_MONTH}")


def _entropy(text: str) -> float:
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _mixed(token: str) -> bool:
    """Upper case, lower case and digits, with a long run between separators: how generated keys look."""
    return (any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token)
            and max(len(run) for run in _SEPARATORS.split(token)) >= 16)


def _looks_random(token: str) -> bool:
    """A high-entropy token that is likely a generated secret, not an identifier, a hash or a file."""
    n = len(token)
    if n < 20 or n > 200 or not _B64_CHARS.match(token):
        return False
    if _UUID.match(token) or _HEX.match(token) or token.startswith(_FILE_MAGIC_B64):
        return False
    upper = sum(c.isupper() for c in token)
    lower = sum(c.islower() for c in token)
    digits = sum(c.isdigit() for c in token)
    if not digits or upper < 0.15 * n or lower < 0.15 * n or _REPEAT.search(token):
        return False
    # Identifiers are words joined by separators (all-MiniLM-L6-v2, model_2023_v2); random tokens have long
    # runs of mixed characters between their rare separators.
    if max(len(run) for run in _SEPARATORS.split(token)) < min(16, n // 2):
        return False
    # Identifiers in camel case (GPT4TurboPreviewModel) are mostly words; random tokens rarely hold a run of
    # three lower-case letters, and do not keep their digits at the end.
    if sum(len(word) for word in _WORDISH.findall(token)) >= 0.5 * n:
        return False
    if not any(c.isdigit() for c in token.rstrip("0123456789=")):
        return False
    return _entropy(token) >= min(4.2, math.log2(n) - 0.6)


# --- names -------------------------------------------------------------------------------------------------

_DATA = Path(__file__).with_name("data") / "first_names.txt"
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE",
                       "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "Þ": "Th", "’": "'"})


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    text = text.translate(_FOLD)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.lower()


@functools.cache
def first_names() -> dict[str, bool]:
    """The first-name list, folded (lower case, no accents) -> True when the name is ambiguous (`~`)."""
    names: dict[str, bool] = {}
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for word in line.split():
            if word[0] == "~":
                names[_fold(word[1:])] = True
            else:
                names.setdefault(_fold(word), False)
    return names


def is_first_name(word: str, *, ambiguous: bool = False) -> bool:
    """Whether `word` is a known given name; ambiguous ones (Grace, Austin) only when `ambiguous` is true."""
    flag = first_names().get(_fold(word))
    return flag is not None and (ambiguous or not flag)


_NAME_WORD = _lazy(r"^[^\W\d_](?:[^\W\d_]|['’\-])*\.?,?$")
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "madam", "mme", "mlle", "herr",
                         "frau", "sra", "srta", "mister"})
_PLACEHOLDER_NAMES = frozenset({"doe", "roe", "mustermann", "musterfrau", "bloggs", "citizen", "sixpack", "public",
                                "placeholder", "example", "sample", "test", "tester", "dummy", "fake", "anonymous",
                                "unknown", "redacted", "user", "person", "customer", "name", "firstname", "lastname",
                                "surname", "nobody", "somebody", "someone", "admin", "guest", "demo", "none", "null",
                                "n/a", "na", "other", "yes", "no", "true", "false", "male", "female", "string",
                                "patient", "employee", "client", "student", "default"})
_NOT_SURNAMES = frozenset(
    """street st road rd avenue ave lane boulevard square place springs spring station park lake river bay beach hill
    hills city town village county island islands valley mountain mount falls point harbour harbor bridge creek port
    inc corp corporation ltd llc gmbh co company group bank hotel hospital school college university academy airport
    center centre mall market restaurant cafe bar pub shop store stores foods motors tractor tractors brewery wines
    farms industries studios records airlines express foundation institute museum theatre theater church cathedral
    day law effect syndrome disease award prize cup trophy""".split()
)
_CUE = _lazy(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Mme|Mlle|Herr|Frau|Sra?|Srta)\.?\s+([A-Z][^\W\d_'’-]+(?:[-'’][^\W\d_]+)?)"
    r"|\b(?:[Mm]y name is|[Nn]ame is|[Ii] am called|[Mm]e llamo|[Jj]e m'appelle|[Ii]ch hei(?:ss|ß)e)"
    r"\s+([A-Z][^\W\d_'’-]+)"
    r"|^(?:Dear|Hi|Hello)\s+([A-Z][^\W\d_'’-]+)\s*[,!:]|\b[Cc]all me\s+([A-Z][^\W\d_'’-]+)"
)


def _name_in(text: str, person: str) -> str | None:
    """A detail string when `text` looks like a person's name under a key of this person-ness, else None."""
    words = text.split()
    if not words:
        return None
    if len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        found = _short_name(words, person)
        if found is not None or len(words) < 2:
            return found
    # Free text: only names after a cue.
    if not any(c.isupper() for c in text[1:]):
        return None
    match = _CUE.search(text)
    if match:
        name = next(g for g in match.groups() if g)
        if _fold(name) in _PLACEHOLDER_NAMES:
            return None
        if (match.group(3) or match.group(4)) and not is_first_name(name, ambiguous=True):
            return None  # "Dear Customer,", "call me Monday"
        return f"a person's name ('{name}') in free text"
    return None


def _short_name(words: list[str], person: str) -> str | None:
    bare = [w.rstrip(".,") for w in words]
    folded = [_fold(w) for w in bare]
    if any(f in _PLACEHOLDER_NAMES for f in folded):
        return None
    honorific = folded[0] in _HONORIFICS and len(words) > 1
    given_index = 0
    if "," in "".join(words[:-1]):  # "Connor, Sarah" / "Braund, Mr. Owen Harris"
        given_index = next(i for i, w in enumerate(words) if w.endswith(",")) + 1
    while given_index < len(bare) - 1 and folded[given_index] in _HONORIFICS:
        honorific = True
        given_index += 1
    given = bare[given_index]
    if person == "strong":
        if len(given) < 2 and len(bare) == 1:
            return None
        return "a person's name"
    if honorific and (person != "never") and all(w[:1].isupper() for w in bare):
        return "a person's name"
    if person == "weak":
        if is_first_name(given, ambiguous=True):
            return "a person's first name" if len(bare) == 1 else "a person's name"
        return None
    if person != "neutral" or not all(w[:1].isupper() and not (w.isupper() and len(w) > 2) for w in bare):
        return None
    if len(given) < 3 or not is_first_name(given):
        return None
    if len(bare) == 1:
        return "a person's first name"
    if any(f in _NOT_SURNAMES for f in folded[given_index + 1:]):
        return None  # Alice Springs, Victoria Station, John Deere Tractors
    return "a person's name"


# --- the walk ----------------------------------------------------------------------------------------------

def _excerpt(kind: str, text: str) -> str:
    text = text.strip()
    if kind in _MASKED:
        return text[:4] + "…" if len(text) > 6 else "…"
    return text if len(text) <= 40 else text[:37] + "…"


_MAX_DEPTH = 100


class _Scanner:
    def __init__(self, names: bool, keys: bool, allow: frozenset[str], budget: int) -> None:
        self.names = names
        self.keys = keys
        self.allow = allow
        self.budget = budget
        self.findings: list[Finding] = []

    def walk(self, value: Any, path: tuple, key: str | None) -> None:
        self.budget -= 1
        if self.budget < 0 or len(path) > _MAX_DEPTH:
            return
        kind = type(value)
        if kind is str:
            self.string(value, path, key)
        elif kind is float or value is None or kind is bool:
            return
        elif kind is dict or isinstance(value, dict):
            allow = self.allow
            for k, v in value.items():
                if type(k) is str:
                    if allow and (k.lower() in allow or _normalise_key(k) in allow):
                        continue
                    self.walk(v, path + (k,), k)
                else:
                    self.walk(v, path + (k,), key)
        elif kind is list or kind is tuple or isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                self.walk(item, path + (i,), key)
        elif kind is int or (isinstance(value, int) and not isinstance(value, bool)):
            self.integer(value, path, key)
        elif isinstance(value, str):
            self.string(str(value), path, key)

    def add(self, path: tuple, key: str | None, kind: str, detail: str, text: str) -> None:
        self.findings.append(Finding(path, key, kind, detail, _excerpt(kind, text)))

    def integer(self, value: int, path: tuple, key: str | None) -> None:
        if value < 100:
            return
        digits = str(value)
        if self.allow and digits in self.allow:
            return
        found = _judge_digits(digits, key, self.keys)
        if found is not None:
            self.add(path, key, found[0], found[1], digits)

    def string(self, text: str, path: tuple, key: str | None) -> None:
        if len(text) < 3 or (self.allow and text.strip().lower() in self.allow):
            return
        if len(text) <= 256:
            found = _judge(text, key, self.names, self.keys)
        else:
            found = _judge.__wrapped__(text, key, self.names, self.keys)
        if found is not None:
            self.add(path, key, found[0], found[1], text)


@functools.lru_cache(maxsize=8192)
def _judge(text: str, key: str | None, names: bool, keys: bool) -> tuple[str, str] | None:
    """(kind, detail) for a string under a key, or None. Cached: samples repeat values, editors re-lint."""
    info = key_category(key)
    found = _scan(text, info)
    if found is None and names and info.person != "never" and text[:1].isalpha():
        detail = _name_in(text, info.person)
        if detail is not None:
            found = ("person-name", detail)
    if found is None and keys and info.category is not None:
        found = _by_key(info.category, text)
    return found


@functools.lru_cache(maxsize=4096)
def _judge_digits(digits: str, key: str | None, keys: bool) -> tuple[str, str] | None:
    """The same for an integer (given as its digits)."""
    info = key_category(key)
    if 13 <= len(digits) <= 19 and not info.idish:
        detail = _card(digits)
        if detail:
            return "payment-card", detail
    if keys and info.category is not None:
        return _by_key(info.category, digits)
    return None


def _by_key(category: str, text: str) -> tuple[str, str] | None:
    """A value that no pattern recognised, under a key that says what it is."""
    if _is_placeholder(text) or not _fits_category(category, text):
        return None
    return category, f"{KINDS[category][0]} (going by the key's name)"


def _fits_category(category: str, text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    alnum = sum(c.isalnum() for c in text)
    if category == "email":
        return "@" in text
    if category == "phone":
        only = "".join(c for c in text if c.isdigit())
        fictional = only.startswith("555") or only[3:6] == "555" or only[4:7] == "555" or _fictional_phone(only)
        return 7 <= digits <= 15 and digits >= 0.7 * alnum and not fictional
    if category in ("national-id", "bank-account"):
        return digits >= 5 and " " not in text.strip()[:1]
    if category == "payment-card":
        return digits >= 12 or (3 <= digits <= 4 and digits == alnum)  # a number, or a CVV
    if category == "iban":
        return alnum >= 15
    if category == "date-of-birth":
        match = _DATE.search(text)
        if match is None:
            return False
        parts = [g for g in match.groups() if g]
        return not (len(parts) == 3 and (parts[1:] == ["01", "01"] or parts[:2] in (["01", "01"], ["1", "1"])
                                         or parts[1:] == ["1", "1"]))
    if category == "ip-address":
        return _ip(text, key_says_ip=True) is not None
    if category == "postal-address":
        words = text.split()
        return len(words) >= 2 and (digits > 0 or len(words) >= 3) and digits < alnum
    if category == "password":
        return len(text.strip()) >= 4
    if category == "secret":
        t = text.strip()
        return len(t) >= 12 and " " not in t and (any(c.isdigit() for c in t) or not t.islower())
    return False


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _scan(text: str, info: KeyInfo) -> tuple[str, str] | None:
    """The first recognised kind of sensitive value in a string, with its detail."""
    if "-----BEGIN" in text and _PRIVATE_KEY.search(text):
        return "secret", "a private key block"
    if _TOKEN_HINT.search(text):
        for detail, pattern in _TOKENS:
            match = pattern.search(text)
            if match and not _is_placeholder(match.group()) and "EXAMPLE" not in match.group():
                if detail == "an OpenAI API key" and not _mixed(match.group()[3:]):
                    continue  # sk-learn-pipeline-v2 is a name, not a key
                return "secret", detail
    if "eyJ" in text:
        match = _JWT.search(text)
        if match and _jwt_ok(match.group()):
            return "secret", "a JSON Web Token"
    if "=" in text:
        found = _credentials(text)
        if found:
            return "secret", found
    if "://" in text:
        match = _URL_CREDENTIALS.search(text)
        if match and not _is_placeholder(match.group(2)) and match.group(2).lower() not in ("password", "pass", "pwd"):
            return "secret", "a URL with a password"
    if "@" in text:
        for match in _EMAIL.finditer(text):
            domain = match.group(1).lower()
            if not (domain in _RESERVED_DOMAINS or domain.endswith(tuple("." + d for d in _RESERVED_DOMAINS))):
                return "email", "an e-mail address"
    digit_count = len(text) - len(text.translate(_NO_DIGITS))
    if digit_count >= 6 and not info.idish:
        found = _numbers(text)
        if found:
            return found
    if digit_count >= 3 and ("." in text or ":" in text) and not info.versionish:
        detail = _ip(text, key_says_ip=info.category == "ip-address")
        if detail:
            return "ip-address", detail
    if len(text) >= 20:
        for token in _SPLIT_TOKENS.split(text) if not _B64_CHARS.match(text) else (text,):
            if _looks_random(token) and not _is_placeholder(token):
                return "secret", "a high-entropy string (an API key or token?)"
    return None


def _jwt_ok(token: str) -> bool:
    for part in token.split(".")[:2]:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (ValueError, binascii.Error):
            return False
        if not isinstance(decoded, dict):
            return False
    return True


def _credentials(text: str) -> str | None:
    if "sig=" in text:
        match = _SAS.search(text)
        if match and ("sv=" in text or "se=" in text or "sp=" in text) and not _is_placeholder(match.group(1)):
            return "a shared access signature (SAS)"
    for match in _CONN.finditer(text):
        name, secret = match.group(1), match.group(2)
        if _is_placeholder(secret):
            continue
        if name.lower() in ("password", "pwd", "secret", "apikey") and not _CONN_HINT.search(text):
            continue  # "password=..." in prose is not a connection string
        return f"a connection string with {name}="
    return None


def _card(digits: str) -> str | None:
    n = len(digits)
    if not 13 <= n <= 19 or digits in _TEST_CARDS or len(set(digits)) <= 2 or not _luhn(digits):
        return None
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4" and n in (13, 16, 19):
        network = "Visa"
    elif (51 <= two <= 55 or 2221 <= four <= 2720) and n == 16:
        network = "Mastercard"
    elif two in (34, 37) and n == 15:
        network = "American Express"
    elif (digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649) and n in (16, 19):
        network = "Discover"
    elif 3528 <= four <= 3589 and n in (16, 17, 18, 19):
        network = "JCB"
    elif (two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305) and n in (14, 16):
        network = "Diners Club"
    elif two == 62 and n in (16, 17, 18, 19):
        network = "UnionPay"
    elif (two == 50 or 56 <= two <= 69) and 12 <= n <= 19:
        network = "Maestro"
    else:
        return None
    return f"a payment card number (Luhn-valid {network})"


def _numbers(text: str) -> tuple[str, str] | None:
    """Cards, national IDs, IBANs and phone numbers: the kinds made of many digits."""
    for match in _CARD.finditer(text):
        raw = match.group()
        if _CARD_GROUPING.match(raw):
            detail = _card(re.sub(r"\D", "", raw))
            if detail:
                return "payment-card", detail
    for match in _SSN.finditer(text):
        area, group, serial = match.groups()
        if (area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"
                and area + group + serial not in _SSN_EXAMPLES and len(set(area + group + serial)) > 1):
            return "national-id", "a US social security number"
    for match in _SIN.finditer(text):
        digits = "".join(match.groups())
        if digits[0] not in "08" and _luhn(digits) and digits != "046454286" and len(set(digits)) > 1:
            return "national-id", "a Canadian social insurance number"
    if any(c.isupper() for c in text):
        for match in _NINO.finditer(text):
            if match.group(1) not in _NINO_BAD_PREFIX and match.group().replace(" ", "") != "AB123456C":
                return "national-id", "a UK National Insurance number"
        for match in _DNI.finditer(text):
            prefix, number, letter = match.groups()
            value = int(str("XYZ".index(prefix)) + number) if prefix else int(number)
            if (len(number) == (7 if prefix else 8) and _DNI_LETTERS[value % 23] == letter
                    and number not in ("12345678", "00000000", "99999999")):
                return "national-id", "a Spanish DNI/NIE number"
        for match in _IBAN.finditer(text):
            iban = match.group(1).replace(" ", "")
            if _iban_ok(iban):
                return "iban", "an IBAN (valid check digits)"
    for match in _CPF.finditer(text):
        digits = "".join(match.groups())
        if len(set(digits)) > 1 and _cpf_ok(digits):
            return "national-id", "a Brazilian CPF number"
    for match in _AADHAAR.finditer(text):
        digits = "".join(match.groups())
        if _verhoeff(digits) and len(set(digits)) > 2:
            return "national-id", "an Indian Aadhaar number"
    for match in _CN_ID.finditer(text):
        if _cn_id_ok(match.group().upper()):
            return "national-id", "a Chinese resident identity number"
    for match in _NIR.finditer(text):
        if _nir_ok(match.groups()):
            return "national-id", "a French social security number (NIR)"
    for match in _PHONE_INTL.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 8 <= len(digits) <= 15 and len(set(digits[1:])) > 2 and not _fictional_phone(digits):
            return "phone", "a phone number"
    for match in _PHONE_NANP.finditer(text):
        area = match.group(1) or match.group(2)
        exchange = match.group(3)
        if area[0] in "01" or exchange[0] in "01" or exchange == "555" or area[1:] == "11":
            continue
        if len(set(area + exchange + match.group(4))) > 2:
            return "phone", "a phone number"
    for match in _PHONE_NATIONAL.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 10 <= len(digits) <= 11 and len(set(digits)) > 3 and not _fictional_phone("44" + digits[1:]):
            return "phone", "a phone number"
    return None  # bare digit strings are left to the key-based check (a phone number under `phone`)


def _fictional_phone(digits: str) -> bool:
    """Ranges reserved for fiction: North American 555 exchanges, the UK's drama numbers (Ofcom), written
    internationally (+44 20 7946 0xxx) or nationally (020 7946 0xxx)."""
    if digits.startswith("1") and len(digits) == 11 and digits[4:7] == "555":
        return True
    national = digits[2:] if digits.startswith("44") else digits[1:] if digits.startswith("0") else None
    return national is not None and national.startswith(_FICTIONAL_UK)


def _cpf_ok(digits: str) -> bool:
    for length in (9, 10):
        total = sum(int(d) * (length + 1 - i) for i, d in enumerate(digits[:length]))
        check = (total * 10) % 11 % 10
        if check != int(digits[length]):
            return False
    return True


def _cn_id_ok(text: str) -> bool:
    year, month, day = int(text[6:10]), int(text[10:12]), int(text[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2099):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(text[:17], weights))
    return "10X98765432"[total % 11] == text[17]


def _nir_ok(groups: tuple[str, ...]) -> bool:
    sex, year, month, department, commune, order, key = groups
    if not (1 <= int(month) <= 12 or 20 <= int(month) <= 99):
        return False
    dep = department.replace("2A", "19").replace("2B", "18")
    number = int(sex + year + month + dep + commune + order)
    return 97 - number % 97 == int(key)


def _ip(text: str, *, key_says_ip: bool) -> str | None:
    for match in _IPV4.finditer(text):
        try:
            address = ipaddress.IPv4Address(match.group())
        except ValueError:
            continue
        if not key_says_ip and all(int(part) < 10 for part in match.group().split(".")):
            continue  # 1.2.3.4 reads as a version number
        detail = _ip_detail(address, key_says_ip)
        if detail:
            return detail
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            try:
                address6 = ipaddress.IPv6Address(match.group())
            except ValueError:
                continue
            detail = _ip_detail(address6, key_says_ip)
            if detail:
                return detail
    return None


def _ip_detail(address: ipaddress.IPv4Address | ipaddress.IPv6Address, key_says_ip: bool) -> str | None:
    if address.is_loopback or address.is_unspecified or any(address in net for net in _documentation_networks()):
        return None
    if address.is_global:
        return f"a public IPv{address.version} address"
    if key_says_ip and (address.is_private or address.is_link_local):
        return f"a private IPv{address.version} address"
    return None
