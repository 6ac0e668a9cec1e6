"""Notifications: the outbox, WeChat subscribe-message consents and the in-app message centre."""
