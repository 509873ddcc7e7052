# ruff: noqa
"""Q2: TimeoutSeconds / TimeoutSecondsPath / HeartbeatSeconds on an SQS waitForTaskToken task."""

import json
import time

from botocore.exceptions import ClientError

from common import ROLE, history, log, main_guard, print_history, receive_one, result, wait_status


def sm_def(queue_url, timeout_field, heartbeat=None):
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": queue_url,
            "MessageBody": {"returnId.$": "$.returnId", "taskToken.$": "$$.Task.Token"},
        },
        "ResultPath": "$.decision",
        "Catch": [
            {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "TimedOut"},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "OtherError"},
        ],
        "Next": "Done",
    }
    task.update(timeout_field)
    if heartbeat:
        task["HeartbeatSeconds"] = heartbeat
    return json.dumps(
        {
            "StartAt": "Wait4Token",
            "States": {
                "Wait4Token": task,
                # stays RUNNING a little after the timeout so a late token can be tried on a live execution
                "TimedOut": {"Type": "Wait", "Seconds": 3, "Next": "TimedOutEnd"},
                "TimedOutEnd": {
                    "Type": "Pass",
                    "Result": "EXPIRED",
                    "ResultPath": "$.status",
                    "End": True,
                },
                "OtherError": {
                    "Type": "Pass",
                    "Result": "OTHER",
                    "ResultPath": "$.status",
                    "End": True,
                },
                "Done": {"Type": "Pass", "Result": "OK", "ResultPath": "$.status", "End": True},
            },
        }
    )


def measure(sfn, arn):
    h = history(sfn, arn)
    entered = next(ts for _, t, n, ts in h if t == "TaskStateEntered")
    submitted = next((ts for _, t, n, ts in h if t == "TaskSubmitted"), None)
    ended = next(
        ((t, ts) for _, t, n, ts in h if t in ("TaskTimedOut", "TaskFailed", "TaskSucceeded")), None
    )
    return (
        ended[0] if ended else None,
        (ended[1] - entered).total_seconds() if ended else None,
        (ended[1] - submitted).total_seconds() if ended and submitted else None,
    )


def run(m):
    sfn, sqs = m.client("stepfunctions"), m.client("sqs")
    q = sqs.create_queue(QueueName="tokens")["QueueUrl"]

    def start(name, definition, inp, sm_name):
        arn = sfn.create_state_machine(name=sm_name, definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        return sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(inp))[
            "executionArn"
        ]

    # a) TimeoutSeconds = N, no token ever sent
    for n in (1, 2, 3, 5):
        ex = start(f"t{n}", sm_def(q, {"TimeoutSeconds": n}), {"returnId": f"t{n}"}, f"timeout{n}")
        body = receive_one(sqs, q)
        time.sleep(n + 0.5)
        # the execution now sits in the TimedOut Wait state: try the stale token on a RUNNING execution
        try:
            sfn.send_task_success(taskToken=body["taskToken"], output="{}")
            late = "accepted (silently)"
        except ClientError as e:
            late = e.response["Error"]["Code"]
        d = wait_status(sfn, ex)
        ev, since_entered, since_submitted = measure(sfn, ex)
        out = json.loads(d["output"])
        log(
            f"a) TimeoutSeconds={n}: {d['status']} status={out.get('status')} error={out.get('error')} "
            f"event={ev} after {since_entered:.3f}s from TaskStateEntered ({since_submitted:.3f}s from TaskSubmitted); "
            f"late SendTaskSuccess after the timeout: {late}"
        )
        result(
            f"a) TimeoutSeconds={n} fires States.Timeout into Catch",
            out.get("status") == "EXPIRED" and out["error"]["Error"] == "States.Timeout",
        )
    print_history(sfn, ex)

    # b) TimeoutSecondsPath from the input (lets the local stack pass RETURN_APPROVAL_SECONDS per execution)
    ex = start(
        "tp",
        sm_def(q, {"TimeoutSecondsPath": "$.windows.approvalSeconds"}),
        {"returnId": "tp", "windows": {"approvalSeconds": 2}},
        "timeoutpath",
    )
    receive_one(sqs, q)
    d = wait_status(sfn, ex)
    ev, se, ss = measure(sfn, ex)
    log(
        f"b) TimeoutSecondsPath=2: {d['status']} {json.loads(d['output']).get('status')} event={ev} after {se:.3f}s"
    )
    result(
        "b) TimeoutSecondsPath honoured",
        json.loads(d["output"]).get("status") == "EXPIRED" and 1.9 < se < 2.6,
    )

    # c) HeartbeatSeconds=2, TimeoutSeconds=30, no heartbeat sent
    ex = start(
        "hb-none", sm_def(q, {"TimeoutSeconds": 30}, heartbeat=2), {"returnId": "hb-none"}, "hb1"
    )
    receive_one(sqs, q)
    d = wait_status(sfn, ex)
    ev, se, ss = measure(sfn, ex)
    out = json.loads(d["output"])
    log(
        f"c) HeartbeatSeconds=2, no heartbeats: {d['status']} status={out.get('status')} error={out.get('error')} "
        f"event={ev} after {se:.3f}s"
    )
    result(
        "c) HeartbeatSeconds fires a timeout when no heartbeat comes",
        ev == "TaskTimedOut" and se < 3,
    )

    # d) HeartbeatSeconds=2, TimeoutSeconds=6, heartbeat every 1 s -> overall timeout at 6 s
    ex = start(
        "hb-beat", sm_def(q, {"TimeoutSeconds": 6}, heartbeat=2), {"returnId": "hb-beat"}, "hb2"
    )
    body = receive_one(sqs, q)
    beats, errors = 0, []
    while sfn.describe_execution(executionArn=ex)["status"] == "RUNNING":
        try:
            sfn.send_task_heartbeat(taskToken=body["taskToken"])
            beats += 1
        except ClientError as e:
            errors.append(e.response["Error"]["Code"])
            break
        time.sleep(1)
    d = wait_status(sfn, ex)
    ev, se, ss = measure(sfn, ex)
    out = json.loads(d["output"])
    log(
        f"d) HeartbeatSeconds=2 TimeoutSeconds=6 with {beats} heartbeats (errors {errors}): status={out.get('status')} "
        f"error={out.get('error')} event={ev} after {se:.3f}s"
    )
    result(
        "d) heartbeats keep it alive until TimeoutSeconds", ev == "TaskTimedOut" and 5.8 < se < 6.8
    )

    # e) HeartbeatSeconds without TimeoutSeconds (AWS default TimeoutSeconds is 99999999)
    ex = start("hb-only", sm_def(q, {}, heartbeat=30), {"returnId": "hb-only"}, "hb3")
    body = receive_one(sqs, q)
    sfn.send_task_success(taskToken=body["taskToken"], output=json.dumps({"ok": True}))
    d = wait_status(sfn, ex)
    log(f"e) HeartbeatSeconds=30 only, success sent: {d['status']} {d.get('output')}")

    # f) success before the timeout still wins
    ex = start("t-ok", sm_def(q, {"TimeoutSeconds": 3}), {"returnId": "t-ok"}, "timeout-ok")
    body = receive_one(sqs, q)
    time.sleep(1)
    sfn.send_task_success(taskToken=body["taskToken"], output=json.dumps({"approved": True}))
    d = wait_status(sfn, ex)
    out = json.loads(d["output"])
    log(f"f) TimeoutSeconds=3, success at ~1 s: {d['status']} {out}")
    result(
        "f) success within the window passes output",
        out.get("status") == "OK" and out["decision"] == {"approved": True},
    )


if __name__ == "__main__":
    main_guard(run, 5602)
