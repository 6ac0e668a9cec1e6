"""A stand-in for WeChat's servers, reached over real HTTP by our real wechatpy client.

It is the only fake in the project: no machine here can reach WeChat. It keeps
WeChat's wire format, error codes, token rotation, one-time consent quotas and
field limits, and adds a control API under /emulator/ for tests and people:
mint login codes, grant consents, register templates, inject faults, read the
inbox of delivered messages, move its clock.
"""

from __future__ import annotations

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from miniapp_api.wechat.emulator.app import create_emulator


class _QuietHandler(WSGIRequestHandler):
    """WeChat's URLs carry the app secret in the query string: keep them out of the logs."""

    def log_request(self, code="-", size="-") -> None:
        return None


def make_emulator_server(host: str, port: int, appid: str, secret: str, **options) -> BaseWSGIServer:
    """A threaded HTTP server for the emulator; port 0 picks a free one."""
    return make_server(host, port, create_emulator(appid, secret, **options), threaded=True,
                       request_handler=_QuietHandler)


__all__ = ["create_emulator", "make_emulator_server"]
