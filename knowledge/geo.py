"""Distances on the Earth's surface, for "nearest services" from a shared location."""
from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_000


def distance_m(latitude_1: float, longitude_1: float, latitude_2: float, longitude_2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi_1, phi_2 = radians(latitude_1), radians(latitude_2)
    d_phi, d_lambda = phi_2 - phi_1, radians(longitude_2 - longitude_1)
    a = sin(d_phi / 2) ** 2 + cos(phi_1) * cos(phi_2) * sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))
