"""The simulated clock: time moves only when the lesson (or a test) says so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# Every simulated cluster starts at the same instant, so objects print the same every run.
EPOCH = datetime(2026, 1, 1, 9, 0, 0, tzinfo=timezone.utc)


_MAX_STAMPS = 4096


class Clock:
    def __init__(self, start: datetime = EPOCH) -> None:
        self._start = start
        self.seconds = 0.0  # simulated seconds since the cluster was created
        self._stamps: dict[float, str] = {}  # seconds -> text: time moves in few steps

    def advance_to(self, seconds: float) -> None:
        if seconds < self.seconds:
            raise ValueError("the simulated clock never goes back")
        self.seconds = seconds

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.seconds)

    def timestamp(self, seconds: float | None = None) -> str:
        """RFC 3339 with second precision, as metadata.creationTimestamp is written."""
        seconds = self.seconds if seconds is None else seconds
        text = self._stamps.get(seconds)
        if text is None:
            if len(self._stamps) >= _MAX_STAMPS:
                self._stamps.clear()
            at = self._start + timedelta(seconds=seconds)
            text = self._stamps[seconds] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return text

    def parse(self, timestamp: str) -> float:
        """Simulated seconds of an RFC 3339 timestamp written by `timestamp`."""
        at = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        return (at - self._start).total_seconds()
