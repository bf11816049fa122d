"""A progress line on stderr while many files load: rewritten in place on a terminal, a few
plain lines otherwise (logs stay readable)."""

import sys

#: Below this many files loading is quick and silent.
MIN_FILES = 5


class Progress:
    """``Progress(total)`` then ``step(name)`` per item and ``done()``; silent when disabled."""

    def __init__(self, total, stream=None, enabled=True, label="loading"):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total >= MIN_FILES
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = label
        self.count = 0
        self._last_decile = -1

    def step(self, name):
        """Report that item ``name`` is being processed."""
        self.count += 1
        if not self.enabled:
            return
        text = f"{self.label} {self.count}/{self.total}: {name}"
        if self.tty:
            self.stream.write("\r\033[K" + text[:200])
            self.stream.flush()
            return
        decile = (10 * self.count) // self.total
        if decile != self._last_decile:
            self._last_decile = decile
            self.stream.write(text + "\n")

    def done(self, summary=""):
        """End the line (terminal) and print ``summary`` when given."""
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r\033[K")
        if summary:
            self.stream.write(summary + "\n")
        self.stream.flush()
