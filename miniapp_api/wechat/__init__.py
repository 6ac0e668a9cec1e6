"""The WeChat boundary. Only this package imports wechatpy."""

from miniapp_api.wechat.client import (
    FACE_VERIFIED,
    FaceSession,
    LoginIdentity,
    TextVerdict,
    VerifiedPhone,
    WeChatError,
    WeChatGateway,
    cert_hash,
    gateway,
)

__all__ = ["FACE_VERIFIED", "FaceSession", "VerifiedPhone", "cert_hash", "LoginIdentity", "TextVerdict", "WeChatError", "WeChatGateway", "gateway"]
