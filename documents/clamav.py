"""ClamAV: a small client of clamd's INSTREAM command, and a local clamd for development,
tests and benchmarks.

Why our own client: the protocol (clamd(8), "INSTREAM") is a dozen lines: ``zINSTREAM\\0``,
then chunks each prefixed by its length (4 bytes, network order), a zero-length chunk, and one
reply (``stream: OK``, ``stream: <name> FOUND`` or ``... ERROR``). The ``clamd`` package on PyPI
has had no release since 2014 and the younger wrappers have few users; depending on them would
add more risk than these lines.

``CLAMD_SOCKET`` (setting, from the environment) names the scanner: a Unix socket path, or
``tcp://host:port``. Empty: no scanner is configured (documents stay "not scanned" and cannot
be downloaded, see ``documents.services``).

Signature updates (freshclam) cannot be downloaded on development machines: the local clamd
started by ``make run`` (``python -m documents.clamav serve``), the tests and the benchmark use
Debian's ``/var/lib/clamav`` when freshclam has filled it, else a local database holding only
the EICAR test signature. Production runs clamd with freshclam.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
# The 68-byte EICAR anti-malware test file (https://www.eicar.org/download-anti-malware-testfile/).
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_SIGNATURE = "Eicar-Test-Signature"


class ScannerIndisponible(Exception):
    """clamd could not be reached or answered an error."""


@dataclass
class Resultat:
    sain: bool
    signature: str = ""  # the malware's name when infected


def _connecter(adresse: str, timeout: float) -> socket.socket:
    if adresse.startswith("tcp://"):
        host, _, port = adresse[len("tcp://") :].rpartition(":")
        return socket.create_connection((host, int(port)), timeout=timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(adresse)
    return sock


def analyser(adresse: str, flux, timeout: float = 60) -> Resultat:
    """Scan the bytes of the file object ``flux`` (read from its current position) with the
    clamd at ``adresse``. Raises ``ScannerIndisponible`` when clamd cannot answer."""
    try:
        with _connecter(adresse, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := flux.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reponse = b""
            while not reponse.endswith(b"\0"):
                recu = sock.recv(4096)
                if not recu:
                    break
                reponse += recu
    except OSError as exc:
        raise ScannerIndisponible(str(exc)) from exc
    texte = reponse.rstrip(b"\0").decode("utf-8", "replace").strip()
    if texte.endswith("FOUND"):
        signature = texte.removeprefix("stream:").removesuffix("FOUND").strip()
        return Resultat(sain=False, signature=signature)
    if texte == "stream: OK":
        return Resultat(sain=True)
    raise ScannerIndisponible(texte or "empty answer")


def ping(adresse: str, timeout: float = 2) -> bool:
    try:
        with _connecter(adresse, timeout) as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


# --- A local clamd (development, tests, benchmarks) -----------------------------------------

SYSTEM_DATABASE = Path("/var/lib/clamav")


def clamd_disponible() -> str | None:
    """The clamd executable (Debian's clamav-daemon), or None."""
    return shutil.which("clamd") or (
        "/usr/sbin/clamd" if os.access("/usr/sbin/clamd", os.X_OK) else None
    )


def base_locale(dossier: Path) -> Path:
    """A signature database holding only the EICAR test signature (an .ndb body signature:
    it matches the string anywhere in a file, as a real database does)."""
    dossier.mkdir(parents=True, exist_ok=True)
    (dossier / "eicar-local.ndb").write_text(f"{EICAR_SIGNATURE}:0:*:{EICAR.hex()}\n")
    return dossier


def base_de_signatures(dossier: Path, systeme: bool = True) -> Path:
    """Debian's database when freshclam filled it (``systeme``), else the local EICAR one."""
    if systeme and any(SYSTEM_DATABASE.glob("main.c?d")):
        return SYSTEM_DATABASE
    return base_locale(dossier / "db")


def configuration(dossier: Path, base: Path, taille_max_mo: int = 100) -> Path:
    """A clamd.conf for a clamd in the foreground listening on ``dossier/clamd.sock``."""
    dossier.mkdir(parents=True, exist_ok=True)
    (dossier / "tmp").mkdir(exist_ok=True)
    conf = dossier / "clamd.conf"
    lignes = [
        f"LocalSocket {dossier / 'clamd.sock'}",
        "LocalSocketMode 660",
        f"DatabaseDirectory {base}",
        f"TemporaryDirectory {dossier / 'tmp'}",
        "Foreground yes",
        "LogTime yes",
        # Uploads are capped per CPAS (10 MB by default): the stream limit must exceed it.
        f"StreamMaxLength {taille_max_mo}M",
        f"MaxScanSize {taille_max_mo * 4}M",
        f"MaxFileSize {taille_max_mo}M",
        "MaxThreads 4",
        "ReadTimeout 60",
        "SelfCheck 0",
    ]
    if os.geteuid() == 0:
        lignes.append("User root")
    conf.write_text("\n".join(lignes) + "\n")
    return conf


def demarrer(dossier: Path, systeme: bool = True, attente: float = 120, sortie=None):
    """Start a clamd with its configuration under ``dossier``; return (process, socket path)
    once it answers PING. The caller stops it (``arreter``)."""
    executable = clamd_disponible()
    if executable is None:
        raise FileNotFoundError("clamd (Debian package clamav-daemon) is not installed")
    dossier = Path(dossier)
    conf = configuration(dossier, base_de_signatures(dossier, systeme))
    sock = str(dossier / "clamd.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    proc = subprocess.Popen(
        [executable, "--foreground", f"--config-file={conf}"],
        stdout=sortie or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if sortie else subprocess.DEVNULL,
    )
    limite = time.monotonic() + attente
    while not ping(sock):
        if proc.poll() is not None or time.monotonic() > limite:
            arreter(proc)
            raise RuntimeError(f"clamd did not start (configuration {conf})")
        time.sleep(0.1)
    return proc, sock


def arreter(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def serve() -> int:
    """``make run``'s clamd (a Procfile process): in the foreground until stopped. Without
    clamd installed, says so and waits (documents then stay "not scanned")."""
    var = Path(os.environ.get("CPAS_ISP_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    dossier = var / "clamd"
    if clamd_disponible() is None:
        print("clamd is not installed (apt-get install clamav-daemon): uploads stay not scanned.")
        signal.pause()
        return 0
    proc, sock = demarrer(dossier, sortie=sys.stdout)
    print(f"clamd listening on {sock}", flush=True)
    # What was uploaded while no scanner ran (the demo data, for one) is scanned now.
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    subprocess.run(
        [sys.executable, str(manage), "analyser_documents"],
        env=dict(os.environ, CLAMD_SOCKET=sock),
        check=False,
    )
    signal.signal(signal.SIGTERM, lambda *_: arreter(proc))
    signal.signal(signal.SIGINT, lambda *_: arreter(proc))
    return proc.wait()


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        sys.exit(serve())
    print("usage: python -m documents.clamav serve")
    sys.exit(2)
