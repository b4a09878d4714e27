"""The JSON API under /api/v1 (`../shared/docs/api.md` conventions; docs/architecture.md,
"The JSON API", says how a service adds an endpoint).

`core` is the machinery every service's API uses (`ApiBlueprint.api_route`, `ApiError`),
`paging` the long lists, `openapi` the generated description, and `platform` the
platform's own endpoints (`/me`, `/me/tokens`, `/openapi.json`), whose blueprint is `bp`.
"""

from webui.api.core import API_PREFIX, ApiBlueprint, ApiError
from webui.api.paging import PageRequest
from webui.api.platform import bp

__all__ = ["API_PREFIX", "ApiBlueprint", "ApiError", "PageRequest", "bp"]
