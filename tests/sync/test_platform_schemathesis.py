"""schemathesis against the running reference platform's /openapi.json: no input may cause a 5xx.

Once with a station token over every operation, once with the admin token over the back office
(fault switches excluded: a 503 on purpose is not a server error). The 503 ``unavailable`` of the
fault switches is the only 5xx the platform answers by design, and the switches stay off here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err

from sync.protocol import CONTENT_TYPE_OFFSET, PATH_OPENAPI
from tests.sync.platform_server import PlatformServer, run_platform

# PATCH chunks are raw bytes under the tus media type; send them the way octet-stream is sent.
schemathesis.serializer.alias(CONTENT_TYPE_OFFSET, "application/octet-stream")

#: Examples per operation and generation mode; ~25 operations keep the whole run well under 60 s.
_EXAMPLES = 20


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PlatformServer, str]]:
    with run_platform(tmp_path_factory.mktemp("platform")) as srv:
        yield srv, srv.enroll("FUZZ01")


def _fuzz(srv: PlatformServer, headers: dict[str, str], keep: Callable[[str], bool]) -> list[str]:
    """Run every kept operation with valid and invalid generated requests; returns the failures."""
    schema = schemathesis.openapi.from_url(srv.base_url + PATH_OPENAPI)
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"invalid operation in /openapi.json: {result.err()}")
            continue
        operation = result.ok()
        if not keep(operation.path):
            continue
        tried += 1
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=strategy)
        @settings(
            max_examples=_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case: Any) -> None:
            case.call_and_validate(base_url=srv.base_url, headers=headers, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {exc}")
    assert tried > 0
    return failures


def test_station_api_never_fails_with_a_server_error(running: tuple[PlatformServer, str]) -> None:
    srv, token = running
    failures = _fuzz(srv, srv.headers(token), lambda path: not path.startswith("/admin"))
    assert not failures, "\n\n".join(failures)


def test_back_office_never_fails_with_a_server_error(running: tuple[PlatformServer, str]) -> None:
    srv, _ = running
    headers = {**srv.headers(), **srv.admin_headers()}
    failures = _fuzz(
        srv, headers, lambda path: path.startswith("/admin") and not path.startswith("/admin/faults")
    )
    assert not failures, "\n\n".join(failures)


def test_openapi_documents_every_protocol_operation(running: tuple[PlatformServer, str]) -> None:
    import httpx

    srv, _ = running
    spec = httpx.get(srv.base_url + PATH_OPENAPI).json()
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    expected = {
        ("GET", "/v1/meta"),
        ("POST", "/v1/enroll"),
        ("GET", "/v1/catalog"),
        ("GET", "/v1/calendar"),
        ("GET", "/v1/clerks"),
        ("POST", "/v1/blobs"),
        ("HEAD", "/v1/blobs/{sha256}"),
        ("PATCH", "/v1/blobs/{sha256}"),
        ("PUT", "/v1/cases/{case_uuid}"),
        ("GET", "/v1/cases/{case_uuid}"),
        ("POST", "/v1/cases/{case_uuid}/submit"),
        ("GET", "/v1/changes"),
        ("POST", "/v1/evaluations"),
        ("POST", "/v1/audit"),
        ("GET", "/v1/licences"),
        ("GET", "/v1/preapplications/{code}"),
    }
    assert expected <= operations
    put_case = spec["paths"]["/v1/cases/{case_uuid}"]["put"]
    assert put_case["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseIn")
    patch = spec["paths"]["/v1/blobs/{sha256}"]["patch"]
    assert "application/offset+octet-stream" in patch["requestBody"]["content"]
