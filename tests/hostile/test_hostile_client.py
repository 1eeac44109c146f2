"""The generated client is safe by default: TLS verified, a timeout, no eval/exec/pickle of
server data, credentials never in repr/str/exceptions/logs, CR/LF refused in header values.

Checked on a package generated from specs/ (always present) in fresh interpreters, so the
generated `superoffice_webapi` never mixes with another in this process.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hostile_kit import REPO, run_cli

PY = sys.executable
PACKAGE = "superoffice_webapi"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("client")
    result = run_cli("build", REPO / "specs", "-o", out)
    assert result.code == 0, result.err
    return out / "python"


def _run(package: Path, code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(package))
    proc = subprocess.run(
        [PY, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=package,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_no_eval_exec_pickle_or_unsafe_loaders_in_generated_code(package: Path) -> None:
    banned_calls = {"eval", "exec", "compile", "__import__", "input"}
    banned_modules = {"pickle", "cPickle", "marshal", "shelve", "dill", "subprocess", "os"}
    for path in sorted((package / PACKAGE).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in banned_calls, (path, node.func.id)
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & banned_modules, path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in banned_modules, path
            if isinstance(node, ast.Attribute) and node.attr in ("load", "loads"):
                base = node.value
                assert not (isinstance(base, ast.Name) and base.id in ("yaml", "pickle")), path


def test_tls_verification_and_timeout_are_on_by_default(package: Path) -> None:
    out = _run(
        package,
        """
        import asyncio, ssl
        from superoffice_webapi import SuperOfficeClient, AsyncSuperOfficeClient

        def check(client):
            transport = client._transport
            pool = transport._client._transport._pool
            ctx = pool._ssl_context
            assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname, ctx
            t = transport.timeout
            assert None not in (t.connect, t.read, t.write, t.pool), t
            assert 0 < t.read <= 120, t
            assert transport._client.follow_redirects is False

        check(SuperOfficeClient("https://tenant.example.test/Cust1"))
        check(AsyncSuperOfficeClient("https://tenant.example.test/Cust1"))
        print("ok")
        """,
    )
    assert out.strip() == "ok"


def test_base_url_with_credentials_is_refused(package: Path) -> None:
    _run(
        package,
        """
        from superoffice_webapi import SuperOfficeClient
        for url in ("https://user:hunter2secret@tenant.example.test/", "file:///etc/passwd",
                    "javascript:alert(1)", "https://tenant.example.test/?token=x"):
            try:
                SuperOfficeClient(url)
            except ValueError as exc:
                assert "hunter2secret" not in str(exc)
            else:
                raise AssertionError(url)
        """,
    )


def test_header_values_with_cr_or_lf_are_refused_without_echoing_them(package: Path) -> None:
    _run(
        package,
        """
        import httpx
        from superoffice_webapi import SuperOfficeClient, BasicAuth, BearerAuth, SoTicketAuth

        bad = "hunter2secret\\r\\nX-Evil: 1"
        attempts = [
            lambda: SuperOfficeClient("https://t.example.test", app_token=bad),
            lambda: SuperOfficeClient("https://t.example.test", xsrf_token=bad),
            lambda: SuperOfficeClient("https://t.example.test", language=bad),
            lambda: SuperOfficeClient("https://t.example.test", headers={"X-A": bad}),
            lambda: SuperOfficeClient("https://t.example.test", headers={bad: "x"}),
            lambda: BasicAuth("user", bad),
            lambda: BasicAuth(bad, "pw"),
            lambda: BearerAuth(bad),
            lambda: SoTicketAuth("hunter2secret\\n"),
        ]
        sent = []
        client = SuperOfficeClient(
            "https://t.example.test", max_retries=0,
            transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200)),
        )
        attempts.append(lambda: client._transport.request("GET", "/x", language=bad))
        attempts.append(lambda: client._transport.request("GET", "/x", headers={"X-A": bad}))
        for attempt in attempts:
            try:
                attempt()
            except ValueError as exc:
                assert "hunter2secret" not in str(exc) and "Evil" not in str(exc), exc
            else:
                raise AssertionError("accepted a header value with CR/LF")
        assert sent == []
        print("ok")
        """,
    )


def test_credentials_never_in_repr_str_exceptions_or_debug_logs(package: Path) -> None:
    out = _run(
        package,
        """
        import http.server, io, json, logging, threading
        import httpx
        from superoffice_webapi import (
            APIStatusError, BasicAuth, BearerAuth, SoTicketAuth, SuperOfficeClient,
        )

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status = 500 if "fail" in self.path else 200
                body = json.dumps({"ErrorMessage": "boom"} if status == 500 else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/Cust1"

        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setLevel(logging.DEBUG)
        logging.basicConfig(level=logging.DEBUG, handlers=[handler], force=True)

        texts = []
        for auth in (BasicAuth("user", "hunter2secret"), BearerAuth("bearer-SECRET"),
                     SoTicketAuth("ticket-SECRET")):
            client = SuperOfficeClient(base, auth=auth, app_token="apptoken-SECRET",
                                       xsrf_token="xsrf-SECRET", max_retries=1)
            client._sleep = lambda seconds: None
            texts += [repr(auth), str(auth), repr(client), str(client), repr(client._transport)]
            client._transport.request("GET", "/api/v1/ok")
            try:
                client._transport.request("GET", "/api/v1/fail")
            except APIStatusError as exc:
                texts += [str(exc), repr(exc), repr(exc.args)]
            else:
                raise AssertionError("no error")
            client.close()
        server.shutdown()
        logged = stream.getvalue()
        assert "GET" in logged, logged  # the transport did log at DEBUG
        texts.append(logged)
        secrets = ("hunter2secret", "apptoken-SECRET", "xsrf-SECRET", "bearer-SECRET",
                   "ticket-SECRET", "dXNlcjpodW50ZXIyc2VjcmV0")  # base64 of user:hunter2secret
        leaks = [(s, t[:200]) for t in texts for s in secrets if s in t]
        assert not leaks, leaks
        print("ok")
        """,
    )
    assert out.strip().endswith("ok")


def test_server_data_is_decoded_as_json_only(package: Path) -> None:
    """A hostile response body is data: no object hooks, no code paths beyond json.loads."""
    _run(
        package,
        """
        import httpx
        from superoffice_webapi import SuperOfficeClient
        from superoffice_webapi._http import parse_response
        from superoffice_webapi._codec import JSON

        body = b'{"__class__": "os.system", "py/object": "os.system", "$type": "System.X"}'
        response = httpx.Response(200, content=body)
        value = parse_response(response, JSON)
        assert value == {"__class__": "os.system", "py/object": "os.system",
                         "$type": "System.X"}
        deep = b"[" * 100000 + b"]" * 100000
        try:
            parse_response(httpx.Response(200, content=deep), JSON)
        except Exception as exc:  # a clean error, not a crash of the interpreter
            assert not isinstance(exc, SystemError)
        print("ok")
        """,
    )
