"""The Cognito user pool: shoppers sign in with their e-mail; admins are the `admin` group."""

from __future__ import annotations

from infra.cfn import Json, deleted_with_stack, get_att, if_, ref, stage_name

ADMIN_GROUP = "admin"


def _user_pool() -> Json:
    return {
        "Type": "AWS::Cognito::UserPool",
        "Properties": {
            "UserPoolName": stage_name("users"),
            "UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": False},
            "AutoVerifiedAttributes": ["email"],
            # A new address takes effect only once its code is confirmed; until then Cognito keeps
            # (and signs in with, and the token carries) the old, verified one.
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 8,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": False,
                    "TemporaryPasswordValidityDays": 7,
                }
            },
            "Schema": [
                {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                {"Name": "name", "AttributeDataType": "String", "Required": False, "Mutable": True},
            ],
            "AccountRecoverySetting": {
                "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
            },
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            "MfaConfiguration": "OFF",
            "DeletionProtection": if_("IsProd", "ACTIVE", "INACTIVE"),
        },
    }


def _client() -> Json:
    return {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {
            "ClientName": stage_name("web"),
            "UserPoolId": ref("UserPool"),
            # A browser or a phone cannot keep a secret.
            "GenerateSecret": False,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
            "IdTokenValidity": 60,
            "AccessTokenValidity": 60,
            "RefreshTokenValidity": 30,
            "TokenValidityUnits": {
                "IdToken": "minutes",
                "AccessToken": "minutes",
                "RefreshToken": "days",
            },
        },
    }


def _admin_group() -> Json:
    return {
        "Type": "AWS::Cognito::UserPoolGroup",
        "Properties": {
            "GroupName": ADMIN_GROUP,
            "UserPoolId": ref("UserPool"),
            "Description": "Shop administrators: catalog and order management.",
            "Precedence": 0,
        },
    }


def resources() -> Json:
    """The user pool, its web client and the admin group."""
    return {
        "UserPool": deleted_with_stack(_user_pool()),
        "UserPoolClient": _client(),
        "AdminGroup": _admin_group(),
    }


def outputs() -> Json:
    """USER_POOL_ID, USER_POOL_CLIENT_ID and USER_POOL_ARN."""
    return {
        "UserPoolId": {"Description": "USER_POOL_ID", "Value": ref("UserPool")},
        "UserPoolClientId": {"Description": "USER_POOL_CLIENT_ID", "Value": ref("UserPoolClient")},
        "UserPoolArn": {"Description": "USER_POOL_ARN", "Value": get_att("UserPool", "Arn")},
    }
