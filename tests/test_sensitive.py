"""The sensitive-data detector (scorelint/sensitive.py) and the rule built on it (SL301 sensitive-sample-data).

The tables hold what a sample must be flagged for and, as importantly, what it must not: ordinary words,
cities, numbers, dates, category labels, identifiers, model names and the usual placeholders. The rule is
also checked against the real inference-schema: the sample it evaluates statically must give the same
findings as the `example` inference-schema itself puts in the Swagger document.
"""

from __future__ import annotations

import base64
import random
import re
import string
import textwrap
import timeit
from pathlib import Path

import pytest

from scorelint import sensitive
from scorelint.api import Linter
from scorelint.config import Settings
from scorelint.sensitive import KINDS, find_sensitive, first_names, is_first_name, key_category

SEEDS = Path("/work/shared/seeds")

# (value, kind, key of the finding). One finding expected.
POSITIVES = [
    # e-mail
    ({"email": "sarah.connor@gmail.com"}, "email", "email"),
    ("Contact me at j.smith@contoso.com please", "email", None),
    ({"contact": {"work": "Priya.Sharma+ml@fabrikam.co.in"}}, "email", "work"),
    # phone
    ({"phone": "+44 20 7123 4567"}, "phone", "phone"),
    ("(425) 882-8080", "phone", None),
    ({"contact": "425-882-8080"}, "phone", "contact"),
    ("+33 6 12 34 56 78", "phone", None),
    ({"phoneNumber": 4258828080}, "phone", "phoneNumber"),
    ({"mobile": "07911 123456"}, "phone", "mobile"),
    # payment cards (Luhn-valid, with a network prefix)
    ("4539 1488 0343 6467", "payment-card", None),
    (4539148803436467, "payment-card", None),
    ("5425-2334-3010-9903", "payment-card", None),
    ("3715 902478 11632", "payment-card", None),
    ({"card_number": "4000 1234 5678 9010"}, "payment-card", "card_number"),
    ({"cvv": "737"}, "payment-card", "cvv"),
    # national IDs
    ({"ssn": "536-22-1234"}, "national-id", "ssn"),
    ("536-22-1234", "national-id", None),
    ("JT 12 34 56 C", "national-id", None),
    ("X1234567L", "national-id", None),
    ("87654321X", "national-id", None),
    ("111.444.777-35", "national-id", None),
    ("2345 6789 0124", "national-id", None),
    ("11010519491231002X", "national-id", None),
    ("130-692-544", "national-id", None),
    ("1 84 12 76 451 089 46", "national-id", None),
    ({"passport_no": "C01X00T47"}, "national-id", "passport_no"),
    # IBAN (mod 97)
    ("GB29 NWBK 6016 1331 9268 19", "iban", None),
    ("DE44500105175407324931", "iban", None),
    ({"iban": "NL02ABNA0123456789"}, "iban", "iban"),
    ({"account_number": "31926819"}, "bank-account", "account_number"),
    # IP addresses
    ("123.45.67.89", "ip-address", None),
    ({"client_ip": "10.1.2.3"}, "ip-address", "client_ip"),
    ("2606:4700:4700::1111", "ip-address", None),
    ("request from 81.2.69.160 at noon", "ip-address", None),
    # people's names
    ({"name": ["Sarah"]}, "person-name", "name"),
    ({"first_name": "Gertrude"}, "person-name", "first_name"),
    ({"LastName": "Okonkwo"}, "person-name", "LastName"),
    ({"customer": "Priya"}, "person-name", "customer"),
    ({"name": "jordan"}, "person-name", "name"),
    ("Sarah Connor", "person-name", None),
    ("José García", "person-name", None),
    ("Braund, Mr. Owen Harris", "person-name", None),
    ("Connor, Sarah", "person-name", None),
    ("My name is Ayesha and I need help with my order", "person-name", None),
    ("Dear Fatima, thanks for your order", "person-name", None),
    ("Hi Grace, your order has shipped", "person-name", None),
    ("my name is Okonkwo and I want a refund", "person-name", None),
    ({"holder": {"name": "Mohammed"}}, "person-name", "name"),
    ({"passenger_name": "Kim Lee"}, "person-name", "passenger_name"),
    ({"patient": "Olga"}, "person-name", "patient"),
    # secrets
    ("AKIAZ3MSJV4WWYH6QK7N", "secret", None),
    ("ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "secret", None),
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "secret", None),
    ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
     "sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "secret", None),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "secret", None),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA", "secret", None),
    ("DefaultEndpointsProtocol=https;AccountName=mystore;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi"
     "Y2RlZmdoaWprbG1ub3A=;EndpointSuffix=core.windows.net", "secret", None),
    ("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=q8Zk2Lm9Xp4Rt7Vb1Nc6Hd3Jf0="
     , "secret", None),
    ("Server=tcp:db.database.windows.net,1433;User ID=ml;Password=Tr0ub4dor&3;", "secret", None),
    ("https://acct.blob.core.windows.net/c/b.csv?sv=2022-11-02&se=2026-01-01&sp=r"
     "&sig=Ab3dE%2Bf9GhIjKlMnOpQrStUvWxYz0123456789abc%3D", "secret", None),
    ("postgresql://admin:S3cr3tP4ss@db.internal:5432/prod", "secret", None),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8HAK3J4t", "secret", None),
    ("sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56", "secret", None),
    ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "secret", None),
    ("hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh", "secret", None),
    ("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", "secret", None),
    ({"api_key": "f3a9c2d1e4b5a6978877665544332211"}, "secret", "api_key"),
    ({"client_secret": "Q~8vP.2dk_aZr4mN9"}, "secret", "client_secret"),
    # sensitive keys
    ({"password": "hunter22"}, "password", "password"),
    ({"dob": "1987-06-14"}, "date-of-birth", "dob"),
    ({"DateOfBirth": "14/06/1987"}, "date-of-birth", "DateOfBirth"),
    ({"birthday": "June 14, 1987"}, "date-of-birth", "birthday"),
    ({"address": "221B Baker Street, London"}, "postal-address", "address"),
    ({"billing_address": "1 Microsoft Way, Redmond, WA 98052"}, "postal-address", "billing_address"),
]

# Values that must not be flagged, and why they look tempting.
NEGATIVES = [
    {"name": "sepal length"},  # a feature name under `name`
    "Paris", "Grace", "Summer", "Austin", "Jordan",  # names that are also places and words: not alone
    {"city": "Sydney"}, {"city": "Victoria"}, {"country": "Jordan"},  # under a place key, never
    {"brand": "John Deere"}, {"company_name": "Sarah Lee Corp"}, {"product": "Jade Garden"}, {"label": "Ruby"},
    "I bought a John Deere tractor last spring",  # names in free text without a cue
    "Alice Springs", "Victoria Station", "Charlotte Street",  # places made of a name
    {"age": 25}, 1234567, 3.14159, [1.0, 2.0, 3.0], {"lat": 47.6062, "lon": -122.3321}, {"zip": 98052},
    "2023-01-15", "2023-01-15T10:30:00Z", "10:30:45", "15/01/2023",  # dates and times alone
    {"email": "user@example.com"}, "jane@contoso.test",  # reserved domains
    {"phone": "555-0100"}, "+1 425 555 0100", "+1 (425) 555-0199", "020 7946 0958", "123-456-7890",  # fictional
    {"phone": "020 7946 0958"}, {"mobile": "07700 900123"}, {"tel": "+44 20 7946 0000"},  # UK drama ranges, by key
    "4111 1111 1111 1111", "4242424242424242", "1234 5678 9012 3456",  # test cards, not Luhn-valid
    "1.2.3.4", {"version": "10.2.3.4"}, "Version 1.0.0.1", "192.168.1.1", "192.0.2.1", "2001:db8::1", "127.0.0.1",
    "123-45-6789", "078-05-1120", {"ssn": "XXX-XX-XXXX"}, {"ssn": "***-**-1234"}, "AB123456C", "12345678Z",
    {"password": "<password>"}, {"password": "changeme"}, {"api_key": "your-api-key"}, {"token": "${API_TOKEN}"},
    {"secret": "***"}, {"password": ""}, {"password": None},
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # AWS's documentation examples
    "Jane Doe", "John Doe", "Max Mustermann", {"first_name": "Test"}, {"customer_name": "Unknown"},
    {"workclass": "Private", "education": "Bachelors", "sex": "Male", "race": "White",
     "native-country": "United-States", "occupation": "Adm-clerical", "relationship": "Husband"},
    {"PhoneService": "Yes", "customerID": "7590-VHVEG", "PaymentMethod": "Electronic check", "MonthlyCharges": 29.85},
    "bert-base-uncased", "sentence-transformers/all-MiniLM-L6-v2", "ThisIsMyVeryLongModelName2023",
    "GPT4TurboPreview1106Model", "Standard_NC24ads_A100_v4", "meta-llama/Llama-2-7b-chat-hf",
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "550e8400-e29b-41d4-a716-446655440000", "d41d8cd98f00b204e9800998ecf8427e",  # UUID, MD5
    {"dob": "2000-01-01"}, {"dob": "01/01/1990"},  # placeholder dates
    {"text": "The quick brown fox jumps over the lazy dog"}, {"tokens": ["the", "cat"]},
    {"token_ids": [101, 2023, 2003, 102]}, {"token": "hello"},
    "Setosa", "Iris-setosa", {"species": "Virginica"}, "New York", "Los Angeles", "United Kingdom",
    {"month": "June"}, {"day": "Monday"}, "Male", "Female", {"mobile": 1}, {"has_email": True},
    {"email_opened": "yes"}, {"ip_count": 3}, {"id": 4539148803436467}, {"order_id": "4539 1488 0343 6467"},
    {"timestamp": 1700000000000}, "sk-learn-pipeline-2023-final", "Hello world", "Great product, would buy again!",
    "ERROR", "positive", "9780306406157", {"isbn": "978-0-306-40615-7"}, "00:1A:2B:3C:4D:5E",
    {"address": "Redmond"}, {"phone": "Yes"}, {"Inputs": {"data": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]},
                                                "GlobalParameters": 1.0},
    "model_2023_01_15_v2.pkl", "azureml://registries/azureml/models/phi/versions/3", "Dear Customer, hello", "Please call me Monday about the invoice",
]


@pytest.mark.parametrize("value,kind,key", POSITIVES, ids=[repr(p[0])[:50] for p in POSITIVES])
def test_positive(value, kind, key):
    found = find_sensitive(value)
    assert [(f.kind, f.key) for f in found] == [(kind, key)], found
    assert found[0].detail and kind in KINDS


@pytest.mark.parametrize("value", NEGATIVES, ids=[repr(n)[:50] for n in NEGATIVES])
def test_negative(value):
    assert find_sensitive(value) == []


def test_documents_sample_is_flagged_with_its_column():
    found = find_sensitive({"name": ["Sarah", "John"], "age": [25, 26]})
    assert [(f.path, f.key, f.kind) for f in found] == [
        (("name", 0), "name", "person-name"), (("name", 1), "name", "person-name")]
    # As inference-schema writes it in the Swagger document (records).
    found = find_sensitive([{"name": "Sarah", "age": 25}, {"name": "John", "age": 26}], path=("input2",))
    assert [f.path for f in found] == [("input2", 0, "name"), ("input2", 1, "name")]


def test_path_gives_the_key_of_a_top_level_scalar():
    assert find_sensitive("hunter22", path=("example", "password"))[0].key == "password"
    assert find_sensitive("hunter22") == []


def test_excerpt_masks_secrets_and_numbers():
    [card] = find_sensitive("4539 1488 0343 6467")
    assert card.excerpt == "4539…"
    [key] = find_sensitive("AKIAZ3MSJV4WWYH6QK7N")
    assert "Z3MSJV4W" not in key.excerpt
    [name] = find_sensitive({"name": "Sarah"})
    assert name.excerpt == "Sarah"


def test_options():
    sample = {"name": ["Sarah"], "contact": "qa-team@contoso.com", "password": "hunter22"}
    assert {f.kind for f in find_sensitive(sample)} == {"person-name", "email", "password"}
    assert {f.kind for f in find_sensitive(sample, names=False)} == {"email", "password"}
    assert {f.kind for f in find_sensitive(sample, keys=False)} == {"person-name", "email"}
    assert {f.kind for f in find_sensitive(sample, allow=["QA-team@contoso.com", "Name"])} == {"password"}


@pytest.mark.parametrize("key,category,person", [
    ("customerEmail", "email", "neutral"), ("E-Mail", "email", "neutral"), ("DOB", "date-of-birth", "neutral"),
    ("IPAddress", "ip-address", "neutral"), ("PhoneService", None, "never"), ("email_opened", None, "neutral"),
    ("first name", None, "strong"), ("FirstName", None, "strong"), ("customer_name", None, "strong"),
    ("product_name", None, "never"), ("city", None, "never"), ("name", None, "weak"), ("zip", None, "neutral"),
    ("social_security_number", "national-id", "neutral"), ("credit_card", "payment-card", "neutral"),
    ("mac_address", "postal-address", "neutral"), ("token_ids", None, "neutral"), ("access_token", "secret", "neutral"),
])
def test_key_category(key, category, person):
    info = key_category(key)
    assert (info.category, info.person) == (category, person)


def test_checksums():
    assert sensitive._luhn("4539148803436467") and not sensitive._luhn("4539148803436468")
    assert sensitive._iban_ok("GB29NWBK60161331926819") and not sensitive._iban_ok("GB29NWBK60161331926818")
    assert sensitive._iban_ok("DE44500105175407324931") and not sensitive._iban_ok("DE4450010517540732493")
    assert sensitive._verhoeff("234567890124") and not sensitive._verhoeff("234567890123")
    assert sensitive._cpf_ok("11144477735") and not sensitive._cpf_ok("11144477736")
    assert sensitive._cn_id_ok("11010519491231002X") and not sensitive._cn_id_ok("110105194912310021")


def test_first_name_list():
    names = first_names()
    assert len(names) > 3000
    for name in ("Sarah", "John", "Maria", "Mohammed", "Priya", "Wei", "Hiroshi", "Chinedu", "Olga", "José", "Søren",
                 "Zoë", "Łukasz", "Seo-yeon", "Jean-Pierre"):
        assert is_first_name(name), name
    for word in ("Grace", "Austin", "Paris", "Ruby", "Summer", "Will", "Mark", "German", "Bert"):
        assert not is_first_name(word) and is_first_name(word, ambiguous=True), word
    for word in ("Private", "Bachelors", "Setosa", "London", "Tesla", "White", "Monday", "Python"):
        assert not is_first_name(word, ambiguous=True), word
    # The data file: names only, no surname or phrase slipped in as a hyphenated combination.
    text = (Path(sensitive.__file__).parent / "data" / "first_names.txt").read_text(encoding="utf-8")
    words = [w for line in text.splitlines() if not line.startswith("#") for w in line.split()]
    assert all(re.fullmatch(r"~?[A-Z][A-Za-z]*(?:-[A-Za-z]+)?", w) for w in words)
    assert len({w.lstrip("~").lower() for w in words}) == len(words)


def test_name_list_is_loaded_only_for_name_shaped_values():
    first_names.cache_clear()
    sensitive._judge.cache_clear()
    find_sensitive({"data": [[1.0, 2.0]], "label": "positive", "id": "550e8400-e29b-41d4-a716-446655440000"})
    assert first_names.cache_info().currsize == 0
    find_sensitive({"name": "Sarah"})
    assert first_names.cache_info().currsize == 1


def test_high_entropy_recall_and_identifiers():
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits
    tokens = ["".join(rng.choice(alphabet) for _ in range(40)) for _ in range(300)]
    tokens += [base64.b64encode(rng.randbytes(30)).decode() for _ in range(300)]
    recall = sum(bool(find_sensitive(t)) for t in tokens) / len(tokens)
    assert recall > 0.9, recall


TYPICAL = {"Inputs": {"data": [{
    "age": 39, "workclass": "State-gov", "fnlwgt": 77516, "education": "Bachelors", "education-num": 13,
    "marital-status": "Never-married", "occupation": "Adm-clerical", "relationship": "Not-in-family", "race": "White",
    "sex": "Male", "capital-gain": 2174, "capital-loss": 0, "hours-per-week": 40, "native-country": "United-States",
}]}, "GlobalParameters": 1.0}


def test_cost_of_a_typical_sample():
    first_names()  # the one-off list load (about 2 ms) is measured apart

    def uncached():
        sensitive._judge.cache_clear()
        sensitive._judge_digits.cache_clear()
        find_sensitive(TYPICAL)

    cold = min(timeit.repeat(uncached, number=200, repeat=5)) / 200
    warm = min(timeit.repeat(lambda: find_sensitive(TYPICAL), number=200, repeat=5)) / 200
    print(f"\nfind_sensitive on a 14-field sample: {cold * 1e6:.0f} us uncached, {warm * 1e6:.0f} us cached")
    assert cold < 1e-3 and warm < cold


# --- the rule ------------------------------------------------------------------------------------------

HEADER = """\
import json
import numpy as np
import pandas as pd
from inference_schema.schema_decorators import input_schema, output_schema
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

def init():
    pass

"""


def lint(body: str, **rule_options):
    settings = Settings(select=("SL301",), rule_options={"sensitive-sample-data": rule_options} if rule_options else {})
    result = Linter(settings).lint_text(HEADER + textwrap.dedent(body), "score.py")
    assert result.error is None and not result.internal_errors, (result.error, result.internal_errors)
    return [d for d in result.diagnostics if d.code == "SL301"]


def test_rule_on_the_documents_example():
    """The seeds' Power BI example, in all three languages: the two first names, nothing else."""
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:
        pytest.fail(f"no seed documents in {SEEDS}")
    checked = 0
    for seed in seeds:
        text = seed.read_text(encoding="utf-8")
        if "'Sarah', 'John'" not in text:
            continue
        start = text.index("numpy_sample_input = ")
        end = text.index("@input_schema", start)
        samples = text[start:end]
        body = samples + "@input_schema('Inputs', sample_input)\ndef run(Inputs):\n    return [1.0]\n"
        found = lint(body)
        assert [d.message.split("'")[1] for d in found] == ["Sarah", "John"], (seed.name, found)
        assert all("column 'name'" in d.message and "Swagger" in d.help for d in found)
        checked += 1
    assert checked >= 3


def test_rule_reports_at_the_value_with_key_and_options():
    body = """\
        people = pd.DataFrame(data=[["Priya Sharma", "priya.sharma@outlook.com", 31]], columns=["customer", "contact", "age"])

        @input_schema("data", PandasParameterType(people))
        def run(data):
            return 1
        """
    found = lint(body)
    assert [(d.line, d.column) for d in found] == [(12, 29), (12, 45)]
    assert "under column 'customer'" in found[0].message and "e-mail address" in found[1].message
    assert [d.message.split("'")[1] for d in lint(body, allow=["priya.sharma@outlook.com"])] == ["Priya Sharma"]
    assert len(lint(body, names=False)) == 1


def test_rule_follows_variables_nesting_and_constructors():
    found = lint("""\
        inner = {"owner": {"first_name": "Gertrude", "ip": "81.2.69.160"}}
        arr = np.array([["4539 1488 0343 6467"]])
        series = pd.Series(["hunter22"], name="password")
        records = pd.DataFrame.from_records([("Olga", 3)], columns=["patient", "visits"])
        parsed = json.loads('{"contact": "olga.ivanova@yandex.ru"}')
        sample = StandardPythonParameterType({"a": inner, "b": NumpyParameterType(arr), **{"c": parsed},
                                              "d": dict(e=PandasParameterType(pd.DataFrame({"pw": series}))),
                                              "f": [*["Wei Zhang"]], "g": PandasParameterType(records)})

        @input_schema("data", sample)
        def run(data):
            return 1
        """)
    kinds = sorted(d.message.split(" looks like ")[1].split(",")[0] for d in found)
    assert len(found) == 7, [d.message for d in found]
    assert any("a payment card number" in k for k in kinds) and any("e-mail" in k for k in kinds)
    lines = sorted(d.line for d in found)
    assert lines == [12, 12, 13, 14, 15, 16, 19]


def test_rule_ignores_samples_it_cannot_know_and_non_schema_data():
    assert lint("""\
        sample = pd.read_csv("sample.csv")
        names = ["Sarah", "John"]  # not a sample

        @input_schema("data", PandasParameterType(sample))
        def run(data):
            return {"who": names}
        """) == []


def test_rule_with_aliases_and_module_import():
    found = lint("""\
        import inference_schema.parameter_types.standard_py_parameter_type as spt
        from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType as PPT

        @input_schema("a", spt.StandardPythonParameterType({"email": "kwame@ghana-mail.com"}))
        @output_schema(PPT(pd.DataFrame({"name": ["Sarah"]})))
        def run(a):
            return a
        """)
    assert len(found) == 2


# The same samples, built for real by inference-schema: the rule's static evaluation must find what the
# detector finds in the Swagger `example` inference-schema produces (what the sandbox rule sees).
DIFFERENTIAL = [
    """sample = PandasParameterType(pd.DataFrame({"name": ["Sarah", "John"], "age": [25, 26]}))""",
    """sample = StandardPythonParameterType({"input1": NumpyParameterType(np.array([[1.0, 2.0]])),
                                      "input2": PandasParameterType(pd.DataFrame({"customer": ["Priya"],
                                                                                  "email": ["p@contoso.com"]})),
                                      "input3": StandardPythonParameterType(0.0)})""",
    """sample = PandasParameterType(pd.DataFrame(data=[["Kwame Mensah", "+44 20 7123 4567", 40]],
                                              columns=["full_name", "phone", "age"]))""",
    """sample = StandardPythonParameterType({"Inputs": {"data": [{"ssn": "536-22-1234", "city": "Paris",
                                                               "card": "4539 1488 0343 6467"}]}})""",
    """sample = StandardPythonParameterType(json.loads('{"rows": [{"user": "Mohammed", "ip": "81.2.69.160"}]}'))""",
]


@pytest.mark.parametrize("code", DIFFERENTIAL)
def test_rule_matches_the_real_swagger_example(code):
    namespace: dict = {}
    exec(HEADER + textwrap.dedent(code), namespace)  # our own fixture code, building real parameter types
    example = namespace["sample"].input_to_swagger()["example"]
    expected = sorted((f.kind, f.key) for f in find_sensitive(example))
    assert expected, "the fixture must contain something to find"
    found = lint(code + "\n\n@input_schema('data', sample)\ndef run(data):\n    return 1\n")
    pattern = re.compile(r"under (?:column|key) '([^']+)' looks like (.+)$")
    got = sorted((_kind_of(m.group(2)), m.group(1)) for m in (pattern.search(d.message) for d in found))
    assert got == expected, [d.message for d in found]


def _kind_of(detail: str) -> str:
    """The KINDS entry a finding's detail belongs to (the detector's details start with the kind's wording)."""
    prefixes = {
        "a person's": "person-name", "a payment card": "payment-card", "an e-mail": "email", "a phone": "phone",
        "a US social": "national-id", "a public IP": "ip-address", "a private IP": "ip-address",
    }
    prefixes.update({description: kind for kind, (description, _) in KINDS.items()})
    return next(kind for prefix, kind in prefixes.items() if detail.startswith(prefix))


def test_hostile_documents_stay_cheap():
    deep: object = "sarah@contoso.com"
    for _ in range(5000):
        deep = [deep]
    assert find_sensitive(deep) == []  # below the depth limit: not reached, and no RecursionError
    wide = ["filler"] * 300_000 + ["sarah@contoso.com"]
    assert find_sensitive(wide) == []  # past the value budget
    assert len(find_sensitive(wide, max_values=400_000)) == 1


def test_rule_options_from_pyproject(tmp_path):
    from scorelint.config import ConfigError, load_settings

    script = HEADER + textwrap.dedent("""\
        @input_schema("data", StandardPythonParameterType({"name": "Sarah", "contact": "qa@contoso.com"}))
        def run(data):
            return 1
        """)
    (tmp_path / "pyproject.toml").write_text('[tool.scorelint]\nselect = ["SL301"]\n')
    assert len(Linter(load_settings(tmp_path)).lint_text(script, "score.py").diagnostics) == 2
    (tmp_path / "pyproject.toml").write_text(
        '[tool.scorelint]\nselect = ["SL301"]\n\n[tool.scorelint.rules.sensitive-sample-data]\n'
        'allow = ["qa@contoso.com"]\nnames = false\n')
    result = Linter(load_settings(tmp_path)).lint_text(script, "score.py")
    assert result.error is None and [d.code for d in result.diagnostics] == []
    (tmp_path / "pyproject.toml").write_text('[tool.scorelint.rules.sensitive-sample-data]\nallow = "qa@contoso.com"\n')
    with pytest.raises(ConfigError, match="allow must be a list"):
        Linter(load_settings(tmp_path)).lint_text(script, "score.py")
