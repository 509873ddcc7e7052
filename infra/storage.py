"""The S3 buckets: product images (public read, browser uploads) and the storefront website.

Both are public through a bucket policy (objects only, never listing), which keeps the stack to one
template. CloudFront with origin access control in front of private buckets is the alternative for
HTTPS on the storefront and caching at the edge; see docs/local-stack.md.
"""

from __future__ import annotations

from infra.cfn import Json, deleted_with_stack, get_att, if_, ref, sub

PUBLIC_POLICIES_ALLOWED = {
    # ACLs stay off (bucket-owner-enforced); only the bucket policy below makes objects public.
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}
OWNER_ENFORCED = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def cors_origin() -> Json:
    """The storefront's origin: the CorsOrigin parameter, else the website bucket's URL."""
    return if_("HasCorsOrigin", ref("CorsOrigin"), get_att("WebBucket", "WebsiteURL"))


def _images_bucket() -> Json:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": sub("shop-${Stage}-images-${AWS::AccountId}"),
            "PublicAccessBlockConfiguration": PUBLIC_POLICIES_ALLOWED,
            "OwnershipControls": OWNER_ENFORCED,
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
            "BucketName": sub("shop-${Stage}-web-${AWS::AccountId}"),
            "PublicAccessBlockConfiguration": PUBLIC_POLICIES_ALLOWED,
            "OwnershipControls": OWNER_ENFORCED,
            "WebsiteConfiguration": {"IndexDocument": "index.html", "ErrorDocument": "index.html"},
        },
    }


def _public_read_policy(bucket: str) -> Json:
    statement = {
        "Sid": "PublicReadOfObjects",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": sub(f"${{{bucket}.Arn}}/*"),
    }
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": ref(bucket),
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        },
    }


def resources() -> Json:
    """The two buckets and their public-read policies."""
    return {
        "ImagesBucket": deleted_with_stack(_images_bucket()),
        "ImagesBucketPolicy": _public_read_policy("ImagesBucket"),
        "WebBucket": deleted_with_stack(_web_bucket()),
        "WebBucketPolicy": _public_read_policy("WebBucket"),
    }


def outputs() -> Json:
    """IMAGES_BUCKET, IMAGES_BASE_URL, WEB_BUCKET, WEB_URL and CORS_ORIGIN."""
    return {
        "ImagesBucket": {"Description": "IMAGES_BUCKET", "Value": ref("ImagesBucket")},
        "ImagesBaseUrl": {
            "Description": "IMAGES_BASE_URL: an image's URL is this, a slash and its key",
            "Value": sub("https://${ImagesBucket.RegionalDomainName}"),
        },
        "WebBucket": {"Description": "WEB_BUCKET", "Value": ref("WebBucket")},
        "WebUrl": {"Description": "WEB_URL", "Value": get_att("WebBucket", "WebsiteURL")},
        "CorsOrigin": {"Description": "CORS_ORIGIN", "Value": cors_origin()},
    }
