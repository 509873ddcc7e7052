"""Valid values for tests whose subject is something else."""

from __future__ import annotations

# A valid shipping address.
ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}
