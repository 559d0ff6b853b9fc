"""Map host names to local addresses (`salama run --resolve HOST=IP[:PORT]`).

Used by tests and by the trainer's demo to make names such as `shop.test`
reach a local server without DNS.  Only the connection address changes: the
request keeps its Host header, so filtering still sees the name (which is
why filters read `flow.request.pretty_host`); TLS to a mapped name uses the
address as SNI.
"""

from __future__ import annotations

import ipaddress
from typing import Sequence

from mitmproxy import ctx, exceptions


def parse_mapping(entries: Sequence[str]) -> dict[str, tuple[str, int | None]]:
    mapping: dict[str, tuple[str, int | None]] = {}
    for entry in entries:
        host, sep, target = entry.partition("=")
        host = host.strip().lower().rstrip(".")
        if not sep or not host or not target:
            raise ValueError(f"'{entry}': expected HOST=IP or HOST=IP:PORT")
        addr, port = target, None
        if target.startswith("["):  # [::1]:8000
            addr, _, rest = target[1:].partition("]")
            port = rest.lstrip(":") or None
        elif target.count(":") == 1:
            addr, port = target.split(":")
        try:
            ipaddress.ip_address(addr)
            port_number = int(port) if port is not None else None
        except ValueError:
            raise ValueError(f"'{entry}': '{target}' is not IP or IP:PORT") from None
        if port_number is not None and not 0 < port_number < 65536:
            raise ValueError(f"'{entry}': port {port_number} out of range")
        mapping[host] = (addr, port_number)
    return mapping


class Resolve:
    def __init__(self) -> None:
        self.mapping: dict[str, tuple[str, int | None]] = {}

    def load(self, loader) -> None:
        loader.add_option("salama_resolve", Sequence[str], [], "Map HOST=IP[:PORT] (tests and the offline demo).")

    def configure(self, updated) -> None:
        if "salama_resolve" in updated:
            try:
                self.mapping = parse_mapping(ctx.options.salama_resolve)
            except ValueError as exc:
                raise exceptions.OptionsError(f"--resolve {exc}") from None

    def request(self, flow) -> None:
        """Send a mapped name's request to its address, keeping the Host header.

        Done on the request (not on the server connection) so that mitmproxy
        sees the real address and reuses the upstream connection for the next
        request on a keep-alive connection.  Runs last in the chain, after
        safe search may have pointed the request at an engine's lock host.
        """
        if not self.mapping or flow.response is not None:
            return
        target = self.mapping.get(flow.request.host.lower().rstrip("."))
        if target is None:
            return
        # Keep the name the client asked for, even from a client that sent no Host header.
        host_header = flow.request.host_header or flow.request.pretty_host
        flow.request.host = target[0]
        if target[1]:
            flow.request.port = target[1]
        flow.request.host_header = host_header

    def server_connect(self, data) -> None:
        """Tunnels that are not intercepted (the no-intercept list) never reach
        `request`: map their name on the connection itself."""
        if not self.mapping or data.server.address is None:
            return
        host, port = data.server.address
        target = self.mapping.get(str(host).lower().rstrip("."))
        if target:
            data.server.address = (target[0], target[1] or port)
