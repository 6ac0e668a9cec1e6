"""Typed settings for Banshi, read from the environment and validated at start."""

from config.settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
