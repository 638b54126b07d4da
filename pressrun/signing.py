"""Signatures over an edition: `ssh-keygen -Y sign` on CHECKSUMS.sha256 with an OpenSSH key,
checked against an allowed-signers file. A checksum proves a file was not damaged; only a
signature proves who released the edition, since anyone can rewrite checksums."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .diagnostics import Location, fail

NAMESPACE = "pressrun-edition"


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise fail(
            None,
            "ssh-keygen is not installed: editions are signed with OpenSSH keys",
            "no-ssh-keygen",
            "install it: apt-get install openssh-client (or run 'make build')",
        )
    return found


def sign(checksums: bytes, key: Path) -> bytes:
    """The signature of `checksums` with the private key `key` (or a public key whose
    private half is in ssh-agent)."""
    command = _ssh_keygen()
    with tempfile.TemporaryDirectory(prefix="pressrun-sign-") as folder:
        message = Path(folder) / "CHECKSUMS.sha256"
        message.write_bytes(checksums)
        result = subprocess.run(
            [command, "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE, str(message)],
            capture_output=True,
            text=True,
            check=False,
        )
        signature = message.with_name(message.name + ".sig")
        if result.returncode != 0 or not signature.is_file():
            reason = (result.stderr.strip().splitlines() or ["no reason given"])[-1][:200]
            raise fail(
                Location(str(key)),
                f"cannot sign with this key: {reason}",
                "sign-failed",
                "give an OpenSSH private key (ssh-keygen -t ed25519 makes one), or its public "
                "key with the private key loaded in ssh-agent",
            )
        return signature.read_bytes()


def signer(checksums: Path, signature: Path, allowed: Path) -> str | None:
    """The principal of `allowed` (an allowed-signers file) whose key made `signature` over
    `checksums`, or None if no allowed key did."""
    command = _ssh_keygen()
    found = subprocess.run(
        [command, "-Y", "find-principals", "-s", str(signature), "-f", str(allowed)],
        capture_output=True,
        text=True,
        check=False,
    )
    for principal in filter(None, map(str.strip, found.stdout.splitlines())):
        with open(checksums, "rb") as message:
            verified = subprocess.run(
                [command, "-Y", "verify", "-f", str(allowed), "-I", principal, "-n", NAMESPACE]
                + ["-s", str(signature)],
                stdin=message,
                capture_output=True,
                check=False,
            )
        if verified.returncode == 0:
            return principal
    return None
