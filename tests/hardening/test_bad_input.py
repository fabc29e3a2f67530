"""Guarantee 1, the hand-picked cases: malformed JSON, huge bodies, wrong content types,
unicode edge cases and numbers in odd spellings all get a clean 4xx in the one error shape
(and a valid request with odd but legal unicode round-trips)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .helpers import rx_payload

RX = "/api/v1/prescriptions"


def _is_clean_error(response: Any, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.get_data()[:300])
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == response.status_code
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"patient": }',
        b"[1, 2",
        b"\xff\xfe\x00garbage",
        b'{"a": 1}{"b": 2}',
        b"",
        b"null",
        b"[]",
        b'"a string"',
        b"12",
        b'{"dosage_form": "capsule",}',
    ],
)
def test_malformed_json_is_4xx(api: Any, raw: bytes) -> None:
    response = api.post(RX, as_="drA", data=raw, content_type="application/json")
    _is_clean_error(response, 400, 422)


def test_malformed_json_is_400_with_message(api: Any) -> None:
    response = api.post(RX, as_="drA", data=b"{", content_type="application/json")
    _is_clean_error(response, 400)
    assert "JSON" in response.get_json()["message"]


def test_huge_body_is_413(api: Any) -> None:
    limit = api.app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 1024 * 1024
    body = json.dumps(rx_payload(notes="x" * (limit + 10))).encode()
    response = api.post(RX, as_="drA", data=body, content_type="application/json")
    _is_clean_error(response, 413)


def test_huge_body_without_length_is_refused(api: Any) -> None:
    limit = api.app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps(rx_payload(notes="x" * (limit + 10))).encode()
    response = api.client.post(
        RX,
        input_stream=__import__("io").BytesIO(body),
        headers={
            "Authorization": f"Bearer {api.accounts['drA'].token}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
    )
    assert response.status_code in (400, 413, 422)  # never accepted


def test_deeply_nested_json_is_400(api: Any) -> None:
    deep = '{"patient": ' + "[" * 100000 + "]" * 100000 + "}"
    response = api.post(RX, as_="drA", data=deep, content_type="application/json")
    _is_clean_error(response, 400)


def test_unknown_query_parameters_are_ignored(api: Any) -> None:
    # Query strings are lenient by design (cache busters); bodies are strict.
    assert api.get(f"{RX}?unknown=1", as_="pharm").status_code == 200


def test_plain_decimal_strings_are_accepted_exactly(api: Any) -> None:
    response = api.post(RX, as_="drA", json=rx_payload(strength_mg="4.50", dose_mg="4.5"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["strength_mg"] == 4.5


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
     "application/xml", None],
)
def test_wrong_content_type_is_4xx(api: Any, content_type: str | None) -> None:
    body = json.dumps(rx_payload())
    kwargs: dict[str, Any] = {"data": body}
    if content_type:
        kwargs["content_type"] = content_type
    response = api.post(RX, as_="drA", **kwargs)
    _is_clean_error(response, 400, 415, 422)


@pytest.mark.parametrize(
    "value",
    ["1e3", "1E-2", "4.5e0", "NaN", "nan", "Infinity", "-Infinity", "inf", "0x10", "1_000",
     "٤.٥", "４.５", " ", "", "1" * 60, "1e999999", "-0", "4.5.1", True, [], {}],
)
def test_odd_numbers_in_strength(api: Any, value: Any) -> None:
    response = api.post(RX, as_="drA", json=rx_payload(strength_mg=value, dose_mg=value))
    if response.status_code == 201:
        raise AssertionError(f"{value!r} was accepted as a number")
    _is_clean_error(response, 422)


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400"])
def test_non_finite_json_literals_are_refused(api: Any, literal: bytes) -> None:
    body = json.dumps(rx_payload(strength_mg="__X__")).encode().replace(b'"__X__"', literal)
    response = api.post(RX, as_="drA", data=body, content_type="application/json")
    _is_clean_error(response, 400, 422)


@pytest.mark.parametrize("field", ["days_supply", "refills"])
@pytest.mark.parametrize("value", ["1e1", "NaN", "Infinity", 1.5, 2**70, -1, "12abc", True])
def test_odd_whole_numbers(api: Any, field: str, value: Any) -> None:
    response = api.post(RX, as_="drA", json=rx_payload(**{field: value}))
    _is_clean_error(response, 422)


@pytest.mark.parametrize(
    "name",
    ["\ud800", "a\udfffb", "\ud83d\ude00", "nul\u0000inside", "\x00", "a\x00b", "\u202eevil", "\ufeff", "\U0001f600" * 200,
     "e\u0301" * 60, "\u0000\u0001"],
)
def test_unicode_edge_cases_are_clean(api: Any, name: str) -> None:
    body = json.dumps(rx_payload(patient={"first_name": name}), ensure_ascii=True)
    response = api.post(RX, as_="drA", data=body, content_type="application/json")
    assert response.status_code < 500, response.get_data()[:300]
    if response.status_code != 201:
        _is_clean_error(response, 400, 422)


@pytest.mark.parametrize(
    "last_name", ["Łukasiewicz-Nguyễn", "Ørsted-Ivanová", "Иванов", "Παπαδόπουλος", "דוד", "محمد"]
)
def test_legal_unicode_round_trips(api: Any, last_name: str) -> None:
    patient = {"first_name": "Zoë", "last_name": last_name}
    response = api.post(RX, as_="drA", json=rx_payload(patient=patient))
    assert response.status_code == 201, response.get_json()
    shown = api.get(f"{RX}/{response.get_json()['id']}", as_="drA").get_json()["patient"]
    assert (shown["first_name"], shown["last_name"]) == (patient["first_name"], patient["last_name"])


def test_a_name_the_label_cannot_print_is_refused_at_intake(api: Any) -> None:
    # Found at the print station, after the capsules were made, it would hold up the
    # patient: the label font has no CJK glyphs, so the name is refused where it is typed,
    # naming the characters and never echoing the name.
    patient = {"first_name": "Hanako", "last_name": "Yamada 山田"}
    response = api.post(RX, as_="drA", json=rx_payload(patient=patient))
    _is_clean_error(response, 422)
    message = response.get_json()["errors"]["patient.last_name"][0]
    assert "U+5C71" in message and "Yamada" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=1e3", "page=NaN", "per_page=100000", "page=99999999999999999999",
     "sort=;drop", "status=nope", "page=%00", "page=%ff"],
)
def test_bad_query_strings_are_422(api: Any, query: str) -> None:
    response = api.get(f"{RX}?{query}", as_="pharm")
    _is_clean_error(response, 400, 422)


@pytest.mark.parametrize(
    "path",
    [f"{RX}/0", f"{RX}/-1", f"{RX}/99999999999999999999999", f"{RX}/1.5", f"{RX}/abc",
     f"{RX}/%00", f"{RX}/9999999/verify"],
)
def test_odd_ids_are_404(api: Any, path: str) -> None:
    method = "POST" if path.endswith("verify") else "GET"
    response = api.call(method, path, as_="pharm", json={"password": "x"} if method == "POST" else None)
    _is_clean_error(response, *((400,) if "%00" in path else (404, 405)))


def test_wrong_method_is_405(api: Any) -> None:
    response = api.call("PUT", RX, as_="pharm", json={})
    _is_clean_error(response, 405)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/batches/99999999999999999999", "/api/v1/batches/99999999999999999999/trace"],
)
def test_huge_numeric_batch_ref_is_404(api: Any, path: str) -> None:
    response = api.get(path, as_="pharm")
    _is_clean_error(response, 404)


NASTY = ["0", "-1", "2147483648", "99999999999999999999", "1e3", "NaN", "%00", "%ff",
         "%F0%9F%98%80", "x" * 300, "'; DROP TABLE x; --", "../../etc/passwd", "٣"]
QUERY_KEYS = ["page", "per_page", "q", "status", "sort", "document", "entity_id", "next",
              "lot", "number", "id"]


def test_every_get_route_survives_nasty_values(api: Any) -> None:
    """Every GET route, API and page, with odd path values and query strings, as a
    pharmacist: never a 5xx (and never a Python error page)."""
    from urllib.parse import quote

    from pharmacy.services.uow import current_db

    problems = []
    for rule in api.app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        paths = []
        if rule.arguments:
            for value in NASTY:
                path = rule.rule
                for argument in rule.arguments:
                    path = re.sub(rf"<[^>]*\b{argument}>", quote(value, safe="%"), path)
                paths.append(path)
        else:
            paths.append(rule.rule)
        for path in paths:
            queries = [""] + [f"?{key}={value}" for key in QUERY_KEYS for value in NASTY[2:6]]
            for query in queries if not rule.arguments else [""]:
                response = api.get(path + query, as_="pharm")
                # The fixture's app context outlives requests; end the session as a real
                # request's teardown does, so one failure cannot poison the next request.
                current_db().remove()
                if response.status_code >= 500:
                    problems.append(f"GET {path}{query}: {response.status_code}")
    assert not problems, "\n".join(problems[:30])


@pytest.mark.parametrize(
    ("body", "day"),
    [
        ({"dosage_form": "capsule", "strength_mg": 4.5, "quantity": 30}, "9999-07-05"),
        (
            {"dosage_form": "liquid", "concentration_mg_per_ml": 1, "dose_mg": 4.5, "quantity": 30},
            "9999-12-20",
        ),
    ],
)
def test_a_date_near_the_calendars_end_is_422(api: Any, body: dict[str, Any], day: str) -> None:
    # The BUD (180 days for capsules, 35 for a preserved liquid) would fall past 9999.
    response = api.post(
        "/api/v1/formulations/quote", as_="pharm", json={**body, "compounded_on": day}
    )
    _is_clean_error(response, 422)
    assert "compounded_on" in response.get_json()["errors"]
