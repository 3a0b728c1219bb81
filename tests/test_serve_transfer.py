"""The meeting server's static files go out gzip-compressed, each compressed once, and unchanged once decompressed.

The server runs in a thread with its own event loop (browser tests in the
same process keep Playwright's loop running in the main thread), and is
asked with :mod:`http.client`, which never decompresses by itself.
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import random
import socket
import string
import threading
from pathlib import Path

import pytest

from kpwork.serve_transfer import static_gzip


def _script(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(400)]
    text = ""
    while len(text) < size:
        text += f"function {rng.choice(words)}(a, b) {{ return a.{rng.choice(words)}(b) + {rng.randint(0, 999)}; }}\n"
    return text[:size].encode()


class Served:
    """A Tornado application serving ``folder`` under /voila/static/ and /other/, with the transform."""

    def __init__(self, folder: Path, cache_bytes: int) -> None:
        import tornado.web

        self.transform = static_gzip(("/voila/static/",), cache_bytes=cache_bytes)
        self.app = tornado.web.Application([
            (r"/voila/static/(.*)", tornado.web.StaticFileHandler, {"path": str(folder)}),
            (r"/other/(.*)", tornado.web.StaticFileHandler, {"path": str(folder)}),
        ])
        self.app.add_transform(self.transform)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.server = self.app.listen(self.port, address="127.0.0.1")
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        started.wait(10)

    def get(self, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def zipped(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        return self.get(path, Accept_Encoding="gzip", **headers)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "app.js").write_bytes(_script(300_000, 1))  # several of the static handler's 64 KiB chunks
    (tmp_path / "logo.png").write_bytes(bytes(range(256)) * 20)
    return tmp_path


@pytest.fixture
def served(folder):
    server = Served(folder, cache_bytes=32 * 2**20)
    yield server
    server.close()


def test_compressed_once_and_unchanged(served, folder):
    status, headers, body = served.zipped("/voila/static/app.js")
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body) == (folder / "app.js").read_bytes()
    assert len(body) < (folder / "app.js").stat().st_size / 2
    assert len(served.transform.cache) == 1
    _, again, second = served.zipped("/voila/static/app.js")
    assert second == body and int(again["Content-Length"]) == len(second)


def test_a_changed_file_is_compressed_anew(served, folder):
    served.zipped("/voila/static/app.js")
    changed = _script(200_000, 2)
    (folder / "app.js").write_bytes(changed)
    assert gzip.decompress(served.zipped("/voila/static/app.js")[2]) == changed


def test_what_is_not_a_compressible_static_file_passes_as_it_is(served, folder):
    script = (folder / "app.js").read_bytes()
    status, headers, body = served.get("/voila/static/app.js")  # no Accept-Encoding
    assert body == script and "Content-Encoding" not in headers
    _, headers, body = served.zipped("/other/app.js")
    assert body == script and "Content-Encoding" not in headers
    _, headers, body = served.zipped("/voila/static/logo.png")
    assert "Content-Encoding" not in headers and len(body) == 256 * 20
    status, headers, body = served.zipped("/voila/static/app.js", Range="bytes=0-99")
    assert status == 206 and body == script[:100] and "Content-Encoding" not in headers
    status, headers, _ = served.get("/voila/static/app.js", method="HEAD", Accept_Encoding="gzip")
    assert status == 200 and "Content-Encoding" not in headers
    etag = served.zipped("/voila/static/app.js")[1]["Etag"]
    assert served.zipped("/voila/static/app.js", If_None_Match=etag)[0] == 304


def test_above_the_bound_compressed_every_time_and_still_right(folder):
    server = Served(folder, cache_bytes=1000)
    try:
        for _ in range(2):
            _, headers, body = server.zipped("/voila/static/app.js")
            assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == (folder / "app.js").read_bytes()
        assert server.transform.cache == {}
    finally:
        server.close()
