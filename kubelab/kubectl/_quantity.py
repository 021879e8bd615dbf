"""Resource quantities ("100m", "70Mi", "16318712Ki") parsed and written back in canonical form.

kubectl prints a quantity from the API through resource.Quantity.String(), which writes its
canonical form, so "0.1" reads back as "100m" and "1024Mi" as "1Gi".
Source: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (ParseQuantity,
CanonicalizeBytes) and amount.go (AsCanonicalBytes).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

BINARY, DECIMAL, EXPONENT = "BinarySI", "DecimalSI", "DecimalExponent"

_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_SUFFIX_FOR_EXPONENT = {exp: suffix for suffix, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$")


@dataclass(frozen=True)
class Quantity:
    value: Fraction = Fraction(0)
    format: str = ""

    def __add__(self, other: Quantity) -> Quantity:
        # Quantity.Add keeps the receiver's format; a zero receiver takes the other's.
        fmt = self.format if self.value or not other.format else other.format
        return Quantity(self.value + other.value, fmt or other.format)

    def milli_value(self) -> int:
        return math.ceil(self.value * 1000)

    def int_value(self) -> int:
        return math.ceil(self.value)

    def __str__(self) -> str:
        if self.value == 0:
            return "0"
        fmt = self.format
        if fmt == BINARY:
            if -1024 < self.value < 1024 or self.value.denominator != 1:
                fmt = DECIMAL  # small or fractional binary values are shown in decimal
            else:
                return _binary_string(int(self.value))
        return _decimal_string(self.value, fmt if fmt == DECIMAL else EXPONENT)


def parse_quantity(text: object) -> Quantity:
    """Parse a quantity as the API server stores it (a string, or a bare number)."""
    match = _QUANTITY.match(str(text).strip())
    if not match:
        return Quantity()
    number, suffix = match.group(1), match.group(2) or ""
    value = Fraction(number)
    if suffix.endswith("i"):
        value *= 1024 ** _BINARY_SUFFIXES.index(suffix)
        fmt = BINARY
    elif suffix[:1] in ("e", "E") and len(suffix) > 1:
        value *= Fraction(10) ** int(suffix[1:])
        fmt = EXPONENT
    else:
        value *= Fraction(10) ** _DECIMAL_SUFFIXES[suffix]
        fmt = DECIMAL
    nanos = math.ceil(value * 10**9)  # precision beyond 1n is rounded up
    return Quantity(Fraction(nanos, 10**9), fmt)


def _binary_string(value: int) -> str:
    power = 0
    while power < len(_BINARY_SUFFIXES) - 1 and value % 1024 == 0:
        value //= 1024
        power += 1
    return f"{value}{_BINARY_SUFFIXES[power]}"


def _decimal_string(value: Fraction, fmt: str) -> str:
    mantissa, exponent = int(value * 10**9), -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    while exponent % 3:  # the exponent is lowered to a multiple of three
        mantissa *= 10
        exponent -= 1
    if fmt == DECIMAL and exponent in _SUFFIX_FOR_EXPONENT:
        return f"{mantissa}{_SUFFIX_FOR_EXPONENT[exponent]}"
    return f"{mantissa}" if exponent == 0 else f"{mantissa}e{exponent}"
