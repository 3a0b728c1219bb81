"""The meeting server's static files go out gzip-compressed, each compressed once, and unchanged once decompressed."""

from __future__ import annotations

import gzip
import random
import shutil
import string
import tempfile

import tornado.testing
import tornado.web

from kpwork.serve_transfer import static_gzip


def _script(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(400)]
    text = ""
    while len(text) < size:
        text += f"function {rng.choice(words)}(a, b) {{ return a.{rng.choice(words)}(b) + {rng.randint(0, 999)}; }}\n"
    return text[:size].encode()


class _Served(tornado.testing.AsyncHTTPTestCase):
    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.folder, ignore_errors=True)


class StaticGzipTest(_Served):
    def get_app(self):
        self.folder = tempfile.mkdtemp()
        self.big = _script(300_000, 1)  # several of the static handler's 64 KiB chunks
        with open(f"{self.folder}/app.js", "wb") as f:
            f.write(self.big)
        with open(f"{self.folder}/logo.png", "wb") as f:
            f.write(bytes(range(256)) * 20)
        self.transform = static_gzip(("/voila/static/",))
        app = tornado.web.Application([
            (r"/voila/static/(.*)", tornado.web.StaticFileHandler, {"path": self.folder}),
            (r"/other/(.*)", tornado.web.StaticFileHandler, {"path": self.folder}),
        ])
        app.add_transform(self.transform)
        return app

    def _get(self, path: str, **headers):
        return self.fetch(path, headers={"Accept-Encoding": "gzip", **headers}, decompress_response=False)

    def test_compressed_once_and_unchanged(self):
        first = self._get("/voila/static/app.js")
        assert first.code == 200 and first.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in first.headers["Vary"]
        assert gzip.decompress(first.body) == self.big
        assert len(first.body) < len(self.big) / 2
        assert len(self.transform.cache) == 1
        second = self._get("/voila/static/app.js")
        assert second.body == first.body and int(second.headers["Content-Length"]) == len(second.body)

    def test_a_changed_file_is_compressed_anew(self):
        self._get("/voila/static/app.js")
        changed = _script(200_000, 2)
        with open(f"{self.folder}/app.js", "wb") as f:
            f.write(changed)
        assert gzip.decompress(self._get("/voila/static/app.js").body) == changed

    def test_what_is_not_a_compressible_static_file_passes_as_it_is(self):
        plain = self.fetch("/voila/static/app.js", decompress_response=False)  # no Accept-Encoding
        assert plain.body == self.big and "Content-Encoding" not in plain.headers
        other = self._get("/other/app.js")
        assert other.body == self.big and "Content-Encoding" not in other.headers
        image = self._get("/voila/static/logo.png")
        assert "Content-Encoding" not in image.headers and len(image.body) == 256 * 20
        part = self._get("/voila/static/app.js", Range="bytes=0-99")
        assert part.code == 206 and part.body == self.big[:100] and "Content-Encoding" not in part.headers
        head = self.fetch("/voila/static/app.js", method="HEAD", headers={"Accept-Encoding": "gzip"}, decompress_response=False)
        assert head.code == 200 and "Content-Encoding" not in head.headers
        etag = self._get("/voila/static/app.js").headers["Etag"]
        assert self._get("/voila/static/app.js", **{"If-None-Match": etag}).code == 304


class BoundedCacheTest(_Served):
    def get_app(self):
        self.folder = tempfile.mkdtemp()
        self.big = _script(150_000, 3)
        with open(f"{self.folder}/app.js", "wb") as f:
            f.write(self.big)
        self.transform = static_gzip(("/s/",), cache_bytes=1000)
        app = tornado.web.Application([(r"/s/(.*)", tornado.web.StaticFileHandler, {"path": self.folder})])
        app.add_transform(self.transform)
        return app

    def test_above_the_bound_compressed_every_time_and_still_right(self):
        for _ in range(2):
            response = self.fetch("/s/app.js", headers={"Accept-Encoding": "gzip"}, decompress_response=False)
            assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(response.body) == self.big
        assert self.transform.cache == {}
