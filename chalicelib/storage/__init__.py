"""DynamoDB through PynamoDB: the models, and one door per table for its reads and writes."""
