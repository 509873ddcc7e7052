"""HTTPS at the edge: one CloudFront distribution in front of the storefront and the images.

Both buckets are private (Block Public Access on); the distribution reads them through an origin
access control, and each bucket's policy lets only this distribution read. The storefront is the
default behaviour, product images (`products/*`, the keys the API presigns) the second. Every
answer carries the security headers of one response headers policy: a content security policy
that allows scripts, styles and connections only from the storefront itself, the API and the images
bucket (for the admin's presigned uploads), HSTS, `frame-ancestors 'none'` and X-Frame-Options.

The origins are named by the buckets' names, not by references to them, so that the images
bucket's CORS rule can name the distribution's origin without a circular dependency.
"""

from __future__ import annotations

from infra.cfn import Json, get_att, ref, stage_name, sub

DISTRIBUTION = "Distribution"
# CloudFront's managed cache policy "CachingOptimized": honours the origin's Cache-Control, gzip.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
IMAGES_PATH = "products/*"
WEB_BUCKET_NAME = "shop-${Stage}-web-${AWS::AccountId}"
IMAGES_BUCKET_NAME = "shop-${Stage}-images-${AWS::AccountId}"
SEARCH_BUCKET_NAME = "shop-${Stage}-search-${AWS::AccountId}"
HSTS_SECONDS = 2 * 365 * 24 * 3600

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Product images may be any https URL an admin gave; the favicon is a data: URL.
        "img-src 'self' data: https:",
        # The API, and the images bucket for presigned uploads (global and regional endpoints).
        "connect-src 'self' https://*.execute-api.${AWS::Region}.${AWS::URLSuffix} "
        f"https://{IMAGES_BUCKET_NAME}.s3.${{AWS::URLSuffix}} "
        f"https://{IMAGES_BUCKET_NAME}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def distribution_origin() -> Json:
    """The storefront's https origin at the edge, e.g. `https://d111111abcdef8.cloudfront.net`."""
    return sub(f"https://${{{DISTRIBUTION}.DomainName}}")


def _origin_access_control() -> Json:
    return {
        "Type": "AWS::CloudFront::OriginAccessControl",
        "Properties": {
            "OriginAccessControlConfig": {
                "Name": stage_name("buckets"),
                "Description": "The shop's distribution reads its private buckets.",
                "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always",
                "SigningProtocol": "sigv4",
            }
        },
    }


def _headers_policy() -> Json:
    return {
        "Type": "AWS::CloudFront::ResponseHeadersPolicy",
        "Properties": {
            "ResponseHeadersPolicyConfig": {
                "Name": stage_name("security-headers"),
                "Comment": "CSP, HSTS, no framing, no sniffing, a strict referrer.",
                "SecurityHeadersConfig": {
                    "ContentSecurityPolicy": {
                        "ContentSecurityPolicy": sub(CONTENT_SECURITY_POLICY),
                        "Override": True,
                    },
                    "StrictTransportSecurity": {
                        "AccessControlMaxAgeSec": HSTS_SECONDS,
                        "IncludeSubdomains": True,
                        "Preload": False,
                        "Override": True,
                    },
                    "FrameOptions": {"FrameOption": "DENY", "Override": True},
                    "ContentTypeOptions": {"Override": True},
                    "ReferrerPolicy": {
                        "ReferrerPolicy": "strict-origin-when-cross-origin",
                        "Override": True,
                    },
                },
            }
        },
    }


def _origin(origin_id: str, bucket_name: str) -> Json:
    return {
        "Id": origin_id,
        "DomainName": sub(f"{bucket_name}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}"),
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": get_att("OriginAccessControl", "Id"),
    }


def _behaviour(origin_id: str) -> Json:
    return {
        "TargetOriginId": origin_id,
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": ["GET", "HEAD"],
        "CachedMethods": ["GET", "HEAD"],
        "CachePolicyId": CACHING_OPTIMIZED,
        "ResponseHeadersPolicyId": ref("SecurityHeadersPolicy"),
        "Compress": True,
    }


def _distribution() -> Json:
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Enabled": True,
                "Comment": stage_name("storefront and product images"),
                "DefaultRootObject": "index.html",
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                "PriceClass": "PriceClass_100",
                "Origins": [
                    _origin("storefront", WEB_BUCKET_NAME),
                    _origin("images", IMAGES_BUCKET_NAME),
                ],
                "DefaultCacheBehavior": _behaviour("storefront"),
                "CacheBehaviors": [{"PathPattern": IMAGES_PATH, **_behaviour("images")}],
                "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
            }
        },
    }


def read_by_distribution_only(bucket: str) -> Json:
    """The bucket policy: only the distribution may read objects; Block Public Access does the rest.

    No "deny plain HTTP" statement: moto enforces bucket-policy denials, and the local stack talks
    to moto's S3 over HTTP; CloudFront and the presigned uploads use HTTPS anyway.
    """
    distribution_arn = sub(
        f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION}}}"
    )
    objects = sub(f"${{{bucket}.Arn}}/*")
    statements = [
        {
            "Sid": "TheDistributionReadsObjects",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": objects,
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        },
    ]
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": ref(bucket),
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def resources() -> Json:
    """The distribution, its origin access control and its security headers."""
    return {
        "OriginAccessControl": _origin_access_control(),
        "SecurityHeadersPolicy": _headers_policy(),
        DISTRIBUTION: _distribution(),
    }


def outputs() -> Json:
    """DISTRIBUTION_ID: the deploy invalidates nothing today, but operators need it."""
    return {
        "DistributionId": {
            "Description": "DISTRIBUTION_ID: the CloudFront distribution of the storefront",
            "Value": ref(DISTRIBUTION),
        }
    }
