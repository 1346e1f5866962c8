"""Real servers on 127.0.0.1 for the delivery tests: an SMTP server (aiosmtpd; plain, STARTTLS or implicit TLS, with
AUTH) and an HTTP server (pytest-httpserver) that records the robots' and webhooks' requests."""
from __future__ import annotations

import email
import email.policy
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pytest_httpserver import HTTPServer


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message the SMTP server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    logins: list[str] = field(default_factory=list)

    @property
    def message(self) -> email.message.EmailMessage:
        """Return the parsed message."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Sink:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                                      list(self.logins)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """A running SMTP server: its port, the CA file clients must trust (TLS modes), what it received."""

    port: int
    sink: _Sink
    ca_file: str | None

    @property
    def received(self) -> list[Received]:
        """Return the messages received so far."""
        return self.sink.received

    @property
    def logins(self) -> list[str]:
        """Return the user names that logged in."""
        return self.sink.logins


@contextmanager
def tls_files(tmp_path: Path) -> Iterator[tuple[ssl.SSLContext, str]]:
    """Yield (server SSL context with a certificate for 127.0.0.1, path of the CA file that signed it)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    ca_file = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield server_context, str(ca_file)


@contextmanager
def smtp_server(tmp_path: Path, security: str = "none", username: str | None = None,
                password: str | None = None) -> Iterator[SmtpServer]:
    """Run an SMTP server on 127.0.0.1 ('none', 'starttls' or 'ssl'; AUTH required when a username is given)."""
    sink = _Sink()
    kwargs: dict = {}
    if username:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == username \
                and auth_data.password.decode() == password
            if ok:
                sink.logins.append(username)
            # handled=False: aiosmtpd answers 535 itself (its default, handled=True, would answer nothing)
            return AuthResult(success=ok, handled=False)

        # Implicit TLS ("ssl") is below aiosmtpd's view: it only counts STARTTLS as TLS when offering AUTH.
        kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=security == "starttls")
    port = free_port()
    with tls_files(tmp_path) as (server_context, ca_file):
        if security == "starttls":
            kwargs.update(tls_context=server_context, require_starttls=True)
        elif security == "ssl":
            kwargs.update(ssl_context=server_context)
        controller = Controller(sink, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        try:
            yield SmtpServer(port, sink, ca_file if security != "none" else None)
        finally:
            controller.stop()


@contextmanager
def http_server() -> Iterator[HTTPServer]:
    """Run an HTTP server on 127.0.0.1 (a random port) that records every request."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()
