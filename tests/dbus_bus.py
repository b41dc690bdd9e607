"""A private dbus-daemon for tests, listening on a socket in a folder the test owns."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Any connection may own any name, so a test can stand in for logind or a notification server.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{bus_type}</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextmanager
def private_dbus(folder: Path, bus_type: str) -> Iterator[str]:
    """Run dbus-daemon as a bus_type ("system" or "session") bus without service activation, and yield its address.

    The caller checks that dbus-daemon is installed. The daemon is stopped on exit.
    """
    config = folder / "bus.conf"
    config.write_text(BUS_CONFIG.format(bus_type=bus_type, folder=folder), encoding="utf-8")
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        address = daemon.stdout.readline().strip()
        assert address.startswith("unix:"), f"dbus-daemon printed no address: {address!r}"
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
