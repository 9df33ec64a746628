"""How the API refuses: limits on what a request may be, and every refusal as `{"loc", "msg", "type"}`.

A refusal is never a 500: pydantic's errors and the core's diagnostics both become 422 with the
place of each problem in the request (`loc`, e.g. `["body", "inputs", "eligible_cost"]`), a body
over its limit is 413, an unknown rule set, version or record 404.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from governance.diagnostics import MedunionError
from medunion.service import responses as r

DECIDE_BODY_LIMIT = 1024 * 1024
"""1 MiB for a JSON request: a case is a few hundred bytes; anything near this is not a case."""
BULK_BODY_LIMIT = 64 * 1024 * 1024
"""64 MiB for an upload (about a million rows of a claims CSV); a larger file goes through `medunion decide-bulk`,
which streams it in bounded memory."""
MAX_JSON_DEPTH = 32
"""A request is {"on", "inputs": {name: value}}: 2 levels; 32 leaves room and no more."""
MAX_MESSAGE = 300
"""Characters of one refusal's message: a long value quoted in it is cut, not echoed whole."""

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": r.Message, "description": "No such rule set, version or record"}}
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"model": r.Refused, "description": "The request is refused: each problem with its place"}}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": r.Message, "description": "The request body is over its limit"}}


def short(message: str) -> str:
    message = " ".join(str(message).split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def problem(loc: list[str | int], msg: str, kind: str = "medunion") -> dict[str, Any]:
    """One problem of a request, as every 422 of the API lists them."""
    return {"loc": loc, "msg": short(msg), "type": kind}


class Refusal(Exception):
    """A request refused with positioned problems (answered 422)."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems)
        self.problems = problems


_NAMED_FIELD = re.compile(r"field '([^']+)'")


def refused_by_core(exc: MedunionError, inputs: list[str], where: list[str | int] | None = None) -> Refusal:
    """The core's diagnostics as problems: one that names an input is placed at that input, any
    other at `where` (default the body; the core states them without a file position for a request)."""
    problems = []
    for diagnostic in exc.diagnostics:
        if diagnostic.severity != "error":
            continue
        named = _NAMED_FIELD.search(diagnostic.message)
        loc: list[str | int] = (["body", "inputs", named.group(1)] if named and named.group(1) in inputs
                                else list(where or ["body"]))
        problems.append(problem(loc, diagnostic.message.removeprefix("the case: ")))
    return Refusal(problems or [problem(list(where or ["body"]), str(exc))])


async def validation_problems(_request: Request, exc: Exception) -> JSONResponse:
    """pydantic's errors without the input echoed back (a value may be a megabyte of text)."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for item in exc.errors():
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(problem(list(item.get("loc", ("body",))), message, str(item.get("type", "value_error"))))
    return JSONResponse({"detail": problems}, status_code=422)


async def unparsable_body(request: Request, exc: Exception) -> Any:
    """A body that cannot be parsed at all (a broken multipart form) is refused like any other bad
    request, 422 at the body, rather than with the framework's 400; other HTTP errors pass as they are."""
    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException

    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        return JSONResponse({"detail": [problem(["body"], f"the body cannot be parsed: {exc.detail}")]},
                            status_code=422)
    return await http_exception_handler(request, exc)


async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
    """A fault of medunion, not of the request: one line, as the command line says it (the traceback
    goes to the server's log)."""
    message = " ".join(str(exc).split())[:MAX_MESSAGE]
    return JSONResponse({"detail": f"internal error: {type(exc).__name__}: {message} (this is a bug in medunion)"},
                        status_code=500)


async def refusal(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return JSONResponse({"detail": exc.problems}, status_code=422)


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes, stop_after: int = MAX_JSON_DEPTH) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped), counted up to one
    past `stop_after`: enough to refuse it before the parser recurses into it."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > stop_after:
                break
        else:
            depth -= 1
    return deepest


def _body_problem(body: bytes, max_depth: int) -> str | None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the body is not UTF-8 text (byte {exc.start}); send JSON encoded as UTF-8"
    if json_depth(body, max_depth) > max_depth:
        return f"the JSON nests deeper than {max_depth} levels; a request needs two"
    return None


class JsonBodyCheck:
    """Refuse (422) a JSON body that is not UTF-8, or nested deeper than MAX_JSON_DEPTH, before anything
    parses it: the parser recurses once per level, and a 1 MiB body can nest half a million levels
    (FastAPI would answer both with an undocumented 400)."""

    def __init__(self, app: ASGIApp, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
        if scope["type"] != "http" or b"json" not in content_type.lower():
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        first: Message | None = None
        while True:  # the body limit (413) is enforced outside this middleware, on these same reads
            message = await receive()
            if message["type"] != "http.request":
                first = message  # a disconnect: handed on as it came
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refused = _body_problem(body, self.max_depth)
        if refused is not None:
            await JSONResponse({"detail": [problem(["body"], refused)]}, status_code=422)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first if first is not None and not chunks else {"type": "http.request", "body": body,
                                                                       "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
