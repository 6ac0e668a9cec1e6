"""What citizens, staff and anyone scanning a certificate read."""

CERTIFICATE_NOT_FOUND = "未找到该电子证照，或您无权查看。"
ALREADY_REVOKED = "该证照已撤销，不能重复撤销。"
NOT_CURRENT = "该证照已被新证替代，请撤销当前有效的证照。"
STATUS_NAMES = {"valid": "有效", "expired": "已过期", "revoked": "已撤销", "superseded": "已被新证替代",
                "tampered": "签名核验不通过", "key_revoked": "签名密钥已停用"}
STATUS_EXPLAINED = {
    "valid": "本证照由签发机关电子签名，内容未被改动，当前在有效期内。",
    "expired": "本证照签名有效，但已超过有效期。",
    "revoked": "本证照已被签发机关撤销。",
    "superseded": "本证照已延续换发，请以新证为准。",
    "tampered": "本证照的内容与签发时的电子签名不符，可能被篡改，请勿采信。",
    "key_revoked": "签发本证照所用的签名密钥已停用，本证照在停用之后签名，不能证明其真实，请勿采信，并向签发机关核实。",
}
NOT_FOUND_PAGE = "未查到该证照。请确认二维码完整，或联系签发机关核实。"
TITLE_ISSUED = "电子证照已签发"
BODY_ISSUED = "您办理的“{item}”（受理编号 {reference}）已签发电子{type}，证照编号 {identifier}，有效期至 {expires}。可在“我的证照”中查看和出示。"
BODY_RENEWED = "您的{type}已延续，新证照编号 {identifier}，有效期至 {expires}。到期提醒已按新有效期重新安排。"
TITLE_REVOKED = "电子证照已撤销"
BODY_REVOKED = "您的{type}（编号 {identifier}）已被{centre}撤销，原因：{reason}。如有疑问请联系签发机关。"
PAGE_TITLE = "电子证照核验"
TIP_ISSUED = "电子证照已签发，可在小程序中出示"
TIP_REVOKED = "证照已撤销，详情请查看消息"
