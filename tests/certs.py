"""Certificates made by the tests at run time with trustme (a CA of their own and server
certificates it signs, on the `cryptography` package), for the TLS tests of `paperclub
announce`:

    ca = make_ca(tmp / "club-ca", "Club CA")
    server = make_server(ca, tmp / "localhost", "IP:127.0.0.1")
    server.context()  # an SSLContext for a server that presents it

trustme's certificates carry the extensions strict verification asks for (Python 3.13's
VERIFY_X509_STRICT: a critical basicConstraints, keyUsage, the key identifiers), and are made
in milliseconds; nothing of the machine's (no openssl command) is needed.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class Pair:
    cert: Path  # PEM
    key: Path  # PEM, unencrypted

    def context(self) -> ssl.SSLContext:
        """A server's TLS context presenting this certificate (no client certificates)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


_CAS: dict[Path, trustme.CA] = {}  # a CA's cert file -> the CA that signs with its key


def make_ca(folder: Path, name: str) -> Pair:
    """A self-signed CA: `folder/ca.pem` and its key."""
    folder.mkdir(parents=True)
    ca = trustme.CA(organization_name=name)
    pair = Pair(folder / "ca.pem", folder / "ca.key")
    ca.cert_pem.write_to_path(str(pair.cert))
    ca.private_key_pem.write_to_path(str(pair.key))
    _CAS[pair.cert] = ca
    return pair


def make_server(ca: Pair, folder: Path, san: str) -> Pair:
    """A server certificate signed by `ca` for `san` (`IP:127.0.0.1`, `DNS:mail.example.org`):
    `folder/server.pem` (with the chain to the CA) and its key."""
    folder.mkdir(parents=True)
    issued = _CAS[ca.cert].issue_cert(san.split(":", 1)[1])
    pair = Pair(folder / "server.pem", folder / "server.key")
    with pair.cert.open("wb") as f:
        for blob in issued.cert_chain_pems:
            f.write(blob.bytes())
    issued.private_key_pem.write_to_path(str(pair.key))
    return pair
