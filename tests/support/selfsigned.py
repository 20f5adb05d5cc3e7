"""Self-signed certificates made on the fly: for the simulated PVS (pinned by fingerprint) and for the
loopback SMTP server (trusted by file)."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(folder: Path, name: str, *, for_localhost: bool = False) -> tuple[Path, Path, bytes]:
    """Write a fresh certificate and its key as PEM files in folder: (cert file, key file, DER bytes).

    for_localhost: valid for the names localhost and 127.0.0.1, so a verifying client that trusts the file
    accepts it (the PVS's own certificate names no host; it is pinned instead).
    """
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
    )
    if for_localhost:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    certificate = builder.sign(key, hashes.SHA256())
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file, certificate.public_bytes(serialization.Encoding.DER)


def make_certificate(folder: Path, name: str = "pvs6") -> tuple[ssl.SSLContext, str]:
    """(server SSL context, SHA-256 fingerprint as AA:BB:…) of a fresh self-signed certificate, like the PVS's."""
    cert_file, key_file, der = self_signed(folder, name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    digest = hashlib.sha256(der).hexdigest().upper()
    return context, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
