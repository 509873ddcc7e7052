"""The app's generated secret: the key that signs pagination cursors (CURSOR_SECRET).

CloudFormation generates it once and keeps it across updates, so it is never typed, committed or
changed by a redeploy. The app reads a value, not a reference: the deploy fetches the value and
puts it in the Lambda environment (see docs/deploy.md).
"""

from __future__ import annotations

from infra.cfn import Json, deleted_with_stack, ref, sub

SECRET = "CursorSecret"


def _cursor_secret() -> Json:
    return {
        "Type": "AWS::SecretsManager::Secret",
        # No Name: a generated one never collides with a secret still in its deletion window.
        "Properties": {
            "Description": sub("shop-${Stage}: the HMAC key that signs pagination cursors"),
            "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
        },
    }


def resources() -> Json:
    """The cursor-signing secret."""
    return {SECRET: deleted_with_stack(_cursor_secret())}


def outputs() -> Json:
    """CURSOR_SECRET_ARN: where the deploy reads CURSOR_SECRET from."""
    return {
        "CursorSecretArn": {
            "Description": "CURSOR_SECRET_ARN: the secret the deploy sets CURSOR_SECRET from",
            "Value": ref(SECRET),
        }
    }
