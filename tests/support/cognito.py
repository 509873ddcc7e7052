"""Users of the session's Cognito pool in moto, signed up and logged in."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

PASSWORD = "Passw0rd!-test"
_emails = itertools.count(1)


@dataclass
class CognitoPool:
    """The session's user pool in moto."""

    pool_id: str
    client_id: str
    jwks_url: str


@dataclass
class User:
    """A signed-in user of the test pool."""

    email: str
    user_id: str
    id_token: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header the contract asks for."""
        return {"Authorization": f"Bearer {self.id_token}"}


def sign_up(
    pool: CognitoPool, *, admin: bool = False, name: str = "Test User", verified: bool = True
) -> User:
    """Create a confirmed user in the pool (and the admin group) and log them in; `verified`
    says whether their e-mail address is (the `email_verified` claim of their tokens)."""
    import boto3

    idp = boto3.client("cognito-idp")
    email = f"user{next(_emails)}@example.com"
    sub = idp.sign_up(
        ClientId=pool.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
    )["UserSub"]
    idp.admin_confirm_sign_up(UserPoolId=pool.pool_id, Username=email)
    if verified:
        attribute = {"Name": "email_verified", "Value": "true"}
        idp.admin_update_user_attributes(
            UserPoolId=pool.pool_id, Username=email, UserAttributes=[attribute]
        )
    if admin:
        idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=email, GroupName="admin")
    tokens = idp.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return User(email, sub, tokens["IdToken"], tokens["AccessToken"], tokens["RefreshToken"])
