"""Lists of client addresses/networks from configuration (INCLUBOT_TRUSTED_PROXIES,
INCLUBOT_REST_CLIENTS): "10.0.0.0/8, 192.168.1.7, ::1"."""
import ipaddress
from typing import Optional, Tuple, Union

Networks = Tuple[Union[ipaddress.IPv4Network, ipaddress.IPv6Network], ...]


def parse_networks(value: str, variable: str) -> Networks:
    networks = []
    for item in value.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SystemExit(f"{variable}: {item!r} is not an address or network (e.g. 10.0.0.0/8, 192.168.1.7)") from None
    return tuple(networks)


def address_in(address: Optional[str], networks: Networks) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)
