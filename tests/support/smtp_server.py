"""A real SMTP server for the tests: aiosmtpd in a subprocess of its own (the test process runs
eventlet's monkey patch, which asyncio does not mix with), writing each message it accepts as a
JSON file into a directory the tests read. It can be stopped and started again on the same port
to play an outage, refuse some recipients (550), or take its time over one recipient, once (to
hold a sender's connection while the test prepares what comes next).

    python tests/support/smtp_server.py PORT DIRECTORY      # the subprocess (until SIGTERM)
"""

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path


class SmtpServer:
    """The test side: start(), stop(), and messages() as parsed e-mails with their envelope."""

    def __init__(self, port, directory):
        self.port, self.directory = port, Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = None
        self._parsed = {}  # file name -> message: the directory only grows

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self, timeout=10.0):
        if self.process is not None:
            return
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(self.port), str(self.directory)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(self.directory / "server.log", "ab"),
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the SMTP server exited ({self.process.returncode}); see {self.directory / 'server.log'}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the SMTP server did not answer on port {self.port} within {timeout}s")
            time.sleep(0.05)

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                banner = probe.recv(512)
                probe.sendall(b"QUIT\r\n")
                probe.recv(512)
                return banner.startswith(b"220")
        except OSError:
            return False

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def set_rules(self, reject=(), slow_once=None):
        """Recipients to refuse with 550, and {recipient: seconds} to wait at RCPT, the first time."""
        rules = self.directory / "rules.config.tmp"
        rules.write_text(json.dumps({"reject": list(reject), "slow_once": dict(slow_once or {})}))
        os.replace(rules, self.directory / "rules.config")

    def slowed(self, address):
        """Whether the server has started taking its time over `address`."""
        return (self.directory / f"slow-{address}").exists()

    def messages(self, to=None):
        """Every message received so far (oldest first), optionally only those for `to`."""
        found = []
        for path in sorted(self.directory.glob("*.json")):
            message = self._parsed.get(path.name)
            if message is None:
                record = json.loads(path.read_text())
                message = message_from_bytes(base64.b64decode(record["data"]), policy=policy.default)
                message.rcpt_tos, message.mail_from = record["rcpt_tos"], record["mail_from"]
                self._parsed[path.name] = message
            if to is None or to in message.rcpt_tos:
                found.append(message)
        return found


# --- the subprocess ---------------------------------------------------------------------------------


def _serve(port, directory):
    import asyncio
    import signal
    import threading

    from aiosmtpd.controller import Controller

    def rules():
        try:
            return json.loads((Path(directory) / "rules.config").read_text())
        except (OSError, ValueError):
            return {}

    class Writer:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            found = rules()
            if address in found.get("reject", ()):
                return f"550 5.1.1 <{address}>: Recipient address rejected"
            marker = Path(directory) / f"slow-{address}"
            if address in found.get("slow_once", {}) and not marker.exists():
                marker.touch()
                await asyncio.sleep(found["slow_once"][address])
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            record = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "data": base64.b64encode(envelope.original_content or envelope.content).decode(),
            }
            name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
            partial = Path(directory) / f"{name}.tmp"
            partial.write_text(json.dumps(record))
            os.replace(partial, Path(directory) / f"{name}.json")  # readers never see half a message
            return "250 Message accepted for delivery"

    controller = Controller(Writer(), hostname="127.0.0.1", port=port)
    controller.start()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stopping.wait()
    controller.stop()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), sys.argv[2])
