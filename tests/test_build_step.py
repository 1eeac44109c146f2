"""sogen as a build step: check, incremental writes, the manifest, configuration, templates."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"


def run(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = main(list(argv), out=out, err=err)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    shutil.copytree(SPECS, folder)
    return folder


def test_committed_generated_folder_is_current() -> None:
    code, out, err = run("check", str(SPECS), "-o", str(ROOT / "generated"))
    assert code == 0, out + err


def test_check_names_changed_files_and_passes_after_rebuild(specs: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "-q")[0] == 0
    assert run("check", str(specs), "-o", str(out_dir))[0] == 0
    page = specs / "v1ChatAgent_AddChatMessage.md"
    page.write_text(page.read_text().replace("Add a new message", "Add one new message"))
    code, out, _ = run("check", str(specs), "-o", str(out_dir))
    assert code == 1
    changed = {line.rsplit(": ", 1)[0] for line in out.splitlines() if line.endswith(": changed")}
    assert str(out_dir / "openapi.yaml") in changed
    assert str(out_dir / "python" / "superoffice_webapi" / "agents" / "chat.py") in changed
    assert not any("diagnostics.py" in c for c in changed)
    assert run("build", str(specs), "-o", str(out_dir), "-q")[0] == 0
    assert run("check", str(specs), "-o", str(out_dir))[0] == 0


def test_check_writes_nothing(specs: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "never"
    code, out, _ = run("check", str(specs), "-o", str(out_dir))
    assert code == 1
    assert f"{out_dir / 'openapi.yaml'}: added" in out
    assert not out_dir.exists()


def test_rebuild_keeps_mtimes_of_unchanged_files(specs: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "-q")[0] == 0
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    for p in files:
        os.utime(p, (1_000_000, 1_000_000))
    page = specs / "v1ChatAgent_AddChatMessage.md"
    page.write_text(page.read_text().replace("Add a new message", "Add one new message"))
    assert run("build", str(specs), "-o", str(out_dir), "-q")[0] == 0
    touched = {p.relative_to(out_dir).as_posix() for p in files if p.stat().st_mtime != 1_000_000}
    assert "python/superoffice_webapi/agents/chat.py" in touched
    assert "python/superoffice_webapi/agents/diagnostics.py" not in touched
    assert "python/superoffice_webapi/_http.py" not in touched


def test_stale_generated_files_are_removed_and_user_files_kept(specs: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "-q")[0] == 0
    mine = out_dir / "python" / "NOTES.txt"
    mine.write_text("mine")
    (specs / "v1DiagnosticsAgent_SendSystemMessage.md").unlink()
    code, _, err = run("build", str(specs), "-o", str(out_dir))
    assert code == 0
    assert "removed" in err
    assert not (out_dir / "python" / "superoffice_webapi" / "agents" / "diagnostics.py").exists()
    assert not (out_dir / "python" / "tests" / "test_diagnostics.py").exists()
    assert (out_dir / "python" / "superoffice_webapi" / "agents" / "chat.py").exists()
    assert mine.read_text() == "mine"


def test_failed_build_writes_nothing(specs: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "-q")[0] == 0
    before = {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}
    (specs / "broken.md").write_text("---\ntitle: x\n---\n\n# nothing here\n")
    code, _, err = run("build", str(specs), "-o", str(out_dir))
    assert code == 1
    assert "broken.md:1:1: error:" in err
    assert {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()} == before


def test_template_overrides_replace_builtin_templates_one_by_one(
    specs: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "tpl"
    (mine / "tests").mkdir(parents=True)
    (mine / "README.md.jinja").write_text("# {{ package }} by us: {{ operation_count }} ops\n")
    builtin = (ROOT / "templates" / "python" / "tests" / "test_group.py.jinja").read_text()
    (mine / "tests" / "test_group.py.jinja").write_text(
        builtin.replace('"""One test per operation', '"""CUSTOM: one test per operation')
    )
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "--templates", str(mine), "-q")[0] == 0
    assert (out_dir / "python" / "README.md").read_text() == "# superoffice_webapi by us: 2 ops\n"
    assert (out_dir / "python" / "tests" / "test_chat.py").read_text().startswith('"""CUSTOM:')
    # everything not overridden is still the built-in template's output
    assert "class ChatAgent" in (out_dir / "python/superoffice_webapi/agents/chat.py").read_text()


def test_files_of_user_templates_are_formatted_by_black_exactly(
    specs: Path, tmp_path: Path
) -> None:
    """The layout pass knows only the built-in templates' style; a user's template may write
    anything, and black's output is what the README promises."""
    import black

    mine = tmp_path / "tpl"
    (mine / "runtime").mkdir(parents=True)
    odd = "x=1\ny = {'a':1,\n'b':[1,2]}\ndef f( a ):\n  return a\n"
    (mine / "package" / "agents").mkdir(parents=True)
    builtin = (ROOT / "templates" / "python" / "package" / "agents" / "group.py.jinja").read_text()
    (mine / "package" / "agents" / "group.py.jinja").write_text(builtin + "\n" + odd)
    runtime = (ROOT / "templates" / "python" / "runtime" / "_auth.py").read_text()
    (mine / "runtime" / "_auth.py").write_text(runtime + "\n" + odd)
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "--templates", str(mine), "-q")[0] == 0
    mode = black.Mode(target_versions={black.mode.TargetVersion.PY311}, line_length=88)
    package = out_dir / "python" / "superoffice_webapi"
    for made in (package / "agents" / "chat.py", package / "_auth.py"):
        text = made.read_text()
        assert "x = 1\n" in text and "def f(a):\n    return a\n" in text
        assert black.format_str(text, mode=mode) == text


def test_config_file_sets_defaults_and_flags_win(specs: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "sogen.toml").write_text(
        f'inputs = ["{specs.as_posix()}"]\nout = "client-out"\npackage = "so_client"\n'
        'version = "2.5.0"\nopenapi = "3.1"\n'
    )
    assert run("build", "-q", cwd=project)[0] == 0
    out_dir = project / "client-out"
    assert (out_dir / "openapi.yaml").read_text().startswith("openapi: 3.1.0")
    pyproject = (out_dir / "python" / "pyproject.toml").read_text()
    assert 'name = "so-client"' in pyproject and 'version = "2.5.0"' in pyproject
    assert (out_dir / "python" / "so_client" / "agents" / "chat.py").exists()
    assert run("build", "-q", "--openapi", "3.0", "-o", "flag-out", cwd=project)[0] == 0
    assert (project / "flag-out" / "openapi.yaml").read_text().startswith("openapi: 3.0.3")


def test_config_gives_the_spec_its_contact_and_license(specs: Path, tmp_path: Path) -> None:
    (tmp_path / "sogen.toml").write_text(
        f'inputs = ["{specs.as_posix()}"]\nout = "o"\nopenapi = "3.1"\n'
        '[contact]\nname = "Team"\nemail = "team@example.com"\n'
        '[license]\nname = "Apache 2.0"\nidentifier = "Apache-2.0"\n'
    )
    assert run("build", "-q", cwd=tmp_path)[0] == 0
    info = yaml.safe_load((tmp_path / "o" / "openapi.yaml").read_text())["info"]
    assert info["contact"] == {"name": "Team", "email": "team@example.com"}
    assert info["license"] == {"name": "Apache 2.0", "identifier": "Apache-2.0"}
    # 3.0 has no license identifier; the rest stays
    assert run("build", "-q", "--openapi", "3.0", "-o", "o30", cwd=tmp_path)[0] == 0
    info = yaml.safe_load((tmp_path / "o30" / "openapi.yaml").read_text())["info"]
    assert info["license"] == {"name": "Apache 2.0"}
    # changed configuration, changed spec (the build cache keys on it)
    (tmp_path / "sogen.toml").write_text(
        f'inputs = ["{specs.as_posix()}"]\nout = "o"\nopenapi = "3.1"\n'
    )
    assert run("build", "-q", cwd=tmp_path)[0] == 0
    info = yaml.safe_load((tmp_path / "o" / "openapi.yaml").read_text())["info"]
    assert "contact" not in info and "license" not in info


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[contact]\nname = "x"\nphone = "1"\n', "unknown field 'phone'"),
        ('[contact]\nurl = "ftp://x"\n', "url must be an http(s) URL"),
        ('[license]\nurl = "https://x"\n', "a license needs its name"),
        ("contact = 3\n", "must be a table"),
    ],
)
def test_bad_contact_or_license_is_a_located_usage_error(
    tmp_path: Path, table: str, message: str
) -> None:
    (tmp_path / "sogen.toml").write_text('out = "x"\n' + table)
    code, _, err = run("lint", cwd=tmp_path)
    assert code == 2
    assert "sogen.toml:2:" in err and message in err and "[SOG903]" in err


def test_bad_config_is_a_located_usage_error(tmp_path: Path) -> None:
    (tmp_path / "sogen.toml").write_text('out = "x"\nopenapi = "4.0"\nbogus = 1\n')
    code, _, err = run("lint", cwd=tmp_path)
    assert code == 2
    assert "sogen.toml:2:1: error: configuration key 'openapi'" in err
    assert "sogen.toml:3:1: error: unknown configuration key 'bogus'" in err


def test_summary_is_one_line_when_not_a_terminal(specs: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(specs), "-o", str(tmp_path / "o"),
         "--timings"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("sogen: 2 pages, 2 operations, 3 schemas, ")
    assert "files written, 0 errors, 0 warnings" in lines[0]
    assert "parse " in lines[1] and "render " in lines[1]
    assert "\r" not in result.stderr


def test_cache_in_a_folder_others_can_write_is_not_used(specs: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "--cache-dir", str(shared), "-q")[0] == 0
    assert list(shared.iterdir()) == []
    private = tmp_path / "private-cache"
    assert run("build", str(specs), "-o", str(out_dir), "--cache-dir", str(private), "-q")[0] == 0
    assert (private.stat().st_mode & 0o777) == 0o700
    assert any(private.iterdir())


def test_second_build_with_nothing_changed_is_up_to_date(specs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    out_dir = tmp_path / "out"
    args = ("build", str(specs), "-o", str(out_dir), "--cache-dir", str(cache))
    assert run(*args)[0] == 0
    code, _, err = run(*args)
    assert code == 0
    assert "up to date" in err
    (out_dir / "openapi.json").write_text("tampered")  # OUT changed behind our back
    code, _, err = run(*args)
    assert code == 0 and "up to date" not in err
    assert (out_dir / "openapi.json").read_text().startswith("{")


def test_internal_error_is_reported_without_traceback(
    specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import pipeline

    def broken(options: pipeline.Options) -> pipeline.Outcome:
        raise RuntimeError("boom")

    monkeypatch.delenv("SOGEN_DEBUG", raising=False)
    monkeypatch.setattr(pipeline, "build", broken)
    code, _, err = run("build", str(specs), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "internal error: RuntimeError: boom" in err and "[SOG999]" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "flag", [["--package", "../evil"], ["--package", "Bad-Name"], ["--package-version", '1"']]
)
def test_package_name_and_version_are_checked(flag: list[str], tmp_path: Path) -> None:
    code, _, err = run("build", str(SPECS), "-o", str(tmp_path / "o"), *flag)
    assert code == 2
    assert "[SOG903]" in err
    assert not (tmp_path / "o").exists()


def test_files_edited_or_deleted_in_out_are_made_again(specs: Path, tmp_path: Path) -> None:
    """A rebuild keeps a per-group or per-model file whose view is unchanged only while OUT
    still holds what the last build wrote; an edited or deleted one is rendered again."""
    cache = tmp_path / "cache"
    out_dir = tmp_path / "out"
    args = ("build", str(specs), "-o", str(out_dir), "--cache-dir", str(cache), "-q")
    assert run(*args)[0] == 0
    pkg = out_dir / "python" / "superoffice_webapi"
    chat, kept = pkg / "agents" / "chat.py", pkg / "agents" / "diagnostics.py"
    model = sorted((pkg / "models").glob("[!_]*.py"))[0]
    originals = {p: p.read_bytes() for p in (chat, model)}
    kept_mtime = kept.stat().st_mtime_ns
    chat.write_text("# edited by hand\n")
    model.unlink()
    assert run(*args)[0] == 0
    assert {p: p.read_bytes() for p in (chat, model)} == originals
    assert kept.stat().st_mtime_ns == kept_mtime  # unchanged view, untouched file: kept as is


def test_module_that_does_not_compile_is_sog503_at_the_page_and_out_is_untouched(
    specs: Path, tmp_path: Path
) -> None:
    # a repeated argument parses (the formatter accepts it) but does not compile
    mine = tmp_path / "tpl"
    (mine / "package" / "agents").mkdir(parents=True)
    builtin = (ROOT / "templates" / "python" / "package" / "agents" / "group.py.jinja").read_text()
    call = "{{ m.signature(op, is_async) }}"
    assert call in builtin
    twice = "self, twice: int = 0, twice: int = 1,"
    twice = call.replace(" }}", f' | replace("self,", "{twice}") }}}}')
    (mine / "package" / "agents" / "group.py.jinja").write_text(builtin.replace(call, twice))
    out_dir = tmp_path / "out"
    assert run("build", str(specs), "-o", str(out_dir), "-q")[0] == 0
    before = {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}
    code, _, err = run("build", str(specs), "-o", str(out_dir), "--templates", str(mine))
    assert code == 1, err
    line = next(line for line in err.splitlines() if "[SOG503]" in line)
    # located at the page of the operation whose method holds the line, naming the module
    page, _, rest = line.partition(":")
    assert Path(page).name == "v1ChatAgent_AddChatMessage.md", line
    assert "agents/chat.py:" in rest and "duplicate argument 'twice'" in rest, line
    assert {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()} == before
