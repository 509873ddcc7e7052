# ruff: noqa
"""Q6: what a moto restart does to running executions; threads per waiting execution; a resume-by-design
pattern (new execution `<returnId>-r1` that routes on the status stored in DynamoDB); wrong MOTO_PORT."""

import json
import os
import time

from botocore.exceptions import ClientError

from common import ROLE, Moto, log, print_history, receive_one, result, wait_status


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("Threads:")).split()[1])


def setup(m):
    sfn, sqs, ddb = m.client("stepfunctions"), m.client("sqs"), m.client("dynamodb")
    ddb.create_table(
        TableName="returns",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "returnId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "returnId", "AttributeType": "S"}],
    )
    q = sqs.create_queue(QueueName="steps")["QueueUrl"]

    def ask(step, nxt):
        return {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": q,
                "MessageBody": {
                    "step": step,
                    "returnId.$": "$.returnId",
                    "taskToken.$": "$$.Task.Token",
                },
            },
            "TimeoutSeconds": 3600,
            "ResultPath": None,
            "Next": nxt,
        }

    definition = json.dumps(
        {
            "StartAt": "Load",
            "States": {
                # the authoritative status lives in DynamoDB; the execution routes on it, so a new execution
                # (`<returnId>-r1`) resumes where the old one was
                "Load": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {
                        "TableName": "returns",
                        "Key": {"returnId": {"S.$": "$.returnId"}},
                        "ConsistentRead": True,
                    },
                    "ResultSelector": {"status.$": "$.Item.status.S"},
                    "ResultPath": "$.stored",
                    "Next": "Route",
                },
                "Route": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Variable": "$.stored.status",
                            "StringEquals": "REQUESTED",
                            "Next": "AwaitDecision",
                        },
                        {
                            "Variable": "$.stored.status",
                            "StringEquals": "APPROVED",
                            "Next": "AwaitParcel",
                        },
                        {
                            "Variable": "$.stored.status",
                            "StringEquals": "RECEIVED",
                            "Next": "Refund",
                        },
                    ],
                    "Default": "Closed",
                },
                "AwaitDecision": ask("decision", "AwaitParcel"),
                "AwaitParcel": ask("parcel", "Refund"),
                "Refund": ask("refund", "Closed"),
                "Closed": {"Type": "Succeed"},
            },
        }
    )
    sm = sfn.create_state_machine(name="returns", definition=definition, roleArn=ROLE)[
        "stateMachineArn"
    ]
    return sfn, sqs, ddb, q, sm


def run():
    port = 5606
    m = Moto(port).start()
    try:
        sfn, sqs, ddb, q, sm = setup(m)
        base = threads(m.proc.pid)
        # 20 returns waiting for a decision: threads per waiting execution
        for i in range(20):
            ddb.put_item(
                TableName="returns",
                Item={"returnId": {"S": f"ret-{i}"}, "status": {"S": "REQUESTED"}},
            )
            sfn.start_execution(
                stateMachineArn=sm, name=f"ret-{i}", input=json.dumps({"returnId": f"ret-{i}"})
            )
        for _ in range(20):
            receive_one(sqs, q)
        time.sleep(1)
        log(
            f"a) moto threads: {base} idle -> {threads(m.proc.pid)} with 20 executions waiting on a token "
            f"(~{(threads(m.proc.pid) - base) / 20:.1f} per execution)"
        )
        ex0 = f"{sm.replace(':stateMachine:', ':execution:')}:ret-0"
        old_token_msg = None
        ddb.put_item(
            TableName="returns", Item={"returnId": {"S": "ret-x"}, "status": {"S": "REQUESTED"}}
        )
        exx = sfn.start_execution(
            stateMachineArn=sm, name="ret-x", input=json.dumps({"returnId": "ret-x"})
        )["executionArn"]
        old_token_msg = receive_one(sqs, q)
    finally:
        m.stop()

    # b) restart moto on the same port
    m = Moto(port).start()
    try:
        sfn, sqs, ddb = m.client("stepfunctions"), m.client("sqs"), m.client("dynamodb")
        log(
            "b) after restart: state machines",
            len(sfn.list_state_machines()["stateMachines"]),
            "tables",
            ddb.list_tables()["TableNames"],
            "queues",
            sqs.list_queues().get("QueueUrls", []),
        )
        for call, kw in (
            ("describe_execution", {"executionArn": exx}),
            ("send_task_success", {"taskToken": old_token_msg["taskToken"], "output": "{}"}),
        ):
            try:
                getattr(sfn, call)(**kw)
                log(f"b) {call} with pre-restart ids: OK")
            except ClientError as e:
                log(f"b) {call} with pre-restart ids: {e.response['Error']['Code']}")
        # re-create everything from the same definition (as provisioning would), with a stored status
        sfn, sqs, ddb, q, sm = setup(m)
        ddb.put_item(
            TableName="returns", Item={"returnId": {"S": "ret-x"}, "status": {"S": "APPROVED"}}
        )
        r = sfn.start_execution(
            stateMachineArn=sm, name="ret-x", input=json.dumps({"returnId": "ret-x"})
        )
        log(
            "c) same name ret-x after restart (old execution forgotten):",
            r["executionArn"].rsplit(":", 1)[-1],
        )
        # resume by design: a new execution named <returnId>-r1 routes on the stored status
        ddb.put_item(
            TableName="returns", Item={"returnId": {"S": "ret-y"}, "status": {"S": "RECEIVED"}}
        )
        ex = sfn.start_execution(
            stateMachineArn=sm, name="ret-y-r1", input=json.dumps({"returnId": "ret-y"})
        )["executionArn"]
        msgs = [receive_one(sqs, q), receive_one(sqs, q)]
        log("c) resume messages:", [(x["returnId"], x["step"]) for x in msgs])
        y = next(x for x in msgs if x["returnId"] == "ret-y")
        sfn.send_task_success(taskToken=y["taskToken"], output="{}")
        d = wait_status(sfn, ex)
        print_history(sfn, ex)
        result(
            "c) ret-y-r1 resumed at Refund from the stored RECEIVED status",
            y["step"] == "refund" and d["status"] == "SUCCEEDED",
        )
    finally:
        m.stop()


def run_wrong_port():
    """Server on 5607 but MOTO_PORT says 5699: what does an integration task do?"""
    import subprocess
    from common import VENV_BIN, HERE
    import urllib.request

    env = dict(os.environ, MOTO_PORT="5699")
    logf = open(os.path.join(HERE, "moto-5607.log"), "ab")
    p = subprocess.Popen(
        [os.path.join(VENV_BIN, "moto_server"), "-H", "127.0.0.1", "-p", "5607"],
        env=env,
        stdout=logf,
        stderr=subprocess.STDOUT,
    )
    try:
        m = Moto(5607)
        m.proc = p
        for _ in range(100):
            try:
                urllib.request.urlopen(m.url + "/moto-api/config", timeout=1).read()
                break
            except Exception:
                time.sleep(0.1)
        m.set_config({"stepfunctions": {"execute_state_machine": True}})
        sfn, sqs = m.client("stepfunctions"), m.client("sqs")
        q = sqs.create_queue(QueueName="x")["QueueUrl"]
        sm = sfn.create_state_machine(
            name="wrongport",
            roleArn=ROLE,
            definition=json.dumps(
                {
                    "StartAt": "S",
                    "States": {
                        "S": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::sqs:sendMessage",
                            "Parameters": {"QueueUrl": q, "MessageBody": "hi"},
                            "End": True,
                        }
                    },
                }
            ),
        )["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=sm, name="wp", input="{}")["executionArn"]
        d = wait_status(sfn, ex, timeout=120)
        log(
            "d) MOTO_PORT=5699 but server on 5607:",
            d["status"],
            d.get("error"),
            (d.get("cause") or "")[:160],
        )
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    run()
    run_wrong_port()
