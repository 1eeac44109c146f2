"""The spec's form of a query object (model/dotted.py): one parameter, `style: deepObject`.

OpenAPI has no style for `name.Property=value`, the form the pages document and sogen's client
sends; deepObject (`name[Property]=value`) is the style for an object spread over query pairs,
and the server (ASP.NET model binding) reads both. The description says exactly what the
client sends. Prism (5.x) builds a deepObject value only from `name[Property]` keys, so it
neither reads nor rejects the dotted pairs.
"""

from __future__ import annotations

from generator.model.ir import JSONValue, Parameter

Doc = dict[str, JSONValue]


def query_object_parameter(p: Parameter, schema: Doc) -> Doc:
    """The parameter object of a query object `p`; `schema` is its (reference to the) schema."""
    out: Doc = {"name": p.name, "in": "query", "description": query_object_text(p)}
    if p.required:
        out["required"] = True
    out["style"] = "deepObject"
    out["explode"] = True
    out["schema"] = schema
    return out


def query_object_text(p: Parameter) -> str:
    """How sogen's client sends the object `p`, with examples from its own properties."""
    flat = next((m for m in p.members if len(m.wire) == 1), None)
    nested = next((m for m in p.members if len(m.wire) > 1), None)
    name = p.name
    schema = p.type.ref or "object"
    first = f"`{name}.{flat.wire[0]}=...`" if flat is not None else f"`{name}.<Property>=...`"
    text = (
        f"One {schema} object, sent as one query pair per property that is set: sogen's client "
        f"sends `{name}.<Property>=value` with the schema's property names ({first})"
    )
    if nested is not None:
        path = ".".join(nested.wire)
        text += f", the properties of a nested object with further dots (`{name}.{path}=...`)"
    text += (
        ", each item of a list of values as a pair of its own with the same name, a list of "
        "objects by index (`.<Property>[0].<Inner>=...`) and a dictionary by key "
        "(`.<Property>[<key>]=...`). Values are written as in any other query parameter "
        "(true/false, numbers, ISO 8601 date-times). ASP.NET model binding reads these pairs as "
        f"it reads the deepObject form `{name}[<Property>]=value` declared here."
    )
    documented = ", ".join(f"`{name}.{'.'.join(m.path)}`" for m in p.members[:3])
    more = ", ..." if len(p.members) > 3 else ""
    return text + (
        f" The reference page lists it as {len(p.members)} dotted query parameter"
        f"{'' if len(p.members) == 1 else 's'} ({documented}{more})."
    )
