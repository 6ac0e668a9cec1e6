"""The phone simulator: the citizen's side of the mini-program as a web page, on the public API only.

A development tool (off in production unless SIMULATOR=true): it stands where WeChat's client would,
so its login codes, consents and service-notification inbox come from the WeChat emulator.
"""
