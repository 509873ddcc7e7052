"""Every port the stack will listen on, checked before anything starts."""

from __future__ import annotations

import socket
from collections.abc import Iterable


class PortBusy(RuntimeError):
    """A port the stack needs is taken; the message names it and the knob that moves it."""


def is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (with SO_REUSEADDR, as our servers bind)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(host: str, ports: Iterable[tuple[str, int]]) -> None:
    """Raise PortBusy for the first knob whose port is taken, or that repeats another's."""
    seen: dict[int, str] = {}
    for knob, port in ports:
        if port in seen:
            raise PortBusy(f"{knob} and {seen[port]} are both {port}: give each its own port")
        seen[port] = knob
        if not is_free(host, port):
            raise PortBusy(
                f"port {port} on {host} is in use ({knob}): stop what holds it, "
                f"or move the stack with {knob}=<port> (0 picks a free one)"
            )
