"""prod's template keeps the data nobody can make again; every other stage's goes with its stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.template import RETAINED_IN_PROD, SHARED_STAGES, build_template, to_json

ROOT = Path(__file__).resolve().parents[2]
STATEFUL_TYPES = {"AWS::DynamoDB::Table", "AWS::Cognito::UserPool"}


def test_prod_retains_every_table_the_user_pool_and_the_images_on_delete_and_replace() -> None:
    resources = build_template("prod")["Resources"]
    stateful = {name for name, body in resources.items() if body["Type"] in STATEFUL_TYPES}
    assert stateful | {"ImagesBucket", "LakeBucket"} == set(RETAINED_IN_PROD)
    for name in RETAINED_IN_PROD:
        assert resources[name]["DeletionPolicy"] == "Retain", name
        assert resources[name]["UpdateReplacePolicy"] == "Retain", name
    for name, body in resources.items():
        if name not in RETAINED_IN_PROD and "DeletionPolicy" in body:
            assert body["DeletionPolicy"] == "Delete", name


def test_prod_keeps_point_in_time_recovery_and_deletion_protection() -> None:
    resources = build_template("prod")["Resources"]
    for body in resources.values():
        if body["Type"] == "AWS::DynamoDB::Table":
            props = body["Properties"]
            assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
            assert props["DeletionProtectionEnabled"] is True
    assert resources["UserPool"]["Properties"]["DeletionProtection"] == "ACTIVE"


@pytest.mark.parametrize("stage", SHARED_STAGES)
def test_other_stages_delete_everything_with_their_stack(stage: str) -> None:
    for name, body in build_template(stage)["Resources"].items():
        assert body.get("DeletionPolicy", "Delete") == "Delete", name


def test_only_prods_own_template_accepts_stage_prod() -> None:
    assert "prod" not in build_template()["Parameters"]["Stage"]["AllowedValues"]
    assert build_template("prod")["Parameters"]["Stage"]["AllowedValues"] == ["prod"]
    assert build_template("dev")["Parameters"]["Stage"]["AllowedValues"] == ["dev"]


def test_the_committed_prod_template_is_prods() -> None:
    committed = (ROOT / "infra/shop-prod.template.json").read_text()
    assert committed == to_json(build_template("prod")), (
        "run: python -m infra.template --stage prod --out infra/shop-prod.template.json"
    )
