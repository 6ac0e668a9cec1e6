"""A stand-in for WeChat's servers, reached over real HTTP by our real wechatpy client.

It is the only fake in the project: no machine here can reach WeChat. It keeps
WeChat's wire format, error codes, token rotation, one-time consent quotas and
field limits, and adds a control API under /emulator/ for tests and people:
mint login codes, grant consents, register templates, inject faults, read the
inbox of delivered messages, move its clock.
"""

from miniapp_api.wechat.emulator.app import create_emulator

__all__ = ["create_emulator"]
