from __future__ import annotations

from dataclasses import dataclass, field

from scorelint.model import Severity
from scorelint.rule import Rule, RuleOptions


class SensitiveSwaggerExample(Rule):
    """The Swagger document the server would publish holds personal or secret data in an example (sandbox only).

    ## What it does
    With `scorelint check --sandbox`, builds the Swagger/OpenAPI documents exactly as the server would
    serve them at `/swagger.json`, and runs the sensitive-data detector (the one behind
    `sensitive-sample-data`) over every `example` in them: e-mail addresses, phone numbers, payment
    cards, national ID numbers, IBANs, public IP addresses, people's names, API keys, tokens and
    passwords. Unlike the static rule, it sees samples the source does not spell out: read from a CSV
    file or a database, built by a function, or taken from a training set. Values written literally in
    the script are left to the static rule.

    ## Why is this bad?
    inference-schema publishes the sample verbatim as the example of the service's Swagger document,
    which the endpoint serves to anyone who can reach it, and which tools copy into client code and
    documentation. A sample taken from real data publishes a real customer's details.

    ## Example
    ```python
    sample = pd.read_csv("customers.csv").head(2)  # real names, e-mails and phone numbers

    @input_schema("data", PandasParameterType(sample))
    def run(data):
        ...
    ```

    ## Use instead
    ```python
    sample = pd.DataFrame({"name": ["Jane Doe"], "email": ["user@example.com"], "age": [40]})

    @input_schema("data", PandasParameterType(sample))
    def run(data):
        ...
    ```
    """

    @dataclass
    class Options(RuleOptions):
        allow: list[str] = field(default_factory=list)  # values or keys to accept
        names: bool = True  # report people's names

    code = "SL903"
    name = "sensitive-swagger-example"
    severity = Severity.WARNING
    contract = "3. Schema generation and Swagger: the samples are published verbatim in the Swagger page"
    requires_sandbox = True
