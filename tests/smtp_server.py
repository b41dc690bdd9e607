"""A local SMTP server for tests: aiosmtpd on 127.0.0.1, optional STARTTLS or SSL with a self-signed certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"


def free_loopback_port(host: str = LOOPBACK) -> int:
    """Return a port that nothing listens on at host (127.0.0.1 or ::1) right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a certificate for 127.0.0.1 and localhost, signed by its own key, and return (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LeadDesk test SMTP")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Mailbox:
    """What the server received: one Envelope per accepted message, and the logins it accepted."""

    messages: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd hook name
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


class Authenticator:
    """Accept exactly one user name and password."""

    def __init__(self, mailbox: Mailbox, username: str, password: str) -> None:
        self.mailbox = mailbox
        self.username = username
        self.password = password

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            if auth_data.login.decode() == self.username and auth_data.password.decode() == self.password:
                self.mailbox.logins.append(self.username)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def start_server(
    mailbox: Mailbox,
    tls: str = "none",
    certificate: tuple[Path, Path] | None = None,
    login: tuple[str, str] | None = None,
    smtputf8: bool = True,
    host: str = LOOPBACK,
) -> Controller:
    """Start aiosmtpd on a free loopback port of host. tls is "none", "starttls" or "ssl"; login requires AUTH.

    smtputf8=False makes the server not offer SMTPUTF8, as many older servers do.
    """
    server_context = None
    if certificate is not None:
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(*map(str, certificate))
    options: dict = {"enable_SMTPUTF8": smtputf8}
    if login is not None:
        options.update(
            authenticator=Authenticator(mailbox, *login),
            auth_required=True,
            # aiosmtpd treats only STARTTLS as TLS, so over implicit SSL it must not require TLS for AUTH.
            auth_require_tls=tls == "starttls",
        )
    if tls == "starttls":
        options.update(tls_context=server_context, require_starttls=True)
    if tls == "ssl":
        options.update(ssl_context=server_context)
    controller = Controller(
        mailbox,
        hostname=host,
        port=free_loopback_port(host),
        ready_timeout=10.0,
        **options,
    )
    controller.start()
    return controller
