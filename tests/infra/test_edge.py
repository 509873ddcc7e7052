"""HTTPS at the edge: the distribution serves the private buckets with the security headers, and
the storefront works under its content security policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from infra import edge
from infra.template import build_template
from tests.infra import views

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict[str, Any]:
    return dict(views.of_type("AWS::CloudFront::Distribution", stage="dev")["Distribution"])


def _headers() -> dict[str, Any]:
    policy = views.of_type("AWS::CloudFront::ResponseHeadersPolicy", stage="dev")
    return dict(policy["SecurityHeadersPolicy"]["ResponseHeadersPolicyConfig"])


def test_every_behaviour_is_https_only_with_the_security_headers() -> None:
    config = _config()["DistributionConfig"]
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    for behaviour in behaviours:
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["ResponseHeadersPolicyId"] == "ref:SecurityHeadersPolicy"
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert config["DefaultRootObject"] == "index.html"


def test_both_private_buckets_are_origins_through_the_origin_access_control() -> None:
    config = _config()["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert set(origins) == {"storefront", "images"}
    for origin in origins.values():
        assert origin["OriginAccessControlId"] == "att:OriginAccessControl.Id"
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    buckets = views.of_type("AWS::S3::Bucket", stage="dev")
    assert origins["storefront"]["DomainName"].startswith(buckets["WebBucket"]["BucketName"])
    assert origins["images"]["DomainName"].startswith(buckets["ImagesBucket"]["BucketName"])
    (images,) = config["CacheBehaviors"]
    assert (images["PathPattern"], images["TargetOriginId"]) == ("products/*", "images")
    for bucket in buckets.values():
        assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
        assert "WebsiteConfiguration" not in bucket


def test_the_app_presigns_image_keys_the_images_behaviour_serves() -> None:
    source = (ROOT / "chalicelib/services/catalog.py").read_text()
    (prefix,) = re.findall(r'key = f"(\w+)/\{product_id\}', source)
    assert f"{prefix}/*" == edge.IMAGES_PATH


def test_the_headers_forbid_framing_and_plain_http_and_confine_scripts_to_the_storefront() -> None:
    security = _headers()["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in csp["ContentSecurityPolicy"].split("; ")
    )
    assert csp["Override"] is True
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "https://*.execute-api.ref:AWS::Region.ref:AWS::URLSuffix" in directives["connect-src"]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert hsts["IncludeSubdomains"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ContentTypeOptions"]["Override"] is True


def test_the_storefront_needs_nothing_its_csp_forbids() -> None:
    """No inline script or style, no event-handler attributes, no eval, no style attributes."""
    for path in (ROOT / "static").rglob("*"):
        if path.suffix not in {".html", ".js"}:
            continue
        text = path.read_text()
        name = path.relative_to(ROOT).as_posix()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), name
        assert "<style" not in text, name
        assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), name
        assert not re.search(r"\beval\(|new Function\(", text), name
        assert not re.search(r"setAttribute\(\s*[\"']style[\"']|\sstyle=[\"']", text), name


def test_cors_is_the_distributions_origin_unless_the_stage_names_another() -> None:
    outputs = build_template("dev")["Outputs"]
    assert outputs["CorsOrigin"]["Value"] == {
        "Fn::If": ["HasCorsOrigin", {"Ref": "CorsOrigin"}, edge.distribution_origin()]
    }
    assert outputs["ImagesBaseUrl"]["Value"] == edge.distribution_origin()
    assert outputs["WebUrl"]["Value"] == edge.distribution_origin()
    (rule,) = views.of_type("AWS::S3::Bucket", stage="dev")["ImagesBucket"]["CorsConfiguration"][
        "CorsRules"
    ]
    assert rule["AllowedOrigins"] == ["https://att:Distribution.DomainName"]
