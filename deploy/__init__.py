"""Deploy the shop to AWS: the stack, `chalice deploy`, the API's extras and the storefront.

Dev tooling: it never ships in the Lambda package (Chalice packages app.py and chalicelib/ only).
See docs/deploy.md.
"""


class DeployError(Exception):
    """Something the person deploying must fix; the message says what."""
