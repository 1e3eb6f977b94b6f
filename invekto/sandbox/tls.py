"""HTTPS for the stand-ins that clients reach only over TLS (iyzipay opens
``HTTPSConnection(host)`` to a bare host): a throwaway CA, a certificate for 127.0.0.1/localhost
signed by it, and an ASGI app served with them on a free loopback port.

Clients trust the CA explicitly (``ssl.create_default_context(cafile=endpoint.ca_file)``);
nothing here, or anywhere, turns certificate verification off. The CA's private key is never
written down: once the server certificate is signed it is thrown away, so the CA file can only
ever vouch for that one loopback certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
VALID_DAYS = 365
RENEW_BEFORE = dt.timedelta(days=30)
LOOPBACK_NAMES = ("localhost",)
LOOPBACK_IPS = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """PEM files in one directory: the CA certificate, the server certificate and its key."""

    directory: Path

    @property
    def ca_file(self) -> Path:
        return self.directory / CA_FILE

    @property
    def cert_file(self) -> Path:
        return self.directory / CERT_FILE

    @property
    def key_file(self) -> Path:
        return self.directory / KEY_FILE


@dataclass(frozen=True)
class TlsEndpoint:
    """A running HTTPS stand-in: ``host_port`` (``"127.0.0.1:54321"``, what iyzipay's
    ``base_url`` takes), ``base_url`` (``https://127.0.0.1:54321``) and the CA to trust."""

    host_port: str
    base_url: str
    ca_file: Path


def ensure_tls_files(directory: Path) -> TlsFiles:
    """The CA and loopback certificate in ``directory``: reused while valid (matching, signed by
    the CA, more than 30 days left), else made anew. Safe across processes (a file lock)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(directory)
    with _locked(directory / ".lock"):
        if not _usable(files):
            _generate(files)
    return files


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _usable(files: TlsFiles) -> bool:
    try:
        ca = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
        cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
        key = serialization.load_pem_private_key(files.key_file.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca)
    except Exception:  # missing, unreadable, foreign or mismatched files: make new ones
        return False
    now = dt.datetime.now(dt.UTC)
    public = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    own = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return (
        public == own
        and cert.not_valid_after_utc - now > RENEW_BEFORE
        and ca.not_valid_after_utc - now > RENEW_BEFORE
        and ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    )


def _generate(files: TlsFiles) -> None:
    now = dt.datetime.now(dt.UTC)
    not_before, not_after = now - dt.timedelta(hours=1), now + dt.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Invekto sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Invekto sandbox CA {now:%Y%m%d%H%M%S}"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in LOOPBACK_NAMES]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in LOOPBACK_IPS]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(files.key_file, key_pem, mode=0o600)
    _write(files.cert_file, cert.public_bytes(serialization.Encoding.PEM))
    _write(files.ca_file, ca.public_bytes(serialization.Encoding.PEM))


def _write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Atomically: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@contextlib.asynccontextmanager
async def serve_tls(
    app: Any, files: TlsFiles, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[TlsEndpoint]:
    """Serve the ASGI ``app`` over HTTPS with ``files`` on ``host``:``port`` (0: a free one)
    in this event loop until the block ends."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=bound_port,
            ssl_certfile=str(files.cert_file),
            ssl_keyfile=str(files.key_file),
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"tls:{bound_port}")
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("TLS stand-in stopped during start-up")
            await asyncio.sleep(0.01)
        netloc = f"[{host}]:{bound_port}" if ":" in host else f"{host}:{bound_port}"
        yield TlsEndpoint(host_port=netloc, base_url=f"https://{netloc}", ca_file=files.ca_file)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        sock.close()
