"""The JSON API under /api/v1 (its conventions, and how a service adds an endpoint:
docs/architecture.md, "The JSON API").

`core` is the machinery every service's API uses (`ApiBlueprint.api_route`, `ApiError`),
`paging` the long lists, `openapi` the generated description, and `platform` the
platform's own endpoints (`/me`, `/me/tokens`, `/openapi.json`), whose blueprint is `bp`.
"""

from webui.api.core import API_PREFIX, ApiBlueprint, ApiError
from webui.api.paging import PageRequest
from webui.api.platform import bp

__all__ = ["API_PREFIX", "ApiBlueprint", "ApiError", "PageRequest", "bp"]
