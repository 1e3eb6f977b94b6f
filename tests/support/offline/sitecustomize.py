"""Loaded by Python at start-up when this folder is on PYTHONPATH: the process may reach
loopback only. Any DNS lookup or connection elsewhere is refused and written to the file named by
``INVEKTO_OFFLINE_LOG`` (one line per attempt), so a test can prove nothing phones home."""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback

_LOG = os.environ.get("INVEKTO_OFFLINE_LOG", "")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]")
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str, target: object) -> None:
    if _LOG:
        stack = "".join(traceback.format_stack(limit=8)[:-2]).replace("\n", " | ")
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{what} {target!r} :: {stack}\n")
    raise OSError(f"network blocked in this test: {what} {target!r}")


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _refuse("dns", host)
    return _getaddrinfo(host, *args, **kwargs)


def gethostbyname(host):
    if not _loopback(host):
        _refuse("dns", host)
    return "127.0.0.1"


def _guarded(method):
    def wrapper(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _refuse(method.__name__, address)
        return method(self, address, *args)

    return wrapper


def _guarded_sendto(method):
    def wrapper(self, data, *args):
        address = args[-1]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _refuse("sendto", address)
        return method(self, data, *args)

    return wrapper


socket.getaddrinfo = getaddrinfo
socket.gethostbyname = gethostbyname
socket.socket.connect = _guarded(socket.socket.connect)
socket.socket.connect_ex = _guarded(socket.socket.connect_ex)
socket.socket.sendto = _guarded_sendto(socket.socket.sendto)
