"""The README's demo command runs non-interactively and shows topics."""
import os
import subprocess

from conftest import SOURCE_DIR


def test_demo_shows_topics_and_cleans_up():
    out = subprocess.run([os.path.join(SOURCE_DIR, "scripts/demo"), "--for", "8"],
                         capture_output=True, text=True, timeout=150)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert any(l.startswith("navixy/bridge/state online") for l in lines)
    for cls in ("state", "location", "availability", "readings"):
        assert any(l.startswith("navixy/tracker/") and l.split(" ")[0].endswith("/" + cls)
                   for l in lines), cls
    # Live counters from the health topic (every 5 s).
    assert any(l.startswith("progress: upstream=connected mqtt=connected trackers=5") for l in lines)
    # Everything it started is gone: no demo port is still served.
    port_line = next(l for l in lines if l.startswith("demo: Mosquitto on"))
    port = int(port_line.split("127.0.0.1:")[1].split(",")[0])
    import socket
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
