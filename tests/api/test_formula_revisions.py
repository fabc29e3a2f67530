"""Master formulas are revised as new versions, approved with a pharmacist's signature:
batches started afterwards follow the new version, earlier batches keep theirs, and the
engine's inputs cannot be changed this way. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, make_batch, only_event

CODE = "ldn-capsule-mcc"
URL = f"/api/v1/formulas/{CODE}/versions"
REASON = "Add the capsule weight check to the instructions after the October audit."


def _revise(api: Any, as_: str = "pharm", **changes: Any) -> Any:
    body = {"password": PASSWORD, "reason": REASON, **changes}
    return api.post(URL, as_=as_, json=body)


def test_a_revision_is_a_new_version_that_new_batches_follow(api: Any) -> None:
    capsule_stock(api)
    before = make_batch(api).get_json()
    assert before["formula_version"] == 1
    original = api.get(f"/api/v1/formulas/{CODE}", as_="tech").get_json()

    steps = [*original["steps"], "Weigh 10 capsules; each within the weight window."]
    revised = _revise(api, steps=steps, weighing_tolerance_percent="3")
    assert revised.status_code == 201, revised.get_json()
    body = revised.get_json()
    assert (body["version"], body["steps"], body["weighing_tolerance_percent"]) == (2, steps, 3)
    assert body["ingredients"] == original["ingredients"]
    assert body["bud_category"] == original["bud_category"]
    assert api.get(f"/api/v1/formulas/{CODE}", as_="tech").get_json()["version"] == 2
    versions = api.get(URL, as_="tech").get_json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["steps"] == original["steps"]

    after = make_batch(api).get_json()
    assert after["formula_version"] == 2
    superseded = make_batch(api, formula_version=1)
    assert superseded.status_code == 422
    assert list(superseded.get_json()["errors"]) == ["formula_version"]
    unknown = make_batch(api, formula_version=99)
    assert unknown.status_code == 422
    assert "its versions: 1, 2" in unknown.get_json()["errors"]["formula_version"][0]
    assert api.get(f"/api/v1/formulas/{CODE}/versions", as_="tech").status_code == 200
    assert api.get("/api/v1/formulas/nope", as_="tech").status_code == 404
    kept = api.get(f"/api/v1/batches/{before['id']}", as_="tech").get_json()
    assert kept["formula_version"] == 1

    event = only_event("formula.revised")
    assert event.reason == REASON
    assert event.before["version"] == 1 and event.after["version"] == 2
    assert set(event.after) >= {"steps", "weighing_tolerance_percent", "signature_name"}
    assert "name" not in event.after  # only what changed


def test_a_stability_override_sets_the_bud_of_new_batches(api: Any) -> None:
    capsule_stock(api)
    reference = "In-house stability study SS-2026-04, 60 days at room temperature"
    revised = _revise(api, stability_days=60, stability_storage="room temperature",
                      stability_reference=reference)
    assert revised.status_code == 201, revised.get_json()
    batch = make_batch(api).get_json()
    assert batch["bud"] == (date.today() + timedelta(days=60)).isoformat()
    assert reference in batch["bud_limited_by"]
    cleared = _revise(api, stability_days=None)
    assert cleared.status_code == 201, cleared.get_json()
    assert cleared.get_json()["stability_reference"] is None
    assert make_batch(api).get_json()["bud"] == (date.today() + timedelta(days=180)).isoformat()


def test_revisions_that_are_refused(api: Any) -> None:
    assert _revise(api, as_="tech", name="LDN capsules").status_code == 403
    assert _revise(api, as_="admin", name="LDN capsules").status_code == 403
    assert _revise(api, as_="drA", name="LDN capsules").status_code == 403
    wrong = _revise(api, name="LDN capsules, revised", password="not mine")
    assert wrong.status_code == 422 and "password" in wrong.get_json()["errors"]
    current = api.get(f"/api/v1/formulas/{CODE}", as_="pharm").get_json()
    same = _revise(api, name=current["name"])
    assert same.status_code == 422
    cases = [
        {"ingredients": []},  # the engine's inputs are not revisable
        {"dosage_form": "liquid"},
        {"bud_category": "aqueous_preserved"},
        {"version": 9},
        {"weighing_tolerance_percent": 0},
        {"weighing_tolerance_percent": "150"},
        {"steps": []},
        {"stability_days": 0, "stability_reference": "study"},
        {"stability_days": 30},  # an override needs its reference
        {"stability_reference": "a study, but no days"},
    ]
    for changes in cases:
        response = _revise(api, **changes)
        assert response.status_code == 422, (changes, response.get_json())
    missing = api.post("/api/v1/formulas/no-such-formula/versions", as_="pharm",
                       json={"password": PASSWORD, "reason": REASON, "name": "Whatever"})
    assert missing.status_code == 404
    assert api.get("/api/v1/formulas/no-such-formula/versions", as_="pharm").status_code == 404
    assert [v["version"] for v in api.get(URL, as_="pharm").get_json()] == [1]


def test_a_revision_built_on_an_older_version_changes_nothing(api: Any) -> None:
    assert _revise(api, container="Amber vial", based_on_version=1).status_code == 201
    stale = _revise(api, name="LDN capsules (renamed)", based_on_version=1)
    assert stale.status_code == 409
    assert "based_on_version" in stale.get_json()["errors"]
    assert [v["version"] for v in api.get(URL, as_="pharm").get_json()] == [2, 1]
    fresh = _revise(api, name="LDN capsules (renamed)", based_on_version=2)
    assert fresh.status_code == 201
    assert fresh.get_json()["container"] == "Amber vial"  # version 2's change kept
