"""The address of the person in front of the browser, for the log-in limits and the audit.

Behind a reverse proxy every request comes from the proxy; the proxy names the client in
X-Forwarded-For. That header is believed only from the proxies listed in
INCLUBOT_TRUSTED_PROXIES (addresses or networks, e.g. "10.0.0.0/8"): anyone else could
write any address in it. The client is the nearest address in the chain that is not a
trusted proxy.
"""
from flask import request

from bot import settings
from knowledge.networks import Networks, address_in, parse_networks

MAX_LENGTH = 64  # what a proxy forwards is kept, never more than this


def trusted_proxies() -> Networks:
    """Read at start (a wrong value stops the web app with a message) and per request."""
    return parse_networks(settings.trusted_proxies(), "INCLUBOT_TRUSTED_PROXIES")


def client_address() -> str:
    address = request.remote_addr or "?"
    proxies = trusted_proxies()
    if not address_in(address, proxies):
        return address
    forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):  # each proxy appends the address it got the request from
        if not address_in(hop, proxies):
            return hop[:MAX_LENGTH]
        address = hop
    return address
