"""Path templates that differ only in their parameter names.

OpenAPI treats `/User/{id}` and `/User/{userName}` as one path: templates of one shape (the
placeholders' names left out) must not both appear. The pages document such pairs (GET User/{id}
and GET User/{userName}), and the server tells them apart by the value. The model keeps every
page's documented path (the client sends it); the OpenAPI emitter writes each shape as one path
item, under one template chosen here, and the model reports each renamed page (SOG404).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from generator.model.ir import Operation

_HOLDER = re.compile(r"\{([^{}/]+)\}")


def path_shape(path: str) -> str:
    """The template with its placeholders' names left out: `/User/{}`."""
    return _HOLDER.sub("{}", path)


def placeholders(path: str) -> list[str]:
    """The placeholders' names, in order (a name may repeat)."""
    return _HOLDER.findall(path)


def canonical_template(paths: Iterable[str]) -> str:
    """The template the spec writes for operations of one shape (one path per operation): the
    one most of them document, so the fewest parameters are renamed; on a tie the first in
    sort order, so the choice never depends on the order pages were read in."""
    counts = Counter(paths)
    return min(counts, key=lambda path: (-counts[path], path))


def renamed(path: str, template: str) -> dict[str, list[str]]:
    """For each placeholder of `path`, its name(s) in `template` (of the same shape). A name
    the page repeats may stand at places the template names differently, hence a list."""
    found: dict[str, list[str]] = {}
    for mine, theirs in zip(placeholders(path), placeholders(template), strict=True):
        names = found.setdefault(mine, [])
        if theirs not in names:
            names.append(theirs)
    return found


def path_items(ops: Iterable[Operation]) -> dict[str, dict[str, list[Operation]]]:
    """The spec's path items: template -> method -> the operations OpenAPI sees as one (more
    than one when pages document one method under templates of one shape). The first of each
    list is the one the others merge into: one documented with the template, else the first
    in sort order."""
    by_shape: dict[str, list[Operation]] = {}
    for op in ops:
        by_shape.setdefault(path_shape(op.path), []).append(op)
    items: dict[str, dict[str, list[Operation]]] = {}
    for group in by_shape.values():
        template = canonical_template(op.path for op in group)
        item = items.setdefault(template, {})
        for op in sorted(group, key=lambda o: (o.path != template, o.path, o.id)):
            item.setdefault(op.method, []).append(op)
    return items
