"""Ports to the outside world (payments, carriers, mail, events) and their implementations."""
