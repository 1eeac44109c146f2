"""Stage 4: Api -> the Python client files (placeholder until the client renderer lands)."""

from __future__ import annotations

from generator.diagnostics import Diagnostics
from generator.model.ir import Api


def render_client(api: Api, diags: Diagnostics) -> dict[str, bytes]:
    return {}
