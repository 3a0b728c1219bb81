"""What the meeting server sends over the room's network: the pages' scripts and styles, compressed once.

Every device that opens a Voilà page fetches the same front end: about
5 MB of scripts and styles in ~95 files. Thirty people on one Wi-Fi
fetch 150 MB in the first minute of a meeting. Gzip makes them ~1.5 MB a
device; compressing them anew for every device would cost the server about
0.2 s of CPU each (as much as the rest of a view), so :func:`static_gzip`
compresses each file once and keeps the result in memory (the front end is
~2 MB compressed; the cache is bounded all the same).

Only the server's static files are touched (their paths under
:data:`STATIC_PREFIXES`; their content never changes while the server
runs): pages, the kernels' websockets and every other answer pass as they
are. Tornado is imported inside the function: importing :mod:`kpwork`
never loads the server.
"""

from __future__ import annotations

import zlib

#: Paths of the files Voilà serves unchanged to every page: its front end, the widget extensions, the template's styles.
STATIC_PREFIXES = ("/voila/static/", "/voila/labextensions/", "/voila/templates/")
#: Types worth compressing (images and fonts are compressed already).
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
#: Upper bound of the compressed files kept in memory, bytes.
CACHE_BYTES = 32 * 2**20
#: zlib's window bits for a gzip stream.
_GZIP = 16 + zlib.MAX_WBITS


def static_gzip(prefixes: tuple[str, ...] = STATIC_PREFIXES, *, cache_bytes: int = CACHE_BYTES):
    """A :class:`tornado.web.OutputTransform` that sends static files gzip-compressed, each compressed once.

    Parameters
    ----------
    prefixes
        Request paths whose answers are static files.
    cache_bytes
        The most compressed bytes kept; files beyond it are compressed on
        every request (still correct, only slower).

    Returns
    -------
    type
        The transform class, for :meth:`tornado.web.Application.add_transform`.
        Its ``cache`` maps (path, ETag or Last-Modified, length) to the
        compressed body: a file that changes on disk gets a new entry.

    Notes
    -----
    A response is compressed only for a ``GET`` of such a path that accepts
    gzip and is answered ``200`` with a compressible type and no encoding
    of its own; ranges (``206``), ``304`` and ``HEAD`` pass untouched.
    """
    import tornado.web

    cache: dict[tuple[str, str, str], bytes] = {}

    class StaticGzip(tornado.web.OutputTransform):
        def __init__(self, request) -> None:
            self._path = request.path
            self._wanted = (
                request.method == "GET"
                and request.path.startswith(prefixes)
                and "gzip" in request.headers.get("Accept-Encoding", "")
            )
            self._mode = "pass"

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if not self._wanted or status_code != 200 or "Content-Encoding" in headers:
                return status_code, headers, chunk
            if not headers.get("Content-Type", "").split(";")[0].startswith(COMPRESSIBLE):
                return status_code, headers, chunk
            headers["Vary"] = f"{headers['Vary']}, Accept-Encoding" if "Vary" in headers else "Accept-Encoding"
            headers["Content-Encoding"] = "gzip"
            self._key = (self._path, headers.get("Etag", headers.get("Last-Modified", "")), headers.get("Content-Length", ""))
            self._cacheable = all(self._key)  # a version and a length say which file this is
            body = cache.get(self._key) if self._cacheable else None
            if body is not None:
                self._mode = "cached"  # the handler still reads the file; what it writes is dropped
                headers["Content-Length"] = str(len(body))
                return status_code, headers, body
            self._mode, self._parts = "compress", []
            self._compressor = zlib.compressobj(6, zlib.DEFLATED, _GZIP)
            chunk = self.transform_chunk(chunk, finishing)
            if finishing:
                headers["Content-Length"] = str(len(chunk))
            else:
                headers.pop("Content-Length", None)  # chunked from here on
            return status_code, headers, chunk

        def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
            if self._mode == "cached":
                return b""
            if self._mode == "pass":
                return chunk
            out = self._compressor.compress(chunk)
            if finishing:
                out += self._compressor.flush()
            self._parts.append(out)
            if finishing and self._cacheable:
                body = b"".join(self._parts)
                if sum(map(len, cache.values())) + len(body) <= cache_bytes:
                    cache[self._key] = body
            return out

    StaticGzip.cache = cache
    return StaticGzip
