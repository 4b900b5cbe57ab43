"""An incremental parser for server-sent events, as chat-completions streams use them."""

from __future__ import annotations


class SSEParser:
    """Feed raw bytes as they arrive; get back the `data` payload of each complete event."""

    __slots__ = ("_buffer", "_data")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        events: list[bytes] = []
        lines = (self._buffer + chunk).split(b"\n")
        self._buffer = lines.pop()  # an unfinished line waits for the next read
        data = self._data
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]  # noqa: PLW2901 - normalising CRLF in place is the point
            if not line:
                if data:
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data = []
            elif line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
            # Comments (":"), "event:", "id:" and "retry:" lines carry nothing a chat stream needs.
        self._data = data
        return events

    def close(self) -> list[bytes]:
        """Events left when the stream ends without a final blank line."""
        events = self.feed(b"\n\n") if self._buffer or self._data else []
        self._buffer = b""
        return events
