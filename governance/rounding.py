"""Rounding half-up (四舍五入), the one rule for money and points shown to people.

Chinese accounting rounds a half up: 1002.5 yuan → 1003, 0.125 → 0.13 at 2 digits. A float
cannot hold most decimals, so "half" is decided on the number a person reads, the float's
shortest repr: 1.005 is stored as 1.00499999999999989…, prints as 1.005, and rounds to 1.01.
That decimal is rounded exactly, with `decimal.ROUND_HALF_UP`, which rounds a half away from
zero: −2.5 → −3, because 四舍五入 applies to an amount's magnitude and its sign follows.

`round_half_up` rounds one value and `round_half_up_columns` a numpy column; they agree on
every value (tests/test_rounding.py checks it on arbitrary floats). The column version scales
by 10**digits and rounds in float, which gives the same float unless the scaled value lies
within float noise of a half; those values are decided by comparing them with the float
nearest the half (see `_near_half`), and only amounts beyond 10**14 units of the last place,
NaN, infinities and digits a float cannot scale exactly (beyond ±22) go through the scalar.
NaN and ±inf come back unchanged, as numpy's rounding leaves them.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

MAX_DIGITS = 1000
"""round() to more digits than this either way is refused: no float has a digit beyond 10**±340."""

_EXACT_POWERS = 22  # 10**d is an exact float for d <= 22
_EXACT_INTEGERS = 2.0**52  # below this, float holds every integer and every half
_TIE_WIDTH = 2.0**-44  # relative distance from a half within which float noise (< 2**-51) could decide
_BLOCK = 1 << 15  # values per block of the column version: 256 KiB of scratch, within a core's cache
_SHORT_HALVES = 10.0**14  # k + 0.5 with k below this has at most 15 significant digits
_SHARED_BOUND = 2.0**30  # up to here one tolerance, (largest + 1) * _TIE_WIDTH < 2**-13, serves a column


def _checked_digits(digits: int) -> int:
    places = int(digits)
    if not -MAX_DIGITS <= places <= MAX_DIGITS:
        raise OverflowError(f"round() to {places} digits: digits must lie between -{MAX_DIGITS} and {MAX_DIGITS}")
    return places


def round_half_up(value: float, digits: int = 0) -> float:
    """`value` to `digits` decimal places (negative: tens, hundreds, …), a half away from zero,
    decided on the decimal the float prints as."""
    places = _checked_digits(digits)
    number = float(value)
    if not math.isfinite(number):
        return number
    exact = Decimal(repr(number))
    if exact.as_tuple().exponent >= -places:  # type: ignore[operator]  # finite: an int exponent
        return number  # no digit below the place rounded to
    if exact.adjusted() < -places - 1:  # below half a unit of the place: a signed zero
        return math.copysign(0.0, number)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def round_half_up_columns(values: np.ndarray, digits: np.ndarray | int | None = None) -> np.ndarray:
    """`round_half_up` of each value; `digits` one number or a column (one per row)."""
    numbers = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if digits is None:
        return _round_column(numbers, 0)
    places = np.asarray(digits)
    if places.size == 0:
        return numbers.copy()
    distinct = np.unique(places)
    if len(distinct) == 1:
        return _round_column(numbers, int(distinct[0]))
    numbers, places = np.broadcast_arrays(numbers, places)
    out = np.empty(numbers.shape, dtype=np.float64)
    for place in distinct:
        rows = places == place
        out[rows] = _round_column(numbers[rows], int(place))
    return out


def _round_column(numbers: np.ndarray, digits: int) -> np.ndarray:
    """One number of digits for the whole column: float arithmetic, and the scalar where it could err.

    Let s be x·10**d in float (x / 10**-d for negative d). It lies within 2 ulp of the printed
    decimal times 10**d, so where s is not within float noise of a half, the nearest integer
    to s is the half-up one (rint is symmetric about zero, as half-up on magnitudes is), and
    dividing it by the exact 10**d (or multiplying by 10**-d) is correctly rounded, as
    float(Decimal) is: both give the same float. The values near a half (true ties among
    them), non-finite ones and those beyond 2**52 after scaling are decided by `_near_half`.
    """
    places = _checked_digits(digits)
    if abs(places) > _EXACT_POWERS:
        return _by_scalar(numbers, places)
    scale = 10.0 ** abs(places)
    out = np.empty_like(numbers)
    scratch = np.empty(min(_BLOCK, numbers.size))
    unsure_rows = []
    with np.errstate(invalid="ignore", over="ignore"):
        for start in range(0, numbers.size, _BLOCK):  # a block at a time, so the passes stay in cache
            block = numbers[start : start + _BLOCK]
            nearest = out[start : start + _BLOCK]
            gap = scratch[: len(block)]
            np.multiply(block, scale, out=gap) if places >= 0 else np.divide(block, scale, out=gap)
            np.rint(gap, out=nearest)
            np.abs(np.subtract(gap, nearest, out=gap), out=gap)  # distance to the nearest integer
            top = max(float(nearest.max()), -float(nearest.min()))
            if top < _SHARED_BOUND:  # one tolerance serves the block (the usual amounts; no NaN)
                unsure = gap >= 0.5 - (top + 1.0) * _TIE_WIDTH
            else:  # huge values or NaN/inf: each value's own tolerance
                size = np.abs(nearest)
                unsure = ~((gap < 0.5 - (size + 1.0) * _TIE_WIDTH) & (size < _EXACT_INTEGERS))
            np.divide(nearest, scale, out=nearest) if places >= 0 else np.multiply(nearest, scale, out=nearest)
            if unsure.any():
                unsure_rows.append(np.flatnonzero(unsure) + start)
    if unsure_rows:
        rows = np.concatenate(unsure_rows)
        out[rows] = _near_half(numbers[rows], places, scale)
    return out


def _near_half(numbers: np.ndarray, places: int, scale: float) -> np.ndarray:
    """Values whose scaled magnitude s lies near k + 0.5, decided without leaving numpy.

    Let T = (k + 0.5)·10**-d, the half. If T has at most 15 significant digits (k < 10**14) and
    the float nearest T is x, then T is x's shortest repr (two decimals of at most 15 digits
    never share a float), so x is a true half and goes up. Otherwise x's repr is a decimal in
    x's rounding interval, which does not hold T, so it lies on the same side of T as x does,
    and comparing |x| with the float nearest T (rounding is monotone) decides. Larger k, NaN
    and infinities go through the scalar.
    """
    magnitude = np.abs(numbers)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = magnitude * scale if places >= 0 else magnitude / scale
        low = np.floor(scaled)
        half = (low + 0.5) / scale if places >= 0 else (low + 0.5) * scale  # correctly rounded: the float nearest T
        whole = low + (magnitude >= half)
        out = np.copysign(whole / scale if places >= 0 else whole * scale, numbers)
        decided = low < _SHORT_HALVES  # False for NaN and infinities
    if not decided.all():
        out[~decided] = _by_scalar(numbers[~decided], places)
    return out


def _by_scalar(numbers: np.ndarray, places: int) -> np.ndarray:
    """The scalar rule on each distinct value (ties repeat, as amounts in fen do)."""
    distinct, where = np.unique(numbers, return_inverse=True)
    rounded = np.array([round_half_up(v, places) for v in distinct.tolist()], dtype=np.float64)
    out = rounded[where].reshape(numbers.shape)
    return np.where(numbers == 0, numbers, out)  # unique() merges -0.0 and 0.0; keep each zero's sign


def amount_text(value: float, digits: int = 2) -> str:
    """Money as people read it: half-up to `digits` places, thousands grouped (1234567.125 →
    "1,234,567.13"); NaN and infinities as Python prints them."""
    if not math.isfinite(value):
        return str(value)
    places = _checked_digits(digits)
    exact = Decimal(repr(float(value)))
    return f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{max(places, 0)}f}"
