"""What stands between a browser and the meeting server: the Host check, the page policy, quiet logs.

``kpwork serve`` runs Voilà on a :class:`tornado.web.Application`; the
application class of :func:`guarded_application` adds, for every request
(pages, static files, kernel websockets alike):

* a **Host check** against DNS rebinding: only the names the server was
  started for are answered (:func:`allowed_hosts`); any other ``Host``
  header gets 403 before a handler runs, so a page of another site whose
  name an attacker re-points to this computer reads nothing and opens no
  websocket;
* a **Content-Security-Policy** (:func:`content_security_policy`) on every
  response: pages may load and connect to this server only, so a script
  that slipped into a page cannot send anything elsewhere;
* a **quiet request log**: nothing per request in the terminal, only server
  errors (5xx other than our own "too many pages") and, once per name, a
  refused ``Host``.

Tornado is imported inside the functions: importing :mod:`kpwork` never loads the server.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import re
import socket
from collections.abc import Iterable

log = logging.getLogger(__name__)

#: Names of this computer a browser on it may use; always accepted.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_WILDCARD = ("0.0.0.0", "::", "")


def allowed_hosts(host: str, *, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` names (without port, IPv6 without brackets, lower case) the server answers.

    Parameters
    ----------
    host
        The address the server listens on (``--host``). Loopback names are
        always allowed; a specific address or name adds itself; a wildcard
        (``0.0.0.0``, ``::``) adds this computer's name and the addresses of
        its network interfaces, so that others on the network can type its
        address, but never a name that only an attacker's DNS points here.
    extra
        More names an operator serves under (e.g. a name in the local DNS).

    Examples
    --------
    >>> sorted(allowed_hosts("127.0.0.1"))
    ['127.0.0.1', '::1', 'localhost']
    >>> "planovani.local" in allowed_hosts("planovani.local")
    True
    """
    names = {*LOOPBACK_NAMES, *(_bare(h) for h in extra)}
    if host in _WILDCARD:
        names |= _this_computer()
    else:
        names.add(_bare(host))
    return frozenset(n for n in names if n)


def _this_computer() -> set[str]:
    import psutil

    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family in (socket.AF_INET, socket.AF_INET6):
                names.add(a.address.split("%")[0].lower())
    return names


def _bare(host: str) -> str:
    """``Host`` header value without port and IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:  # name:port or IPv4:port (a bare IPv6 address has several colons)
        host = host.split(":")[0]
    return host.rstrip(".")


def host_allowed(header: str, allowed: frozenset[str]) -> bool:
    """Whether a request's ``Host`` header names this server (an IP must be exactly one allowed).

    Examples
    --------
    >>> ok = allowed_hosts("127.0.0.1")
    >>> host_allowed("127.0.0.1:8866", ok), host_allowed("[::1]:8866", ok), host_allowed("evil.example:8866", ok)
    (True, True, False)
    """
    name = _bare(header)
    if name in allowed:
        return True
    try:  # 127.0.0.2 is this computer too; an address (unlike a name) cannot be re-pointed by DNS
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def content_security_policy(host: str) -> str:
    """The page policy: everything from this server (``host`` is the checked ``Host`` header), nothing else.

    Voilà's pages need inline scripts and styles (the page configuration,
    the widgets' styles, the maps' documents in ``srcdoc`` frames, which
    inherit this policy), ``data:`` images and fonts (the map markers) and
    ``blob:`` for the widgets' renderers; the websocket goes to this server.
    No ``eval``: the browser tests check that no page needs it.
    """
    origin = re.sub(r"[^A-Za-z0-9.:\[\]-]", "", host)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src 'self' ws://{origin} wss://{origin}",
            "frame-src 'self' data: blob:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


def refusal_html(title: str, text: str) -> str:
    """A plain page for a refused request (escaped; no script)."""
    return (
        f'<!DOCTYPE html><html lang="cs"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<style>body{font:20px/1.5 'DejaVu Sans',Arial,sans-serif;max-width:900px;margin:2em auto;padding:0 1em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )


#: The answer to a request for a name the server was not started for.
WRONG_HOST_HTML = refusal_html("Přístup odmítnut", "Tento server odpovídá jen na adresu, na které byl spuštěn.")


def guarded_application(allowed: frozenset[str]):
    """A :class:`tornado.web.Application` subclass that checks ``Host`` and sets the page policy on every response."""
    import tornado.web

    refused_names: set[str] = set()

    class Refusal(tornado.web.RequestHandler):
        """403 for every method, websockets included (their upgrade is a GET)."""

        def prepare(self) -> None:
            name = _bare(self.request.host)
            if name not in refused_names:
                refused_names.add(name)
                log.warning("refused requests for the name %r: the server answers only %s (see --host)", name[:80], ", ".join(sorted(allowed)))
            self.set_status(403)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(WRONG_HOST_HTML)

    class PagePolicy(tornado.web.OutputTransform):
        def __init__(self, request) -> None:
            self._host = request.host

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            headers["Content-Security-Policy"] = content_security_policy(self._host)
            headers["X-Content-Type-Options"] = "nosniff"
            headers["Referrer-Policy"] = "no-referrer"
            return status_code, headers, chunk

    class GuardedApplication(tornado.web.Application):
        def __init__(self, *args, **kwargs):
            kwargs["log_function"] = _quiet_log
            super().__init__(*args, **kwargs)
            self.add_transform(PagePolicy)

        def find_handler(self, request, **kwargs):
            if not host_allowed(request.host or "", allowed):
                return self.get_handler_delegate(request, Refusal)
            return super().find_handler(request, **kwargs)

    return GuardedApplication


def _quiet_log(handler) -> None:
    """Tornado's request log: server errors only (a refused or busy page is expected, not news)."""
    status = handler.get_status()
    if status >= 500 and status != 503:
        log.error("%s %s %s", status, handler.request.method, handler.request.uri[:200])
    else:
        log.debug("%s %s %s", status, handler.request.method, handler.request.uri[:200])
