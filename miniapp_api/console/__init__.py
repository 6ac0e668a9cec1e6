"""The staff console: server-rendered pages over the same services as the staff API.

Cookie sessions hold a staff bearer token (so lockout, expiry and revocation are the API's own rules),
every POST carries a CSRF token, and pages answer another centre's records with 404 like the API.
"""

from miniapp_api.console.views import bp

__all__ = ["bp"]
