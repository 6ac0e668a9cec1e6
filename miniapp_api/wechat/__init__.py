"""The WeChat boundary. Only this package imports wechatpy."""

from miniapp_api.wechat.client import (
    LoginIdentity,
    TextVerdict,
    WeChatError,
    WeChatGateway,
    gateway,
)

__all__ = ["LoginIdentity", "TextVerdict", "WeChatError", "WeChatGateway", "gateway"]
