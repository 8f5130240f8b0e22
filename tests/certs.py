"""Certificates made by the tests at run time with the `openssl` command: a CA of their own
and server certificates it signs, for the TLS tests of `paperclub announce`.

    ca = make_ca(tmp / "club-ca", "Club CA")
    server = make_server(ca, tmp / "localhost", "IP:127.0.0.1")
    server.context()  # an SSLContext for a server that presents it

The `cryptography` package is not in the test environment; the `openssl` command (1.1.1 or
later) is on nearly every machine. The extensions are the ones Python 3.13's strict
verification asks of a CA and its leaf (a critical basicConstraints, keyUsage, the key
identifiers); the keys are EC P-256, made in milliseconds.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

DAYS = "7"  # long enough for any run; the clock is only read by the TLS handshake
CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = {san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
"""
NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Pair:
    cert: Path  # PEM
    key: Path  # PEM, unencrypted

    def context(self) -> ssl.SSLContext:
        """A server's TLS context presenting this certificate (no client certificates)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def openssl(*args: str, cwd: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.fail("the TLS tests make their certificates with the openssl command: install it")
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path, name: str) -> Pair:
    """A self-signed CA: `folder/ca.pem` and its key."""
    folder.mkdir(parents=True)
    (folder / "openssl.cnf").write_text(CONFIG.format(san="IP:127.0.0.1"))
    openssl(
        "req", "-x509", *NEW_KEY, "-keyout", "ca.key", "-out", "ca.pem", "-days", DAYS,
        "-config", "openssl.cnf", "-extensions", "ca", "-subj", f"/CN={name}",
        cwd=folder,
    )  # fmt: skip
    return Pair(folder / "ca.pem", folder / "ca.key")


def make_server(ca: Pair, folder: Path, san: str) -> Pair:
    """A server certificate signed by `ca` for `san` (`IP:127.0.0.1`, `DNS:mail.example.org`):
    `folder/server.pem` and its key."""
    folder.mkdir(parents=True)
    (folder / "openssl.cnf").write_text(CONFIG.format(san=san))
    name = san.split(":", 1)[1]
    openssl(
        "req", "-new", *NEW_KEY, "-keyout", "server.key", "-out", "server.csr",
        "-config", "openssl.cnf", "-subj", f"/CN={name}",
        cwd=folder,
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", str(ca.cert), "-CAkey", str(ca.key),
        "-set_serial", "2", "-days", DAYS, "-out", "server.pem",
        "-extfile", "openssl.cnf", "-extensions", "server",
        cwd=folder,
    )  # fmt: skip
    return Pair(folder / "server.pem", folder / "server.key")
