"""The outside attack kept in the suite (issue 13): schemathesis generates requests from /schema/openapi.json for every
operation and every role, and runs all of its checks on the answers: no server error, every status code, content
type, header and body as documented. docs/api-attack.md says how to run it longer.

Bounded: EXAMPLES per operation and mode (positive and negative), derandomized, no deadline, no database of examples
(the run is the same every time). SCHEMATHESIS_EXAMPLES raises it for a longer local run."""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

import pytest

os.environ.setdefault("SCHEMATHESIS_TELEMETRY", "false")

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import CHECKS, load_all_checks  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from coursesite.web.controllers.subsidiary_api import SECURITY_SCHEME_NAME  # noqa: E402
from tests.route_access import EXPECTED, PUBLIC, ROLES, credentials, run_order  # noqa: E402

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))


# Every check on, as the CLI's `--checks all`. One setting: schema-valid data may still be refused with a 400, because
# the rules behind the Swedish per-field messages (a real address, a strong password, no personnummer in free text, a
# known question id...) are more than a schema can say; a 400 is still checked against the documented error body.
# The subsidiary's bearer token is given as the schema's security scheme, so that schemathesis knows it is the
# authentication (and its ignored_auth check tries the operations without it).
def _config(headers: dict[str, str]) -> Any:
    config: dict[str, Any] = {
        "seed": 13,
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"],
            }
        },
    }
    bearer = headers.get("Authorization", "").removeprefix("Bearer ")
    if bearer:
        config["auth"] = {"openapi": {SECURITY_SCHEME_NAME: {"bearer": bearer}}}
    return schemathesis.Config.from_dict(config)


# All of its checks (14 in 4.32.5; the ones that need a stateful run see no earlier calls and pass).
load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if callable(check) and not isinstance(check, type)]


def _order(operation) -> tuple[int, str, str]:
    return run_order(operation.method, operation.path)


def _explain(error: BaseException) -> str:
    """The failure with what lies under it (Hypothesis wraps an unreliable or flaky result in a group)."""
    if isinstance(error, BaseExceptionGroup):
        return f"{error}\n" + "\n".join(_explain(inner) for inner in error.exceptions)
    cause = error.__cause__ or error.__context__
    return f"{type(error).__name__}: {error}" + (f"\n  caused by {_explain(cause)}" if cause else "")


# "POST /api/v1/answers/{answer_id}" (as the document names operations) -> who may call it (tests/route_access.py).
PARAMETER_TYPE = re.compile(r":\w+}")
EXPECTED_BY_OPERATION = {
    f"{method} {PARAMETER_TYPE.sub('}', route)}": access for (method, route), access in EXPECTED.items()
}


def _allowed(role: str, method: str, path: str) -> bool:
    """The role passes the operation's guard (tests/route_access.py), so its input reaches the handler."""
    return role in EXPECTED_BY_OPERATION[f"{method.upper()} {path}"].roles


def _run(operation: Any, mode: GenerationMode, examples: int, headers: dict[str, str]) -> bool:
    """`examples` generated cases of the operation, each sent and checked; True when one got a 2xx."""
    succeeded = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case) -> None:
        response = case.call(headers=headers)
        succeeded.append(200 <= response.status_code < 300)
        case.validate_response(
            response, checks=ALL_CHECKS, headers=headers, transport_kwargs={"headers": dict(headers)}
        )

    run()
    return any(succeeded)


def _attack(app: Any, role: str, headers: dict[str, str]) -> tuple[list[str], set[str]]:
    """Every operation, both modes, all checks; returns what failed (one line per operation and mode) and the
    guarded operations the role got a 2xx from (proof that the run was logged in). Where the guard refuses the role,
    the answer does not depend on the input: one example each is enough."""
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=_config(headers))
    headers = {name: value for name, value in headers.items() if name != "Authorization"}  # given as the scheme
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    failures: list[str] = []
    reached: set[str] = set()
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        examples = EXAMPLES if _allowed(role, operation.method, operation.path) else 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                if _run(operation, mode, examples, headers):
                    reached.add(label)
            except Unsatisfiable:  # nothing to make invalid: no parameters and no body
                continue
            except (Exception, BaseExceptionGroup) as error:  # every failure collected, shown together
                failures.append(f"{label} ({mode.value}): {_explain(error)}")
    return failures, {label for label in reached if EXPECTED_BY_OPERATION[label] != PUBLIC}


@pytest.mark.parametrize("role", ROLES)
async def test_schemathesis_finds_nothing(role, app, client, db):
    headers = await credentials(role, client)
    failures, reached = await asyncio.to_thread(_attack, app, role, headers)
    assert failures == [], "\n\n".join(failures)
    if role != "anonymous":
        assert len(reached) >= 2, reached  # the run was logged in (or held the token), not refused everywhere
