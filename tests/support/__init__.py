"""Helpers the tests import: clients, users, data, the running stack."""
