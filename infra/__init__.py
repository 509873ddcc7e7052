"""The shop's AWS infrastructure, defined once as a CloudFormation template built in Python.

`infra.template.build_template()` is the single definition; deploys hand its JSON to CloudFormation
and the local stack hands it to `infra.provision`, which creates the same resources on moto.
"""
