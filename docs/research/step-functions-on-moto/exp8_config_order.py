# ruff: noqa
"""Does a state machine created before `execute_state_machine` is switched on survive the switch?"""

import json

from botocore.exceptions import ClientError

from common import ROLE, Moto, log

m = Moto(5610, execute=False).start()
try:
    sfn = m.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="early",
        roleArn=ROLE,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    log("before switch: list", [s["name"] for s in sfn.list_state_machines()["stateMachines"]])
    m.set_config({"stepfunctions": {"execute_state_machine": True}})
    log("after switch: list", [s["name"] for s in sfn.list_state_machines()["stateMachines"]])
    try:
        sfn.start_execution(stateMachineArn=arn, name="e1", input="{}")
        log("after switch: start_execution OK")
    except ClientError as e:
        log("after switch: start_execution", e.response["Error"]["Code"])
finally:
    m.stop()
