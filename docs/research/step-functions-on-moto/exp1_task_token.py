# ruff: noqa
"""Q1: SQS sendMessage.waitForTaskToken: token delivery, SendTaskSuccess/Failure/Heartbeat, output."""

import json

from botocore.exceptions import ClientError

from common import ROLE, log, main_guard, print_history, receive_one, result, wait_status


def definition(queue_url):
    return json.dumps(
        {
            "StartAt": "AskApproval",
            "States": {
                "AskApproval": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {
                        "QueueUrl": queue_url,
                        "MessageBody": {
                            "returnId.$": "$.returnId",
                            "step": "approval",
                            "taskToken.$": "$$.Task.Token",
                        },
                    },
                    "ResultPath": "$.decision",
                    "Catch": [
                        {
                            "ErrorEquals": ["Rejected"],
                            "ResultPath": "$.error",
                            "Next": "WasRejected",
                        }
                    ],
                    "Next": "Done",
                },
                "WasRejected": {
                    "Type": "Pass",
                    "Result": "REJECTED",
                    "ResultPath": "$.status",
                    "End": True,
                },
                "Done": {"Type": "Pass", "End": True},
            },
        }
    )


def run(m):
    sfn, sqs = m.client("stepfunctions"), m.client("sqs")
    q = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    sm = sfn.create_state_machine(
        name="q1", definition=definition(q), roleArn=ROLE, type="STANDARD"
    )["stateMachineArn"]

    # a) success: token in message, output passed on
    ex = sfn.start_execution(
        stateMachineArn=sm, name="ret-a", input=json.dumps({"returnId": "ret-a"})
    )
    body = receive_one(sqs, q)
    log("a) message body:", body)
    result(
        "a) message carries returnId and taskToken",
        body.get("returnId") == "ret-a" and body.get("taskToken"),
    )
    try:
        sfn.send_task_heartbeat(taskToken=body["taskToken"])
        log("a) SendTaskHeartbeat on a state without HeartbeatSeconds: accepted")
    except ClientError as e:
        log(
            "a) SendTaskHeartbeat on a state without HeartbeatSeconds:",
            e.response["Error"]["Code"],
            "(AWS accepts it)",
        )
    sfn.send_task_success(taskToken=body["taskToken"], output=json.dumps({"approvedBy": "admin-1"}))
    d = wait_status(sfn, ex["executionArn"])
    log("a) describe:", d["status"], d.get("output"))
    result(
        "a) SendTaskSuccess resumes; output lands at ResultPath",
        d["status"] == "SUCCEEDED"
        and json.loads(d["output"])["decision"] == {"approvedBy": "admin-1"},
    )
    print_history(sfn, ex["executionArn"])
    # late token use after the execution finished
    for call, kw in (
        ("send_task_success", {"output": "{}"}),
        ("send_task_failure", {"error": "X"}),
        ("send_task_heartbeat", {}),
    ):
        try:
            getattr(sfn, call)(taskToken=body["taskToken"], **kw)
            log(f"a) late {call} after SUCCEEDED: accepted (no error)")
        except ClientError as e:
            log(f"a) late {call} after SUCCEEDED: {e.response['Error']['Code']}")

    # b) failure with an error name -> Catch
    ex = sfn.start_execution(
        stateMachineArn=sm, name="ret-b", input=json.dumps({"returnId": "ret-b"})
    )
    body = receive_one(sqs, q)
    sfn.send_task_failure(
        taskToken=body["taskToken"], error="Rejected", cause="wrong size is not a defect"
    )
    d = wait_status(sfn, ex["executionArn"])
    out = json.loads(d["output"])
    log("b) describe:", d["status"], out)
    result(
        "b) SendTaskFailure(error=Rejected) caught",
        d["status"] == "SUCCEEDED"
        and out["status"] == "REJECTED"
        and out["error"]["Error"] == "Rejected",
    )
    result(
        "b) SendTaskFailure cause is passed on (AWS does)",
        out["error"]["Cause"] == "wrong size is not a defect",
        f"Cause={out['error']['Cause']!r}",
    )

    # c) failure with an uncaught error name -> execution FAILED
    ex = sfn.start_execution(
        stateMachineArn=sm, name="ret-c", input=json.dumps({"returnId": "ret-c"})
    )
    body = receive_one(sqs, q)
    sfn.send_task_failure(taskToken=body["taskToken"], error="Boom", cause="c")
    d = wait_status(sfn, ex["executionArn"])
    log("c) describe:", d["status"], d.get("error"), d.get("cause"))
    result(
        "c) uncaught SendTaskFailure fails the execution",
        d["status"] == "FAILED" and d.get("error") == "Boom",
    )

    # d) bogus token
    for call, kw in (("send_task_success", {"output": "{}"}), ("send_task_heartbeat", {})):
        try:
            getattr(sfn, call)(taskToken="not-a-token", **kw)
            log(f"d) {call}(bogus): accepted")
        except ClientError as e:
            log(f"d) {call}(bogus): {e.response['Error']['Code']}")
    # e) SendTaskSuccess with invalid JSON output
    ex = sfn.start_execution(
        stateMachineArn=sm, name="ret-e", input=json.dumps({"returnId": "ret-e"})
    )
    body = receive_one(sqs, q)
    try:
        sfn.send_task_success(taskToken=body["taskToken"], output="not json")
        log("e) send_task_success(output='not json'): accepted")
    except ClientError as e:
        log(f"e) send_task_success(output='not json'): {e.response['Error']['Code']}")
    d = wait_status(sfn, ex["executionArn"], timeout=5) if True else None
    log("e) describe:", d["status"], d.get("error"), (d.get("cause") or "")[:120])


if __name__ == "__main__":
    main_guard(run, 5601)
