"""A rebuild after edits that change only what operations say in words.

Most documentation releases change prose: an operation's summary or description, the
description of a parameter, a request body or a response. Such words decide nothing outside
their own operation: no schema, name, type, path or diagnostic. So, instead of parsing,
modelling and rendering the whole API again, a build patches what the last build made:

- each edited page is parsed; it must equal its last version but for that prose (compared with
  the prose blanked), and its operation must be one the last build kept;
- the operation in the last build's model takes the new prose;
- the views of the edited groups are made again, and must report what they reported before;
- the path items of the edited paths are emitted again, and must keep their OpenAPI shape (so
  validating them says what it said before);
- the README is rendered again (from its saved per-group sections, the edited groups' made
  again), and so are the files of the edited groups; every other file, the package indexes
  included, is kept as the last build left it in OUT (tests compare the result with a whole
  build).

When anything does not hold, nothing is written and the build does the whole work instead;
the output is the same either way (tests compare the two). What this needs from the last build
(its model by group, its client views, its OpenAPI texts in parts) is saved by every whole
build, in one pack of the cache and one entry for the texts; a patch appends what it replaced
to the pack. It is used only while OUT's build record is that build's.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from generator.build.cache import (
    BuildCache,
    PackReader,
    PackWriter,
    TemplateStore,
    digest,
    load_pickled,
)
from generator.build.writer import StagedOutput
from generator.diagnostics import Diagnostic, Diagnostics
from generator.model.api import BuiltPage, same_but_prose
from generator.model.ir import Api, Group, Prose, Schema, prose_of, set_prose

if TYPE_CHECKING:
    from generator.openapi.emit import OpenApiVersion
    from generator.openapi.serialize import DocTexts
    from generator.render.client import RenderedViews
    from generator.render.context import GroupView

# More edited pages than this are parsed in parallel by a whole build faster than here.
MAX_EDITED_PAGES = 32
_PACK = "state:"
T = TypeVar("T")


def _entry(*parts: str) -> str:
    return digest("build state", *parts)


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class StateWriter:
    """Saves, entry by entry as the build makes them, what a later build needs to patch this
    one; `commit` after OUT was written, `abort` otherwise."""

    def __init__(self, cache: BuildCache, out: str, fingerprint: str) -> None:
        self.cache, self.out, self.fingerprint = cache, out, fingerprint
        self.writer: PackWriter | None = cache.pack_writer(_PACK + out)
        self.has_texts = self.has_views = False

    def texts(self, texts: DocTexts) -> None:
        if self.writer is not None and texts.paths:
            _save_texts(self.cache, self.out, self.fingerprint, texts)
            self.has_texts = True

    def views(self, rendered: RenderedViews | None) -> None:
        if self.writer is None or rendered is None:
            return
        from generator.render.context import ModelNames

        ctx = rendered.ctx
        if (len(rendered.group_blobs), len(rendered.model_blobs)) != (
            len(ctx.groups),
            len(ctx.models),
        ):
            return  # not pickled (no cache for the views): nothing to save
        add = self.writer.add
        add(_entry("views"), _dumps(replace(ctx, groups=[], models=[])))
        add(_entry("group heads"), _dumps([_group_head(g) for g in ctx.groups]))
        add(_entry("model heads"), _dumps([replace(m, fields=[]) for m in ctx.models]))
        add(_entry("names"), _dumps(ModelNames.of(ctx.models)))
        add(_entry("readme"), _dumps((rendered.readme_sections, rendered.probe)))
        for n, blob in enumerate(rendered.group_blobs):
            add(_entry("group view", str(n)), blob)
        for n, blob in enumerate(rendered.model_blobs):
            add(_entry("model view", str(n)), blob)
        self.has_views = True

    def commit(self, api: Api, pages: list[tuple[str, str]], config: str) -> None:
        """`pages`: (display, key) of every page read, in order."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        if not (self.has_texts and self.has_views):
            writer.ok = False  # incomplete: nothing to patch later (commit then discards it)
            writer.commit()
            return
        ops: dict[str, tuple[str, str, str]] = {}
        for group in api.groups:
            writer.add(_entry("group", group.name), _dumps(group))
            for op in group.operations:
                ops[op.id] = (group.name, op.path, op.source.path)
        for name, schema in api.schemas.items():
            writer.add(_entry("schema", name), _dumps(schema))
        meta = {
            "config": config,
            "fingerprint": self.fingerprint,
            "pages": pages,
            "groups": [g.name for g in api.groups],
            "ops": ops,
            "models": len(api.schemas),
            "texts": self.fingerprint,  # the build whose texts the texts entry holds
        }
        writer.add(_entry("meta"), _dumps(meta))
        writer.commit()

    def abort(self) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.ok = False
            writer.commit()


def _group_head(view: GroupView) -> GroupView:
    """A group's view without its operations: all that the files made from the whole client
    context read of most groups (tests compare a patched build with a whole one)."""
    return replace(view, operations=[])


def _save_texts(cache: BuildCache, out: str, fingerprint: str, texts: DocTexts) -> None:
    """The spec's texts in parts, a cache entry of their own (written by whole builds; a patch
    keeps the path items it replaced in the state pack); `fingerprint` ties them to the meta."""
    blob = _dumps((fingerprint, texts.yaml_parts, texts.json_parts, texts.paths))
    cache.put("state", _entry("texts", out), blob)


def _load_texts(cache: BuildCache, out: str, fingerprint: object) -> DocTexts:
    from generator.openapi.serialize import DocTexts

    blob = cache.get("state", _entry("texts", out))
    value = load_pickled(blob) if blob is not None else None
    if not isinstance(value, tuple) or len(value) != 4 or value[0] != fingerprint:
        raise _NotProseOnly("the saved texts are not the last build's")
    return DocTexts(value[1], value[2], value[3])


class _LazySchemas(Mapping[str, Schema]):
    """The last build's schemas, each unpickled when first asked for."""

    def __init__(self, reader: PackReader, names: frozenset[str]) -> None:
        self.reader, self.names = reader, names
        self.loaded: dict[str, Schema] = {}

    def __getitem__(self, name: str) -> Schema:
        if name not in self.loaded:
            blob = self.reader.get(_entry("schema", name)) if name in self.names else None
            value = load_pickled(blob) if blob is not None else None
            if not isinstance(value, Schema):
                raise KeyError(name)
            self.loaded[name] = value
        return self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.names))

    def __len__(self) -> int:
        return len(self.names)


class _NotProseOnly(Exception):
    """A condition of the shortcut does not hold: the whole build it is."""


def _load(reader: PackReader, kind: type[T], *name: str) -> T:
    blob = reader.get(_entry(*name))
    value = load_pickled(blob) if blob is not None else None
    if not isinstance(value, kind):
        raise _NotProseOnly(f"the saved state lacks {name}")
    return value


@dataclass(frozen=True)
class PageInput:
    display: str
    key: str  # the page's cache key (its bytes, with the generator's version)
    data: bytes | None  # None: unchanged since the last build, so not read
    clean: bool  # read (or found unchanged) without a diagnostic


class TextPatch:
    """The last build, patched in memory for pages whose edits are prose only."""

    @classmethod
    def prepare(
        cls,
        cache: BuildCache,
        out_key: str,
        config: str,
        record_fingerprint: str,
        inputs: list[PageInput],
        openapi_version: OpenApiVersion,
        parse: Callable[[str, bytes], bytes],
    ) -> TextPatch | str:
        """The patch, or why the shortcut does not apply. `config` stands for all but the
        pages that the output depends on; `parse` makes a page's pickled result (the page, its
        diagnostics) as a build caches it."""
        reader = cache.pack_reader(_PACK + out_key)
        try:
            meta: dict[str, object] = _load(reader, dict, "meta")
            edited = _edited_pages(meta, config, record_fingerprint, inputs)
            patch = cls(cache, out_key, reader, meta, edited)
            patch._patch(parse, openapi_version)
        except _NotProseOnly as exc:
            return str(exc)
        return patch

    def __init__(
        self,
        cache: BuildCache,
        out_key: str,
        reader: PackReader,
        meta: dict[str, object],
        edited: list[tuple[PageInput, str]],
    ) -> None:
        self.cache, self.out_key, self.reader, self.meta = cache, out_key, reader, meta
        self.edited = edited
        self.new_page_blobs: dict[str, bytes] = {}
        self.groups: dict[str, Group] = {}
        self.edited_groups: set[str] = set()
        self.fresh_views: dict[int, bytes] = {}  # index in ctx.groups -> pickled new view

    def _patch(self, parse: Callable[[str, bytes], bytes], version: OpenApiVersion) -> None:
        from generator.model.paths import path_shape
        from generator.openapi.emit import emit_paths
        from generator.openapi.incremental import path_item_shape
        from generator.render.context import (
            ClientContext,
            GroupView,
            ModelNames,
            rebuild_group_view,
        )

        ops = self.meta.get("ops")
        group_names = self.meta.get("groups")
        if not isinstance(ops, dict) or not isinstance(group_names, list):
            raise _NotProseOnly("the saved state is damaged")
        # 1. the edited pages: prose only, each the page of an operation the build kept
        old_pages = self.cache.pack_reader("pages:" + self.out_key)
        prose: dict[str, Prose] = {}
        for page, old_key in self.edited:
            old_blob = old_pages.get(old_key)
            old, new_blob = _page_result(old_blob), parse(page.display, page.data or b"")
            new = _page_result(new_blob)
            if old is None or new is None or old[1] != new[1]:
                raise _NotProseOnly(f"{page.display}: not the page the last build had")
            if not same_but_prose(old[0], new[0]):
                raise _NotProseOnly(f"{page.display}: more than prose changed")
            where = ops.get(new[0].uid)
            if not isinstance(where, tuple) or where[2] != page.display:
                raise _NotProseOnly(f"{page.display}: its operation was not kept")
            prose[new[0].uid] = prose_of(new[0].result.operation)
            self.new_page_blobs[page.key] = new_blob
        # 2. the model: the edited operations take their new prose; the path items of their
        # paths hold other groups' operations too, and so do templates of the same shape
        # (one path item in the spec, see model/paths.py)
        self.edited_groups = {ops[uid][0] for uid in prose}
        shapes = {path_shape(ops[uid][1]) for uid in prose}
        wanted = set(self.edited_groups)
        wanted.update(where[0] for where in ops.values() if path_shape(where[1]) in shapes)
        for name in sorted(wanted):
            self.groups[name] = _load(self.reader, Group, "group", name)
        by_id = {op.id: op for g in self.groups.values() for op in g.operations}
        for uid, words in prose.items():
            try:
                set_prose(by_id[uid], words)
            except (KeyError, ValueError) as exc:
                raise _NotProseOnly(f"{uid}: no such operation in the saved model") from exc
        # 3. the client views: of most groups and of every model only what the files made
        # from the whole context read; the edited groups' views made again, reporting what
        # they did; the README's sections of the other groups kept
        ctx = _load(self.reader, ClientContext, "views")
        self.heads: list[GroupView] = _load(self.reader, list, "group heads")
        ctx.groups = list(self.heads)
        ctx.models = list(_load(self.reader, list, "model heads"))
        names = _load(self.reader, ModelNames, "names")
        sections, probe = _load(self.reader, tuple, "readme")
        if len(ctx.groups) != len(group_names) or len(sections) != len(group_names):
            raise _NotProseOnly("the saved views are damaged")
        self.sections: list[str | None] = list(sections)
        self.probe: tuple[int, int] = probe
        schemas = _LazySchemas(self.reader, frozenset(names.modules))
        edited_at = {group_names.index(name): name for name in self.edited_groups}
        for index in sorted({*edited_at, probe[0]}):
            full = _load(self.reader, GroupView, "group view", str(index))
            if index in edited_at:
                name = edited_at[index]
                full, reported = rebuild_group_view(full, self.groups[name], schemas, names)
                if reported != ctx.group_diags.get(name, []):
                    raise _NotProseOnly(f"{name}: its view reports something else now")
                self.fresh_views[index] = _dumps(full)
                self.sections[index] = None
            ctx.groups[index] = full
        self.ctx = ctx
        # 4. the OpenAPI texts: the edited path items again, of the same shape
        # the texts of the last whole build, with the path items patched since
        texts = _load_texts(self.cache, self.out_key, self.meta.get("texts"))
        self.overrides: dict[str, tuple[str, str]] = {}
        if _entry("text overrides") in self.reader.index:  # (a whole build saves none)
            self.overrides = _load(self.reader, dict, "text overrides")
        for path, pieces in self.overrides.items():
            if path not in texts.paths:
                raise _NotProseOnly("the saved texts are damaged")
            texts.set_pieces(path, pieces)
        items = emit_paths(
            [op for op in by_id.values() if path_shape(op.path) in shapes], schemas, version
        )
        if len(items) != len(shapes):
            raise _NotProseOnly("the edited paths make other path items now")
        for path, item in sorted(items.items()):
            if path not in texts.paths or path_item_shape(path, item) != path_item_shape(
                path, texts.old_path_item(path)
            ):
                raise _NotProseOnly(f"{path}: its OpenAPI shape changed")
            self.overrides[path] = texts.replace_path_item(path, item)
        self.texts = texts

    def write(
        self,
        staged: StagedOutput,
        known: Mapping[str, tuple[int, int, str]],
        compiled: TemplateStore | None = None,
    ) -> bool:
        """Put the patched output into `staged`; False (stage to be thrown away) when
        rendering reported anything, which the whole build must then report itself."""
        from generator.render.client import render_client_again
        from generator.render.context import GroupView, ModelView

        yaml_text, json_text = self.texts.texts()
        staged.put("openapi.yaml", yaml_text.encode())
        staged.put("openapi.json", json_text.encode())
        del yaml_text, json_text

        def keep(rel: str) -> bool:
            state = known.get(rel)
            return state is not None and staged.reuse(rel, state[2])

        found = Diagnostics()

        def full_group(index: int) -> GroupView:
            return _load(self.reader, GroupView, "group view", str(index))

        def full_model(index: int) -> ModelView:
            return _load(self.reader, ModelView, "model view", str(index))

        try:
            self.made_sections = render_client_again(
                self.ctx, found, staged.put, set(self.fresh_views), keep, self.sections,
                self.probe, (full_group, full_model), compiled,
            )  # fmt: skip
        except _NotProseOnly:
            return False

        return not found.items

    def save(self, config: str, fingerprint: str, pages: list[tuple[str, str]]) -> None:
        """The state of the patched build (the last one's, with what changed replaced), and
        the edited pages' results in the page cache."""
        replaced: dict[str, bytes] = {
            _entry("text overrides"): _dumps(self.overrides),
            _entry("meta"): _dumps({**self.meta, "config": config, "fingerprint": fingerprint,
                                    "pages": pages}),
        }  # fmt: skip
        for name in self.edited_groups:
            replaced[_entry("group", name)] = _dumps(self.groups[name])
        for index, blob in self.fresh_views.items():
            replaced[_entry("group view", str(index))] = blob
        heads_changed = False
        for index in self.fresh_views:
            head = _group_head(self.ctx.groups[index])
            heads_changed = heads_changed or head != self.heads[index]
            self.heads[index] = head
        if heads_changed:
            replaced[_entry("group heads")] = _dumps(self.heads)
        replaced[_entry("readme")] = _dumps((self.made_sections, self.probe))
        # Appended (a later entry wins) while the pack holds less than twice what it needs;
        # else written again without the entries replaced since.
        live = sum(end - start for start, end, _ in self.reader.index.values())
        if self.reader.size + sum(map(len, replaced.values())) < 2 * live:
            self.cache.append_to_pack(_PACK + self.out_key, replaced)
        else:
            writer = self.cache.pack_writer(_PACK + self.out_key)
            if writer is not None:
                for key in list(self.reader.index):  # a damaged entry leaves the index
                    kept = self.reader.get(key)
                    if key not in replaced and kept is not None:
                        writer.add(key, kept)
                for key, new in replaced.items():
                    writer.add(key, new)
                writer.commit()
        self.cache.append_to_pack("pages:" + self.out_key, self.new_page_blobs)


def _edited_pages(
    meta: dict[str, object], config: str, record_fingerprint: str, inputs: list[PageInput]
) -> list[tuple[PageInput, str]]:
    """The pages edited since the build the state belongs to (with their old keys), when the
    shortcut may apply: the same generator and options, the same pages by name and in order,
    and OUT's record still that build's."""
    if meta.get("config") != config or meta.get("fingerprint") != record_fingerprint:
        raise _NotProseOnly("the saved state is not of the build that made OUT")
    pages = meta.get("pages")
    if not isinstance(pages, list) or len(pages) != len(inputs):
        raise _NotProseOnly("pages were added or removed")
    edited = []
    for page, old in zip(inputs, pages, strict=True):
        if not isinstance(old, tuple) or old[0] != page.display:
            raise _NotProseOnly("pages were added, removed or renamed")
        if not page.clean:
            raise _NotProseOnly(f"{page.display} was not read cleanly")
        if old[1] != page.key:
            if page.data is None:  # (an edited page is always read: its key is new)
                raise _NotProseOnly(f"{page.display} was not read")
            edited.append((page, str(old[1])))
    if not 0 < len(edited) <= MAX_EDITED_PAGES:
        raise _NotProseOnly(f"{len(edited)} pages edited")
    return edited


def _page_result(blob: bytes | None) -> tuple[BuiltPage, list[Diagnostic]] | None:
    value = load_pickled(blob) if blob is not None else None
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], BuiltPage):
        return value[0], value[1]
    return None
