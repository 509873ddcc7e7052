# ruff: noqa
"""Q3 follow-up: why `Retry` on a waitForTaskToken task misbehaves in moto, and a portable explicit
retry loop (Choice + Wait(SecondsPath) + counter) that re-enters the task state."""

import json
import time

from common import ROLE, history, log, main_guard, print_history, receive_one, result, wait_status


def run(m):
    sfn, sqs = m.client("stepfunctions"), m.client("sqs")
    q = sqs.create_queue(QueueName="refunds")["QueueUrl"]

    def task(extra):
        t = {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": q,
                "MessageBody": {"taskToken.$": "$$.Task.Token", "attempt.$": "$$.State.RetryCount"},
            },
            "ResultPath": "$.refund",
        }
        t.update(extra)
        return t

    # a) Retry: fail once via SendTaskFailure, then never answer again. On AWS attempt 2 would wait
    #    (here up to TimeoutSeconds=20). Does moto wait for a new outcome?
    sm = sfn.create_state_machine(
        name="retry-stale",
        roleArn=ROLE,
        definition=json.dumps(
            {
                "StartAt": "Refund",
                "States": {
                    "Refund": task(
                        {
                            "TimeoutSeconds": 20,
                            "Next": "Ok",
                            "Retry": [
                                {
                                    "ErrorEquals": ["Refund.Transient"],
                                    "IntervalSeconds": 1,
                                    "BackoffRate": 1,
                                    "MaxAttempts": 2,
                                }
                            ],
                            "Catch": [
                                {
                                    "ErrorEquals": ["States.ALL"],
                                    "ResultPath": "$.err",
                                    "Next": "Failed",
                                }
                            ],
                        }
                    ),
                    "Ok": {"Type": "Succeed"},
                    "Failed": {"Type": "Pass", "End": True},
                },
            }
        ),
    )["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=sm, name="stale", input="{}")["executionArn"]
    body = receive_one(sqs, q)
    t0 = time.monotonic()
    sfn.send_task_failure(taskToken=body["taskToken"], error="Refund.Transient")
    d = wait_status(sfn, ex, timeout=30)
    took = time.monotonic() - t0
    tokens = set()
    while True:
        r = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not r:
            break
        tokens |= {json.loads(x["Body"])["taskToken"] for x in r}
    log(
        f"a) one SendTaskFailure, no further answers: {d['status']} {d.get('output')} after {took:.2f}s; "
        f"retry messages' tokens same as first: {tokens == {body['taskToken']}}"
    )
    print_history(sfn, ex)
    result(
        "a) moto: Retry attempts do NOT wait for a new outcome (replay the first failure, same token)",
        took < 5 and tokens == {body["taskToken"]},
    )

    # b) Retry after States.Timeout: does attempt 2 wait its TimeoutSeconds again?
    sm = sfn.create_state_machine(
        name="retry-timeout",
        roleArn=ROLE,
        definition=json.dumps(
            {
                "StartAt": "Refund",
                "States": {
                    "Refund": task(
                        {
                            "TimeoutSeconds": 2,
                            "Next": "Ok",
                            "Retry": [
                                {
                                    "ErrorEquals": ["States.Timeout"],
                                    "IntervalSeconds": 1,
                                    "BackoffRate": 1,
                                    "MaxAttempts": 2,
                                }
                            ],
                        }
                    ),
                    "Ok": {"Type": "Succeed"},
                },
            }
        ),
    )["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=sm, name="retry-to", input="{}")["executionArn"]
    d = wait_status(sfn, ex, timeout=30)
    h = history(sfn, ex)
    start = h[0][3]
    log(
        "b) Retry on States.Timeout (2 s timeout, 2 retries, 1 s interval) — AWS total ~8 s:",
        d["status"],
        d.get("error"),
        [
            (t, round((ts - start).total_seconds(), 2))
            for _, t, n, ts in h
            if t in ("TaskSubmitted", "TaskTimedOut")
        ],
    )

    # c) explicit retry loop: the task state is re-entered each attempt (own queue: (a)/(b) left messages)
    q = sqs.create_queue(QueueName="refunds-loop")["QueueUrl"]
    sm = sfn.create_state_machine(
        name="retry-loop",
        roleArn=ROLE,
        definition=json.dumps(
            {
                "StartAt": "Init",
                "States": {
                    "Init": {
                        "Type": "Pass",
                        "Parameters": {"attempt": 0, "delay": 1},
                        "ResultPath": "$.retry",
                        "Next": "Refund",
                    },
                    "Refund": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters": {
                            "QueueUrl": q,
                            "MessageBody": {
                                "taskToken.$": "$$.Task.Token",
                                "attempt.$": "$.retry.attempt",
                            },
                        },
                        "TimeoutSeconds": 20,
                        "ResultPath": "$.refund",
                        "Next": "Ok",
                        "Catch": [
                            {
                                "ErrorEquals": ["Refund.Transient"],
                                "ResultPath": "$.err",
                                "Next": "CanRetry",
                            },
                            {
                                "ErrorEquals": ["States.ALL"],
                                "ResultPath": "$.err",
                                "Next": "Failed",
                            },
                        ],
                    },
                    "CanRetry": {
                        "Type": "Choice",
                        "Choices": [
                            {"Variable": "$.retry.attempt", "NumericLessThan": 3, "Next": "Backoff"}
                        ],
                        "Default": "Failed",
                    },
                    "Backoff": {"Type": "Wait", "SecondsPath": "$.retry.delay", "Next": "Bump"},
                    "Bump": {
                        "Type": "Pass",
                        "Parameters": {
                            "attempt.$": "States.MathAdd($.retry.attempt, 1)",
                            "delay.$": "States.MathAdd($.retry.delay, $.retry.delay)",
                        },
                        "ResultPath": "$.retry",
                        "Next": "Refund",
                    },
                    "Ok": {
                        "Type": "Pass",
                        "Result": "REFUNDED",
                        "ResultPath": "$.status",
                        "End": True,
                    },
                    "Failed": {
                        "Type": "Pass",
                        "Result": "REFUND_FAILED",
                        "ResultPath": "$.status",
                        "End": True,
                    },
                },
            }
        ),
    )["stateMachineArn"]
    for name, script, want in (
        ("loop-ok", ["Refund.Transient"] * 3 + ["ok"], "REFUNDED"),
        ("loop-exhausted", ["Refund.Transient"] * 4, "REFUND_FAILED"),
        ("loop-refused", ["Refund.Refused"], "REFUND_FAILED"),
    ):
        ex = sfn.start_execution(stateMachineArn=sm, name=name, input="{}")["executionArn"]
        seen = []
        for outcome in script:
            body = receive_one(sqs, q, timeout=30)
            seen.append((time.monotonic(), body["attempt"], body["taskToken"]))
            if outcome == "ok":
                sfn.send_task_success(
                    taskToken=body["taskToken"], output=json.dumps({"refundId": "rf-1"})
                )
            else:
                sfn.send_task_failure(taskToken=body["taskToken"], error=outcome)
        d = wait_status(sfn, ex, timeout=30)
        out = json.loads(d["output"])
        gaps = [round(seen[i + 1][0] - seen[i][0], 2) for i in range(len(seen) - 1)]
        log(
            f"c) {name}: {d['status']} status={out['status']} attempts={[s[1] for s in seen]} gaps={gaps}s "
            f"distinct tokens={len({s[2] for s in seen})}/{len(seen)}"
        )
        result(
            f"c) explicit loop {name} -> {want}",
            out["status"] == want and len({s[2] for s in seen}) == len(seen),
        )
    print_history(sfn, ex)


if __name__ == "__main__":
    main_guard(run, 5604)
