"""Times as kubectl shows them: ages ("3m30s") and RFC 1123 dates. Pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_NS = 10**9
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 timestamp from the API (`2024-01-15T10:00:00Z`) as an aware datetime."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "." in text:  # Python 3.10 takes at most 6 fractional digits
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def utc_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def _trunc_div(value: int, unit: int) -> int:
    """Go's integer division: truncates toward zero."""
    quotient = abs(value) // unit
    return quotient if value >= 0 else -quotient


def human_duration(delta: timedelta) -> str:
    """Go's duration.HumanDuration: about 2-3 significant figures.

    Source: staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go. A clock skew of
    up to two seconds into the future reads as "0s"; more reads as "<invalid>".
    """
    ns = (delta.days * 86400 + delta.seconds) * _NS + delta.microseconds * 1000
    seconds = _trunc_div(ns, _NS)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = ns // (60 * _NS)
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = ns // (3600 * _NS)
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{hours // 24 // 365}y"


def since(timestamp: str | None, now: datetime) -> str:
    """translateTimestampSince: the age of a timestamp, "<unknown>" when it is unset."""
    then = parse_time(timestamp)
    if then is None:
        return "<unknown>"
    return human_duration(now - then)


def rfc1123z(timestamp: str | None) -> str:
    """Go's time.RFC1123Z layout, `Mon, 02 Jan 2006 15:04:05 -0700`, shown in UTC.

    kubectl shows times in the local zone of the machine it runs on; kubelab uses UTC.
    A missing time is Go's zero time, as kubectl prints it.
    """
    moment = parse_time(timestamp)
    if moment is None:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    moment = moment.astimezone(timezone.utc)
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} +0000"
    )
