"""Issue 18, numbers: SECURITY.md said "no exponents", yet a JSON number 45e-1 was accepted
(it went through a float) while the string "45e-1" was refused; and a JSON number with more
decimals than are stored (4.50000000000000001) was silently rounded to 4.5 by the float.
Now both forms are judged exactly as written: no exponent, at most the stored places."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import rx_payload


def _submit_raw(api: Any, dose_literal: str) -> Any:
    import json

    body = json.dumps(rx_payload(dose_mg="DOSE")).replace('"DOSE"', dose_literal)
    return api.post("/api/v1/prescriptions", as_="drA", data=body,
                    headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("literal", ["45e-1", '"45e-1"', "4.5E0", '"4.5e0"'])
def test_exponent_notation_is_refused_in_both_forms(api: Any, literal: str) -> None:
    response = _submit_raw(api, literal)
    assert response.status_code == 422
    assert "not 45e-1" in response.get_json()["errors"]["dose_mg"][0]


@pytest.mark.parametrize("literal", ["4.50000000000000001", '"4.50000000000000001"', "4.50001"])
def test_more_decimals_than_stored_is_refused_not_rounded(api: Any, literal: str) -> None:
    response = _submit_raw(api, literal)
    assert response.status_code == 422
    assert "decimal places" in response.get_json()["errors"]["dose_mg"][0]


@pytest.mark.parametrize("literal", ["4.5", '"4.5"', "4.5000"])
def test_plain_numbers_still_work(api: Any, literal: str) -> None:
    response = _submit_raw(api, literal)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["dose_mg"] == 4.5
