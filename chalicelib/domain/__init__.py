"""The pure domain: rules, pricing, identity, limits and errors. No boto3, PynamoDB or Chalice."""
