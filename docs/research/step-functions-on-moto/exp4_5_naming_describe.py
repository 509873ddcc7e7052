# ruff: noqa
"""Q4: execution naming / ExecutionAlreadyExists. Q5: DescribeExecution, GetExecutionHistory,
ListExecutions, StopExecution."""

import json
import time

from botocore.exceptions import ClientError

from common import ROLE, log, main_guard, receive_one, result, wait_status


def try_start(sfn, **kw):
    try:
        r = sfn.start_execution(**kw)
        return "OK " + r["executionArn"].rsplit(":", 1)[-1]
    except ClientError as e:
        return f"{e.response['Error']['Code']} ({e.response['ResponseMetadata']['HTTPStatusCode']}): {e.response['Error']['Message'][:90]}"


def run(m):
    sfn, sqs = m.client("stepfunctions"), m.client("sqs")
    q = sqs.create_queue(QueueName="tokens")["QueueUrl"]
    definition = json.dumps(
        {
            "StartAt": "Wait4",
            "States": {
                "Wait4": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {
                        "QueueUrl": q,
                        "MessageBody": {
                            "taskToken.$": "$$.Task.Token",
                            "id.$": "$$.Execution.Name",
                        },
                    },
                    "TimeoutSeconds": 60,
                    "ResultPath": "$.out",
                    "End": True,
                }
            },
        }
    )
    sm = sfn.create_state_machine(name="returns", definition=definition, roleArn=ROLE)[
        "stateMachineArn"
    ]
    sm2 = sfn.create_state_machine(name="returns-other", definition=definition, roleArn=ROLE)[
        "stateMachineArn"
    ]
    inp = json.dumps({"returnId": "ret-1"})

    log(
        "4a) first start                         :",
        try_start(sfn, stateMachineArn=sm, name="ret-1", input=inp),
    )
    log(
        "4b) same name, same input, RUNNING      :",
        try_start(sfn, stateMachineArn=sm, name="ret-1", input=inp),
    )
    log(
        "4c) same name, other input, RUNNING     :",
        try_start(sfn, stateMachineArn=sm, name="ret-1", input='{"returnId":"x"}'),
    )
    log(
        "4d) same name, input with other spacing :",
        try_start(sfn, stateMachineArn=sm, name="ret-1", input='{"returnId": "ret-1" }'),
    )
    log(
        "4e) same name, other state machine      :",
        try_start(sfn, stateMachineArn=sm2, name="ret-1", input=inp),
    )
    arn = f"{sm.replace(':stateMachine:', ':execution:')}:ret-1"
    n_running = len(sfn.list_executions(stateMachineArn=sm, statusFilter="RUNNING")["executions"])
    log("4f) RUNNING executions of 'returns' after 4a-4d:", n_running)
    result("4) idempotent start for same name+input while running; one execution", n_running == 1)
    # messages: how many SQS task messages were sent for ret-1 on sm?
    body = receive_one(sqs, q)

    # 5a) DescribeExecution while waiting for a token
    d = sfn.describe_execution(executionArn=arn)
    log(
        "5a) describe RUNNING:",
        {
            k: (v if k != "ResponseMetadata" else "...")
            for k, v in d.items()
            if k != "ResponseMetadata"
        },
    )
    h = sfn.get_execution_history(executionArn=arn)["events"]
    log("5a) history while RUNNING (types):", [e["type"] for e in h])
    log(
        "5a) TaskSubmitted event:",
        json.dumps([e for e in h if e["type"] == "TaskSubmitted"][0], default=str)[:400],
    )

    # finish it; then start again with the same name
    sfn.send_task_success(
        taskToken=body["taskToken"] if body["id"] == "ret-1" else receive_one(sqs, q)["taskToken"],
        output=json.dumps({"ok": 1}),
    )
    d = wait_status(sfn, arn)
    log("5b) describe SUCCEEDED:", {k: v for k, v in d.items() if k != "ResponseMetadata"})
    log(
        "4g) same name, same input, SUCCEEDED    :",
        try_start(sfn, stateMachineArn=sm, name="ret-1", input=inp),
    )
    log(
        "4h) same name, other input, SUCCEEDED   :",
        try_start(sfn, stateMachineArn=sm, name="ret-1", input="{}"),
    )
    log("4i) no name                             :", try_start(sfn, stateMachineArn=sm, input=inp))
    log("4j) no name again                       :", try_start(sfn, stateMachineArn=sm, input=inp))
    log(
        "4k) name with '#' (AWS rejects: InvalidName):",
        try_start(sfn, stateMachineArn=sm, name="ret#1", input=inp),
    )
    log(
        "4l) 81-char name (AWS max 80)           :",
        try_start(sfn, stateMachineArn=sm, name="r" * 81, input=inp),
    )

    # 5c) full history, reverse order, paging, includeExecutionData
    h = sfn.get_execution_history(executionArn=arn)["events"]
    for e in h:
        det = {k: v for k, v in e.items() if k.endswith("Details")}
        log(
            f"5c)  #{e['id']} prev={e.get('previousEventId')} {e['type']} {json.dumps(det, default=str)[:160]}"
        )
    r = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=2)
    log("5d) reverseOrder+maxResults=2:", [e["type"] for e in r["events"]], "nextToken" in r)
    if "nextToken" in r:
        r2 = sfn.get_execution_history(
            executionArn=arn, reverseOrder=True, maxResults=2, nextToken=r["nextToken"]
        )
        log("5d) page 2:", [e["type"] for e in r2["events"]])
    r = sfn.get_execution_history(executionArn=arn, includeExecutionData=False)
    log(
        "5e) includeExecutionData=False, ExecutionSucceeded event:",
        [e for e in r["events"] if e["type"] == "ExecutionSucceeded"][0].get(
            "executionSucceededEventDetails"
        ),
    )

    # 5f) StopExecution on a waiting execution; then the token
    ex = sfn.start_execution(stateMachineArn=sm, name="ret-stop", input=inp)["executionArn"]
    body = receive_one(sqs, q)
    sfn.stop_execution(executionArn=ex, error="Admin.Cancelled", cause="test")
    d = sfn.describe_execution(executionArn=ex)
    log("5f) after StopExecution:", d["status"], d.get("error"), d.get("cause"))
    try:
        sfn.send_task_success(taskToken=body["taskToken"], output="{}")
        log("5f) SendTaskSuccess after stop: accepted")
    except ClientError as e:
        log("5f) SendTaskSuccess after stop:", e.response["Error"]["Code"])
    log(
        "5f) history tail:",
        [e["type"] for e in sfn.get_execution_history(executionArn=ex)["events"]][-3:],
    )
    time.sleep(1)
    d = sfn.describe_execution(executionArn=ex)
    log("5f) 1 s later:", d["status"], d.get("error"))
    # 5g) StopExecution during a Wait state
    smw = sfn.create_state_machine(
        name="waiter",
        roleArn=ROLE,
        definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}}
        ),
    )["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=smw, name="w-1", input="{}")["executionArn"]
    time.sleep(1)
    sfn.stop_execution(executionArn=ex, error="Admin.Cancelled", cause="test")
    time.sleep(0.5)
    d = sfn.describe_execution(executionArn=ex)
    log(
        "5g) StopExecution during Wait:",
        d["status"],
        d.get("error"),
        (d.get("cause") or "")[:100],
        [e["type"] for e in sfn.get_execution_history(executionArn=ex)["events"]][-2:],
    )
    log(
        "5h) list_executions:",
        [
            (e.get("name"), e["status"])
            for e in sfn.list_executions(stateMachineArn=sm)["executions"]
        ],
    )


if __name__ == "__main__":
    main_guard(run, 5605)
