"""The S3 buckets: product images (browser uploads) and the storefront, both private.

Nobody reads them directly: Block Public Access is on, ACLs are off, and CloudFront reads them
through its origin access control (infra/edge.py), over HTTPS. The admin's browser uploads an
image with a presigned PUT, which the images bucket's CORS rule allows from the storefront's
origin only.
"""

from __future__ import annotations

from infra import edge
from infra.cfn import Json, deleted_with_stack, if_, ref, sub

PRIVATE = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
OWNER_ENFORCED = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
ENCRYPTED = {
    "ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
}


def cors_origin() -> Json:
    """The storefront's origin: the CorsOrigin parameter, else the distribution's https URL."""
    return if_("HasCorsOrigin", ref("CorsOrigin"), edge.distribution_origin())


def _images_bucket() -> Json:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": sub(edge.IMAGES_BUCKET_NAME),
            "PublicAccessBlockConfiguration": PRIVATE,
            "OwnershipControls": OWNER_ENFORCED,
            "BucketEncryption": ENCRYPTED,
            # An image overwritten or deleted by mistake can be brought back for 30 days.
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "old-versions-go-after-30-days",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    }
                ]
            },
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "AllowedMethods": ["GET", "PUT", "HEAD"],
                        "AllowedOrigins": [cors_origin()],
                        "AllowedHeaders": ["*"],
                        "ExposedHeaders": ["ETag"],
                        "MaxAge": 3000,
                    }
                ]
            },
        },
    }


def _web_bucket() -> Json:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": sub(edge.WEB_BUCKET_NAME),
            "PublicAccessBlockConfiguration": PRIVATE,
            "OwnershipControls": OWNER_ENFORCED,
            "BucketEncryption": ENCRYPTED,
        },
    }


def _search_bucket() -> Json:
    # The search index's snapshot (docs/decisions/0101-search-engine.md): read by the API, written
    # by the products stream's consumer, never by a browser or the distribution.
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": sub(edge.SEARCH_BUCKET_NAME),
            "PublicAccessBlockConfiguration": PRIVATE,
            "OwnershipControls": OWNER_ENFORCED,
            "BucketEncryption": ENCRYPTED,
        },
    }


def resources() -> Json:
    """The private buckets: images and storefront (read by the distribution only), search."""
    return {
        "SearchBucket": deleted_with_stack(_search_bucket()),
        "ImagesBucket": deleted_with_stack(_images_bucket()),
        "ImagesBucketPolicy": edge.read_by_distribution_only("ImagesBucket"),
        "WebBucket": deleted_with_stack(_web_bucket()),
        "WebBucketPolicy": edge.read_by_distribution_only("WebBucket"),
    }


def outputs() -> Json:
    """IMAGES_BUCKET, IMAGES_BASE_URL, WEB_BUCKET, WEB_URL, CORS_ORIGIN and SEARCH_BUCKET."""
    return {
        "SearchBucket": {
            "Description": "SEARCH_BUCKET: the search index",
            "Value": ref("SearchBucket"),
        },
        "ImagesBucket": {"Description": "IMAGES_BUCKET", "Value": ref("ImagesBucket")},
        "ImagesBaseUrl": {
            "Description": "IMAGES_BASE_URL: an image's URL is this, a slash and its key",
            "Value": edge.distribution_origin(),
        },
        "WebBucket": {"Description": "WEB_BUCKET", "Value": ref("WebBucket")},
        "WebUrl": {"Description": "WEB_URL: the storefront", "Value": edge.distribution_origin()},
        "CorsOrigin": {"Description": "CORS_ORIGIN", "Value": cors_origin()},
    }
