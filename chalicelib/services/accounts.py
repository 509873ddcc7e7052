"""Sign-up, confirmation, login and refresh over Cognito's public APIs (no client secret)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.adapters import aws
from chalicelib.config import settings
from chalicelib.domain.errors import (
    AlreadyExists,
    InvalidInput,
    Throttled,
    Unauthenticated,
    Unavailable,
)
from chalicelib.services import profiles

_THROTTLED = {
    "TooManyRequestsException",
    "LimitExceededException",
    "TooManyFailedAttemptsException",
}
_UNAVAILABLE = {"InternalErrorException", "ServiceUnavailableException"}


@dataclass(frozen=True)
class Registration:
    """A new user: their id (Cognito's `sub`), e-mail, and whether they may log in already."""

    user_id: str
    email: str
    confirmed: bool


@dataclass(frozen=True)
class Tokens:
    """Cognito's answer to a login or a refresh (a refresh answers no new refresh token)."""

    id_token: str
    access_token: str
    expires_in: int
    refresh_token: str | None = None


def _cognito_error(exc: Any, operation: str = "") -> Exception:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", code)
    if code in _THROTTLED:
        return Throttled("Too many attempts; try again later")
    if code in _UNAVAILABLE:
        return Unavailable("The identity service is unavailable")
    if code == "UsernameExistsException":
        return AlreadyExists("An account with this email already exists")
    if code in {"InvalidPasswordException", "InvalidParameterException"}:
        return InvalidInput(f"password: {message}" if "assword" in message else message)
    if code in {"CodeMismatchException", "ExpiredCodeException"}:
        return InvalidInput("code is wrong or has expired")
    if code == "PasswordResetRequiredException":
        return Unauthenticated("This account's password must be reset before signing in")
    if code == "UserLambdaValidationException":
        # A Cognito trigger (pre sign-up, pre authentication...) refused the request.
        if operation == "initiate_auth":
            return Unauthenticated("Signing in was refused for this account")
        return InvalidInput(f"The request was refused: {message}")
    if code in {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"}:
        return Unauthenticated(
            "Confirm your email first"
            if code == "UserNotConfirmedException"
            else "Wrong email, password or token"
        )
    return exc  # type: ignore[no-any-return]


def _call(operation: str, **params: Any) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        return getattr(aws.client("cognito-idp"), operation)(**params)  # type: ignore[no-any-return]
    except ClientError as exc:
        raise _cognito_error(exc, operation) from None


def register(email: str, password: str, name: str) -> Registration:
    """Create a user (confirmed at once on the local stack) and their profile."""
    s = settings()
    email = email.lower()
    answer = _call(
        "sign_up",
        ClientId=s.user_pool_client_id,
        Username=email,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
    )
    confirmed = bool(answer.get("UserConfirmed"))
    if s.auto_confirm and not confirmed:
        # A stage that confirms sign-ups itself (local, test) also vouches for the address,
        # as a confirmation code would have: its tokens then say email_verified.
        _call("admin_confirm_sign_up", UserPoolId=s.user_pool_id, Username=email)
        _call(
            "admin_update_user_attributes",
            UserPoolId=s.user_pool_id,
            Username=email,
            UserAttributes=[{"Name": "email_verified", "Value": "true"}],
        )
        confirmed = True
    user_id = answer["UserSub"]
    # Unconfirmed (deployed): the profile's address is proved by the confirmation code, which
    # Cognito requires before the first login; until then nothing is ever mailed to it.
    profiles.create_profile(user_id, email, name, verified=confirmed)
    return Registration(user_id, email, confirmed)


def confirm(email: str, code: str) -> None:
    """Confirm a sign-up with the code Cognito e-mailed."""
    _call(
        "confirm_sign_up",
        ClientId=settings().user_pool_client_id,
        Username=email.lower(),
        ConfirmationCode=code,
    )


def _tokens(answer: dict[str, Any]) -> Tokens:
    result = answer.get("AuthenticationResult")
    if not result:
        raise Unauthenticated("This account needs a step the API does not support")
    return Tokens(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        expires_in=int(result.get("ExpiresIn", 3600)),
        refresh_token=result.get("RefreshToken"),
    )


def login(email: str, password: str) -> Tokens:
    """Tokens for a correct email and password; Unauthenticated otherwise."""
    answer = _call(
        "initiate_auth",
        ClientId=settings().user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email.lower(), "PASSWORD": password},
    )
    return _tokens(answer)


def refresh(refresh_token: str) -> Tokens:
    """New ID and access tokens for a valid refresh token."""
    answer = _call(
        "initiate_auth",
        ClientId=settings().user_pool_client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    return replace(_tokens(answer), refresh_token=None)
