"""Re-record the LangChain cassettes in ``cassettes/langchain/``.

Usage (from the repository root)::

    .venv/bin/python tools/record_cassettes_langchain.py          # local LemonData-shaped server
    LEMONDATA_API_KEY=sk-... .venv/bin/python tools/record_cassettes_langchain.py --real

Without ``--real`` the standard suites run against :class:`lemon_adapters.testing.server.DevServer`
on 127.0.0.1, answered by ``tests/langchain/responder.py``; the two media files the suite
downloads (a PNG and a PDF) are seeded into their cassettes from small files generated here,
because the recording machine is offline. With ``--real`` every request, downloads
included, goes to the real gateway and the real URLs. Either way the tests run with
vcrpy in "rewrite" mode, and authorization headers are filtered out (see
``tests/langchain/conftest.py``). See ``cassettes/README.md``.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes" / "langchain"
SUITE = "tests/langchain/test_standard_integration.py"
CLASSES = ("TestChatLemonDataResponses", "TestChatLemonDataChat")
IMAGE_URL = (
    "https://raw.githubusercontent.com/langchain-ai/docs/"
    "4d11d08b6b0e210bd456943f7a22febbd168b543/src/images/agentic-rag-output.png"
)
PDF_URL = "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf"
MEDIA = {
    "test_image_inputs": (IMAGE_URL, "image/png"),
    "test_pdf_inputs": (PDF_URL, "application/pdf"),
    "test_image_tool_message": (IMAGE_URL, "image/png"),
    "test_pdf_tool_message": (PDF_URL, "application/pdf"),
}
#: Media tests that run on one API only (Chat Completions tool messages are text-only).
MEDIA_CLASSES = {
    "test_image_tool_message": ("TestChatLemonDataResponses",),
    "test_pdf_tool_message": ("TestChatLemonDataResponses",),
}


def small_png() -> bytes:
    """An 8x8 lemon-yellow PNG, built with the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\xe6\x3c" * 8 for _ in range(8))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def small_pdf() -> bytes:
    """A one-page PDF saying "Dummy PDF file"."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    text = b"BT /F1 12 Tf 20 50 Td (Dummy PDF file) Tj ET"
    objs[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text)
    out = b"%PDF-1.4\n"
    offsets = []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def seed_media() -> None:
    """Write the media tests' cassettes holding only the file download."""
    from vcr.request import Request
    from vcr.serializers import yamlserializer

    files = {"image/png": small_png(), "application/pdf": small_pdf()}
    for cls in CLASSES:
        for test, (url, mime) in MEDIA.items():
            if cls not in MEDIA_CLASSES.get(test, CLASSES):
                continue
            request = Request("GET", url, b"", {})
            response = {
                "status": {"code": 200, "message": "OK"},
                "headers": {"content-type": [mime]},
                "body": {"string": files[mime]},
            }
            data = {
                "interactions": [{"request": request._to_dict(), "response": response}],
                "version": 1,
            }
            path = CASSETTES / f"{cls}.{test}.yaml"
            path.write_text(yamlserializer.serialize(data))


def run_pytest(args: list[str]) -> int:
    """Run the suite in a child process (the server keeps serving from this one)."""
    # While recording, test_stream_time runs without its benchmark (nothing to replay
    # yet), and async clients of dropped models leave sockets for the GC to close.
    quiet = [
        "-W",
        "ignore::pytest_benchmark.logger.PytestBenchmarkWarning",
        "-W",
        "ignore::pytest.PytestUnraisableExceptionWarning",
        "-W",
        "ignore::ResourceWarning",
    ]
    cmd = [sys.executable, "-m", "pytest", "-q", SUITE, *quiet, *args]
    return subprocess.run(cmd, cwd=ROOT, env=os.environ.copy(), check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--real",
        action="store_true",
        help="record against the real gateway (needs LEMONDATA_API_KEY)",
    )
    ns = parser.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    CASSETTES.mkdir(parents=True, exist_ok=True)
    if ns.real:
        key = os.environ.get("LEMONDATA_API_KEY")
        if not key:
            print("--real needs LEMONDATA_API_KEY", file=sys.stderr)
            return 2
        os.environ["LEMON_RECORD_API_KEY"] = key
        os.environ["LEMON_RECORD_BASE_URL"] = (
            os.environ.get("LEMONDATA_BASE_URL") or "https://api.lemondata.cc/v1"
        )
        return run_pytest(["--record-mode=rewrite", "--force-enable-socket"])

    from lemon_adapters.testing.server import DevServer
    from tests.langchain.responder import standard_responder

    with DevServer(standard_responder) as server:
        print(f"recording against the local LemonData-shaped server at {server.base_url}")
        os.environ["LEMON_RECORD_API_KEY"] = "sk-local-recorder"
        os.environ["LEMON_RECORD_BASE_URL"] = server.base_url
        media = " or ".join(MEDIA)
        rc = run_pytest(["--record-mode=rewrite", "-k", f"not ({media})"])
        seed_media()
        rc2 = run_pytest(["--record-mode=new_episodes", "-k", media])
    return rc or rc2


if __name__ == "__main__":
    raise SystemExit(main())
