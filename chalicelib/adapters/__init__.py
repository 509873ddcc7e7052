"""Ports to the outside world (payments, carriers, mail, events, AWS clients) and their makers."""
