"""Who a citizen really is: WeChat-verified phone, face verification (实名核验), authorised relatives (亲友代办)."""
