"""The SMS boundary: Tencent Cloud SMS (SendSms, API 3.0). Only this package imports the Tencent Cloud SDK."""

from miniapp_api.sms.client import SmsConfig, SmsError, SmsGateway

__all__ = ["SmsConfig", "SmsError", "SmsGateway"]
