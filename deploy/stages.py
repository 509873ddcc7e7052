"""The deploy's own per-stage settings: what .chalice/config.json cannot hold.

Throttling is per API Gateway stage (every method), so one noisy client cannot run up the bill or
starve the others; API Gateway answers 429 above it. The limits are deliberately low for dev.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deploy import DeployError


@dataclass(frozen=True)
class Throttle:
    """API Gateway's token bucket for every method of a stage."""

    rate_limit: float  # requests per second, sustained
    burst_limit: int  # requests at once


@dataclass(frozen=True)
class StageSettings:
    """One deployable stage."""

    name: str
    throttle: Throttle
    # Variables the deploy takes from its own environment into the Lambdas' (e.g. SES's sender).
    required_env: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    # A stage that takes real orders: the simulated payment provider would capture no money.
    real_payments: bool = False
    # Warm instances of the API's function, kept ready through the alias `live`; 0 is off. The
    # answer to cold starts when they matter, at about $11 a month per instance of 512 MB.
    provisioned_concurrency: int = 0

    @property
    def stack_name(self) -> str:
        """The infrastructure stack's name."""
        return f"shop-{self.name}"


STAGES: dict[str, StageSettings] = {
    "dev": StageSettings("dev", Throttle(rate_limit=25, burst_limit=50)),
    # prod sends mail with SES (MAILER=ses), from an address or domain verified in SES.
    "prod": StageSettings(
        "prod", Throttle(rate_limit=200, burst_limit=400), ("MAIL_SENDER",), real_payments=True
    ),
}
SIMULATED_PAYMENTS = "simulated"  # chalicelib/config.py's default PAYMENT_PROVIDER


def stage_settings(name: str) -> StageSettings:
    """The settings of a deployable stage; DeployError for local, test or a typo."""
    try:
        return STAGES[name]
    except KeyError:
        raise DeployError(
            f"Stage {name!r} cannot be deployed; choose one of {sorted(STAGES)}"
        ) from None


def extra_env(settings: StageSettings, environ: dict[str, str]) -> dict[str, str]:
    """The variables a stage requires from the deploy's environment; DeployError if one is unset."""
    missing = [name for name in settings.required_env if not environ.get(name)]
    if missing:
        raise DeployError(
            f"Stage {settings.name} needs {', '.join(missing)} set when deploying "
            "(MAIL_SENDER: an address or domain verified in SES)."
        )
    return {name: environ[name] for name in settings.required_env}


def check_payment_provider(
    settings: StageSettings, stage_env: dict[str, str], allow_simulated: bool = False
) -> str:
    """The stage's payment provider; DeployError if a real-payments stage would simulate them.

    The simulated provider approves `tok_visa` and captures nothing, so prod refuses it unless the
    deploy says, on purpose, that it may (`make deploy STAGE=prod ALLOW_SIMULATED_PAYMENTS=yes`).
    """
    provider = stage_env.get("PAYMENT_PROVIDER") or SIMULATED_PAYMENTS
    if settings.real_payments and provider == SIMULATED_PAYMENTS and not allow_simulated:
        raise DeployError(
            f"Stage {settings.name} would take orders with the simulated payment provider, which "
            "approves test cards and captures no money. Set PAYMENT_PROVIDER in the stage's "
            "environment_variables in .chalice/config.json, or, on purpose, deploy with "
            "ALLOW_SIMULATED_PAYMENTS=yes (--allow-simulated-payments)."
        )
    return provider
