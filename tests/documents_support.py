"""What the document tests share: real sample files of every allowed type (built here, byte by
byte), an S3-compatible server over HTTP standing in for the agency's object store, and a small
clamd-protocol server that flags the EICAR test string."""

import io
import socketserver
import struct
import threading
import zipfile
from collections.abc import Iterator

import pytest

from axflow.demo_budget import card_slip
from axflow.ports import free_port

# The standard antivirus test file: harmless, and flagged by every scanner.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf(text: str = "axflow") -> bytes:
    """A small, valid one-page PDF (its xref offsets computed): the demo's card slip."""
    return card_slip(text)


def png() -> bytes:
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def ooxml(kind: str) -> bytes:
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind]
    return _zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", main: b"<x/>"})


def hwpx() -> bytes:
    return _zip({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<hs:sec/>",
                 "META-INF/container.xml": b"<container/>"})


def plain_zip() -> bytes:
    return _zip({"receipts/01.txt": "영수증".encode()})


def ole(stream_name: str = "FileHeader", content: bytes = b"HWP Document File") -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) holding one stream: with
    `FileHeader` starting 'HWP Document File' it is an HWP, with `WordDocument` an old .doc."""
    data = content.ljust(4096, b"\0")  # at the mini-stream cutoff: stored in ordinary sectors
    free, end, fat_sector, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sector, end] + [3, 4, 5, 6, 7, 8, 9, end]
    fat_bytes = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", nostream, nostream, child) + b"\0" * 16 + struct.pack("<I", 0)
                + b"\0" * 16 + struct.pack("<IQ", start, size))
    directory = (entry("Root Entry", 5, 1, end, 0) + entry(stream_name, 2, nostream, 2, len(data))
                 + b"\0" * 256)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *([free] * 108)))
    return header + fat_bytes + directory + data


def hwp() -> bytes:
    return ole()


SAMPLES = {"pdf": (pdf, "보고서.pdf"), "hwp": (hwp, "사업계획서.hwp"), "hwpx": (hwpx, "사업계획서.hwpx"),
           "docx": (lambda: ooxml("docx"), "결과.docx"), "xlsx": (lambda: ooxml("xlsx"), "정산.xlsx"),
           "pptx": (lambda: ooxml("pptx"), "발표.pptx"), "png": (png, "영수증.png"),
           "jpeg": (jpeg, "영수증.jpg"), "zip": (plain_zip, "증빙.zip")}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3-compatible server, in server mode on a loopback port: real S3 API over HTTP."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class _Clamd(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        assert command == b"zINSTREAM\0", command
        seen = b""
        while True:
            (length,) = struct.unpack("!I", self._exactly(4))
            if not length:
                break
            seen = (seen + self._exactly(length))[-1_000_000:]
        self.server.scanned += 1  # type: ignore[attr-defined]
        verdict = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in seen else b"stream: OK\0"
        self.request.sendall(verdict)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            more = self.request.recv(n - len(data))
            if not more:
                raise ConnectionError("client went away")
            data += more
        return data


class ClamdServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Clamd)
        self.scanned = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def clamd() -> Iterator[ClamdServer]:
    server = ClamdServer()
    yield server
    server.stop()
