"""The generated client against a hostile server (issue 14, items 15-19), sync and async.

A server may ask for an endless wait (`Retry-After: 999999`), dribble its body a byte at a
time, announce 5 GiB, nest JSON 100,000 deep or drop the connection after it has the request.
A call stays bounded in time and memory, fails with the client's own typed errors, and is
repeated only when repeating it is safe.

Each case runs in a fresh interpreter against a package generated from specs/ plus two pages
made here (an agent method that only reads, `GetProbe`, and a binary download,
`GetProbeStream`), so the generated `superoffice_webapi` never mixes with another in this
process. Servers are real sockets in the child, or httpx.MockTransport where the bytes on the
wire do not matter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hostile_kit import REPO, endpoint_page, run_cli, write_pages

PY = sys.executable
MODES = ["sync", "async"]

# Shared by every child script: a raw HTTP/1.1 server and a bounded way to make one call.
PRELUDE = '''
import asyncio, json, socket, socketserver, threading, time
import httpx
import superoffice_webapi as so


def read_request(conn):
    data = b""
    while b"\\r\\n\\r\\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\\r\\n\\r\\n")
    length = 0
    for line in head.split(b"\\r\\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\\r\\n\\r\\n" + body


class Server:
    """Answers each request (one per connection) with respond(conn, request_bytes)."""

    def __init__(self, respond):
        self.requests = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                outer.requests.append(read_request(self.request))
                try:
                    respond(self.request, outer.requests[-1])
                except OSError:
                    pass  # the client gave up: what this test wants

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/Cust1"


def head(status, headers=()):
    lines = [f"HTTP/1.1 {status}", "Connection: close", *headers]
    return ("\\r\\n".join(lines) + "\\r\\n\\r\\n").encode()


def resolve(client, op):
    target = client
    for part in op.split("."):
        target = getattr(target, part)
    return target


def outcome(base_url, op, limit, client_kwargs=None, **call_kwargs):
    """(result, exception, seconds) of one call in MODE; fails if it runs past `limit` s."""
    client_kwargs = client_kwargs or {}
    if MODE == "sync":
        box = {}

        def run():
            start = time.monotonic()
            try:
                client = so.SuperOfficeClient(base_url, **client_kwargs)
                box["result"] = resolve(client, op)(**call_kwargs)
            except BaseException as exc:
                box["error"] = exc
            box["seconds"] = time.monotonic() - start

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(limit)
        assert not thread.is_alive(), f"{op} still running after {limit} s"
        return box.get("result"), box.get("error"), box["seconds"]

    async def main():
        async with so.AsyncSuperOfficeClient(base_url, **client_kwargs) as client:
            start = time.monotonic()
            task = asyncio.ensure_future(resolve(client, op)(**call_kwargs))
            done, _ = await asyncio.wait({task}, timeout=limit)
            assert done, f"{op} still running after {limit} s"
            seconds = time.monotonic() - start
            if task.exception() is not None:
                return None, task.exception(), seconds
            return task.result(), None, seconds

    return asyncio.run(main())
'''


def _pages(folder: Path) -> Path:
    pages = {
        "v1ProbeAgent_GetProbe.md": endpoint_page(
            uid="v1ProbeAgent_GetProbe",
            method="POST",
            path="/api/v1/Agents/Probe/GetProbe",
            body_rows=[("ProbeKey", "Integer", "The probe.")],
            response_label="ProbeEntity",
            response_rows=[("ProbeId", "Integer", "The id.")],
        ),
        "v1ProbeAgent_GetProbeStream.md": endpoint_page(
            uid="v1ProbeAgent_GetProbeStream",
            method="POST",
            path="/api/v1/Agents/Probe/GetProbeStream",
            body_rows=[("BlobId", "Integer", "The blob.")],
            response_label="stream",
        )
        + "\n\n### Response body: stream\n",
    }
    write_pages(folder, pages)
    for page in (REPO / "specs").glob("*.md"):
        shutil.copyfile(page, folder / page.name)
    return folder


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("server")
    result = run_cli("build", _pages(root / "pages"), "-o", root / "out")
    assert result.code == 0, result.err
    probe = (root / "out" / "python" / "superoffice_webapi" / "agents" / "probe.py").read_text()
    assert "return response.content" in probe  # GetProbeStream is a binary download
    return root / "out" / "python"


def _run(package: Path, mode: str, code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(package))
    script = f"MODE = {mode!r}\n" + PRELUDE + textwrap.dedent(code)
    proc = subprocess.run(
        [PY, "-c", script], capture_output=True, text=True, env=env, cwd=package, timeout=120
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


# ------------------------------------------------------------------ 15: Retry-After and deadline


@pytest.mark.parametrize("mode", MODES)
def test_an_endless_retry_after_fails_at_once_with_the_status_error(
    package: Path, mode: str
) -> None:
    _run(
        package,
        mode,
        """
        from datetime import datetime, timedelta, timezone
        from email.utils import format_datetime

        next_year = format_datetime(datetime.now(timezone.utc) + timedelta(days=365), usegmt=True)
        for status, value in ((429, "999999"), (429, next_year), (503, "999999"),
                              (429, "inf")):
            sent = []

            def answer(request, status=status, value=value):
                sent.append(request)
                return httpx.Response(status, headers={"Retry-After": value})

            _, error, seconds = outcome(
                "https://t.example.test/Cust1", "chat.add_chat_message", 10,
                {"transport": httpx.MockTransport(answer)}, chat_session_id=1,
            )
            assert isinstance(error, so.APIStatusError), repr(error)
            assert error.status_code == status, error
            assert "Retry-After" in str(error), str(error)
            assert error.retry_after is not None and error.retry_after > 60, error.retry_after
            assert seconds < 2, (value, seconds)
            assert len(sent) == 1, (value, len(sent))
        """,
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_wait_longer_than_the_deadline_left_is_not_waited_for(package: Path, mode: str) -> None:
    _run(
        package,
        mode,
        """
        def server(value):
            sent = []

            def answer(request):
                sent.append(request)
                if len(sent) == 1:
                    return httpx.Response(429, headers={"Retry-After": value})
                return httpx.Response(200, json={"ProbeId": 7})

            return sent, httpx.MockTransport(answer)

        # 5 s asked, 1 s left: given up at once (client option and per call)
        sent, transport = server("5")
        _, error, seconds = outcome("https://t.example.test/Cust1", "probe.get_probe", 10,
                                    {"transport": transport, "deadline": 1.0}, probe_key=7)
        assert isinstance(error, so.RateLimitError) and seconds < 1, (error, seconds)
        assert "deadline" in str(error) and len(sent) == 1, (str(error), len(sent))
        sent, transport = server("5")
        _, error, seconds = outcome("https://t.example.test/Cust1", "probe.get_probe", 10,
                                    {"transport": transport}, probe_key=7, deadline=1.0)
        assert isinstance(error, so.RateLimitError) and seconds < 1, (error, seconds)
        # a short wait that fits is waited for, and the call goes on
        sent, transport = server("0.2")
        result, error, seconds = outcome("https://t.example.test/Cust1", "probe.get_probe", 10,
                                         {"transport": transport, "deadline": 5.0}, probe_key=7)
        assert error is None and result.probe_id == 7 and 0.2 <= seconds < 2, (error, seconds)
        assert len(sent) == 2
        """,
    )


# ------------------------------------------------------------------ 16: timeout for the whole call


@pytest.mark.parametrize("mode", MODES)
def test_a_body_dribbled_byte_by_byte_ends_at_the_timeout(package: Path, mode: str) -> None:
    _run(
        package,
        mode,
        """
        body = json.dumps({"ChatMessageId": 1, "Text": "x" * 20}).encode()

        def dribble(conn, request):
            conn.sendall(head("200 OK", ["Content-Type: application/json",
                                         f"Content-Length: {len(body)}"]))
            for byte in body:  # a byte every 0.1 s: no single read ever waits 0.5 s
                conn.sendall(bytes([byte]))
                time.sleep(0.1)

        server = Server(dribble)
        _, error, seconds = outcome(server.url, "chat.add_chat_message", 10,
                                    {"max_retries": 2}, chat_session_id=1, timeout=0.5)
        assert isinstance(error, so.APITimeoutError), repr(error)
        assert seconds < 1.5, seconds
        assert len(server.requests) == 1, len(server.requests)  # a slow answer is not asked again
        # the client's timeout bounds the call the same way
        _, error, seconds = outcome(server.url, "probe.get_probe", 10,
                                    {"timeout": 0.5}, probe_key=1)
        assert isinstance(error, so.APITimeoutError) and seconds < 1.5, (error, seconds)
        """,
    )


# ------------------------------------------------------------------ 17: response size limit


@pytest.mark.parametrize("mode", MODES)
def test_a_huge_content_length_is_refused_before_reading_and_not_retried(
    package: Path, mode: str
) -> None:
    _run(
        package,
        mode,
        """
        def huge(conn, request):
            conn.sendall(head("200 OK", ["Content-Type: application/octet-stream",
                                         f"Content-Length: {5 * 1024**3}"]))
            block = b"\\0" * 65536
            for _ in range(64):  # 4 MiB, then silence: reading on would time out
                conn.sendall(block)
            time.sleep(5)

        server = Server(huge)
        _, error, seconds = outcome(server.url, "probe.get_probe_stream", 20,
                                    {"max_retries": 2, "timeout": 2}, blob_id=1)
        assert isinstance(error, so.ResponseTooLargeError), repr(error)
        assert isinstance(error, so.APIError)
        assert error.limit == 64 * 1024 * 1024 and error.size == 5 * 1024**3, error
        assert seconds < 1, seconds
        assert len(server.requests) == 1, len(server.requests)
        """,
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_body_beyond_the_limit_is_refused_while_streaming(package: Path, mode: str) -> None:
    _run(
        package,
        mode,
        """
        payload = bytes(range(256)) * 4096  # 1 MiB

        def chunked(conn, request):
            conn.sendall(head("200 OK", ["Content-Type: application/octet-stream",
                                         "Transfer-Encoding: chunked"]))
            for start in range(0, len(payload), 65536):
                piece = payload[start:start + 65536]
                conn.sendall(b"%x\\r\\n" % len(piece) + piece + b"\\r\\n")
            conn.sendall(b"0\\r\\n\\r\\n")

        server = Server(chunked)
        _, error, _ = outcome(server.url, "probe.get_probe_stream", 20,
                              {"max_response_bytes": 100_000}, blob_id=1)
        assert isinstance(error, so.ResponseTooLargeError), repr(error)
        assert error.limit == 100_000 and error.size > 100_000, error
        assert len(server.requests) == 1
        # a binary download may raise the limit for one call
        result, error, _ = outcome(server.url, "probe.get_probe_stream", 20,
                                   {"max_response_bytes": 100_000}, blob_id=1,
                                   max_response_bytes=2 * len(payload))
        assert error is None and result == payload, error
        # an error body counts too
        def big_error(conn, request):
            text = json.dumps({"ErrorMessage": "x" * 200_000}).encode()
            conn.sendall(head("500 Internal Server Error", [f"Content-Length: {len(text)}"])
                         + text)

        server = Server(big_error)
        _, error, _ = outcome(server.url, "probe.get_probe", 20,
                              {"max_response_bytes": 100_000}, probe_key=1)
        assert isinstance(error, so.ResponseTooLargeError), repr(error)
        """,
    )


# ------------------------------------------------------------------ 18: JSON nested too deeply


@pytest.mark.parametrize("mode", MODES)
def test_json_nested_100000_deep_is_a_response_validation_error(package: Path, mode: str) -> None:
    _run(
        package,
        mode,
        """
        deep = b"[" * 100_000 + b"]" * 100_000
        for status, op in ((200, "chat.add_chat_message"), (200, "probe.get_probe"),
                           (500, "probe.get_probe")):
            transport = httpx.MockTransport(lambda request, status=status: httpx.Response(
                status, content=deep, headers={"Content-Type": "application/json"}))
            kwargs = {"probe_key": 1} if op.startswith("probe") else {"chat_session_id": 1}
            _, error, _ = outcome("https://t.example.test/Cust1", op, 30,
                                  {"transport": transport}, **kwargs)
            if status == 200:
                assert isinstance(error, so.ResponseValidationError), repr(error)
                assert len(str(error)) < 200 and "deep" in str(error), str(error)
            else:  # the error body is unreadable: the status error still comes, without it
                assert isinstance(error, so.InternalServerError), repr(error)
                assert error.body is None
        """,
    )


# ------------------------------------------------------------------ 19: safe retries


@pytest.mark.parametrize("mode", MODES)
def test_a_post_whose_connection_drops_is_delivered_once(package: Path, mode: str) -> None:
    _run(
        package,
        mode,
        """
        def hang_up(conn, request):
            conn.shutdown(socket.SHUT_RDWR)  # had the request, answers nothing

        def count(op, client_kwargs=None, **kwargs):
            server = Server(hang_up)
            client_kwargs = {"max_retries": 2, **(client_kwargs or {})}
            _, error, _ = outcome(server.url, op, 30, client_kwargs, **kwargs)
            assert isinstance(error, so.APIConnectionError), repr(error)
            return len(server.requests), str(error)

        # agent methods that change things: sent once, and the error says why
        delivered, text = count("chat.add_chat_message", chat_session_id=1)
        assert delivered == 1, delivered
        assert "not retried" in text and "idempotent" in text, text
        assert count("diagnostics.send_system_message")[0] == 1
        # an agent method that only reads is safe to repeat
        assert count("probe.get_probe", probe_key=1)[0] == 3
        # per-call overrides, both ways
        assert count("chat.add_chat_message", chat_session_id=1, idempotent=True)[0] == 3
        assert count("probe.get_probe", probe_key=1, idempotent=False)[0] == 1
        """,
    )


@pytest.mark.parametrize("mode", MODES)
def test_statuses_are_retried_for_a_post_only_when_the_server_did_not_process_it(
    package: Path, mode: str
) -> None:
    _run(
        package,
        mode,
        """
        def replay(*statuses):
            sent = []

            def answer(request):
                sent.append(request)
                status, headers = statuses[min(len(sent), len(statuses)) - 1]
                return httpx.Response(status, headers=headers, json={})

            return sent, httpx.MockTransport(answer)

        cases = [  # (answers, retried?)
            ([(503, {}), (200, {})], False),  # a gateway's 503 may follow processing
            ([(500, {}), (200, {})], False),
            ([(503, {"Retry-After": "0"}), (200, {})], True),  # the server says: not processed
            ([(429, {}), (200, {})], True),
        ]
        for answers, retried in cases:
            sent, transport = replay(*answers)
            _, error, _ = outcome("https://t.example.test/Cust1", "chat.add_chat_message", 20,
                                  {"transport": transport}, chat_session_id=1)
            assert (error is None) == retried, (answers, error)
            assert len(sent) == (2 if retried else 1), (answers, len(sent))
        # a connect error never reached the server: repeated for any method
        attempts = []

        def refuse(request):
            attempts.append(request)
            if len(attempts) == 1:
                raise httpx.ConnectError("refused")
            return httpx.Response(200, json={})

        _, error, _ = outcome("https://t.example.test/Cust1", "chat.add_chat_message", 20,
                              {"transport": httpx.MockTransport(refuse)}, chat_session_id=1)
        assert error is None and len(attempts) == 2, (error, len(attempts))
        """,
    )


def test_configuration_decides_which_methods_are_idempotent(tmp_path: Path) -> None:
    pages = _pages(tmp_path / "pages")
    config = tmp_path / "sogen.toml"
    config.write_text(
        'idempotent = ["ChatAgent.AddChatMessage"]\nnot_idempotent = ["ProbeAgent.GetProbe"]\n',
        encoding="utf-8",
    )
    result = run_cli("build", "--config", config, pages, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    agents = tmp_path / "out" / "python" / "superoffice_webapi" / "agents"
    chat, probe = (agents / "chat.py").read_text(), (agents / "probe.py").read_text()
    assert "idempotent=True if idempotent is None else idempotent" in chat
    assert "idempotent=False if idempotent is None else idempotent" in probe.split("def ")[2]
    # a name that is no operation is a located configuration error
    config.write_text('idempotent = ["ChatAgent.NoSuchMethod"]\n', encoding="utf-8")
    result = run_cli("build", "--config", config, pages, "-o", tmp_path / "out2")
    assert result.code != 0
    assert f"{config}:1:1: error:" in result.err and "NoSuchMethod" in result.err, result.err
    assert "[SOG903]" in result.err


@pytest.mark.parametrize(
    ("kind", "method", "name", "expected"),
    [
        ("agent", "POST", "GetContact", True),
        ("agent", "POST", "IsNickNameUnique", True),
        ("agent", "POST", "CanCreateAppointmentInAllDiaries", True),  # a question only asks
        ("agent", "POST", "ValidateScriptByString", True),
        ("agent", "POST", "GetOrCreateFolder", False),  # reads, and then writes
        ("agent", "POST", "GetAndMarkRead", False),
        ("agent", "POST", "CheckinDocument", False),  # Checkin is no Check
        ("agent", "POST", "VerifyGoogleRecaptcha", False),  # a token is good once
        ("agent", "POST", "Getaway", False),
        ("agent", "POST", "SaveContact", False),
        ("agent", "POST", "AddChatMessage", False),
        ("rest", "POST", "GetContact", False),  # a REST POST creates
        ("rest", "PATCH", "PatchContact", False),
        ("rest", "PUT", "PutContact", True),
        ("rest", "DELETE", "DeleteContact", True),
        ("rest", "GET", "GetContact", True),
    ],
)
def test_which_operations_the_model_calls_idempotent(
    kind: str, method: str, name: str, expected: bool
) -> None:
    from generator.model.operations import idempotent_operation

    assert idempotent_operation(kind, method, name) is expected
