# ruff: noqa
"""moto_server with one fix: a waitForTaskToken task that is retried gets a fresh task token (and so a
fresh callback endpoint) per attempt, as on AWS. Without it moto 5.2.5 reuses the first attempt's token,
whose endpoint still holds the first outcome (or the 'interrupted' flag after a timeout), so every retry
fails at once with the first attempt's error and never waits for the worker."""

import sys

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
    ResourceCondition,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)

_orig = StateTaskServiceCallback._evaluate_with_timeout


def _evaluate_with_timeout(self, env):
    if (
        self.resource.condition == ResourceCondition.WaitForTaskToken
        and env.states.context_object.context_object_data["State"].get("RetryCount", 0) > 0
    ):
        env.callback_pool_manager.add(env.states.context_object.update_task_token())
    return _orig(self, env)


StateTaskServiceCallback._evaluate_with_timeout = _evaluate_with_timeout

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
