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
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from governance.diagnostics import MedunionError
from governance.diagnostics import Message as Text
from governance.i18n import N_
from medunion.service import responses as r
from medunion.service.language import localised_problems, request_language, shown

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
    """One problem of a request, as every 422 of the API lists them. A `Message` is kept whole until
    the answer is written, so it is shown in the language the client asked for."""
    return {"loc": loc, "msg": msg if isinstance(msg, Text) else short(msg), "type": kind}


def _answer(request: Request, problems: list[dict[str, Any]]) -> JSONResponse:
    """A 422 in the request's language (English unless it asks for Chinese)."""
    lang = request_language(request)
    return JSONResponse({"detail": localised_problems(problems, lang, short)}, status_code=422,
                        headers={"Content-Language": "zh-CN" if lang == "zh" else "en"})


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
        message = diagnostic.message.removeprefix("the case: ")
        if diagnostic.template is not None and message == diagnostic.message:  # shown in the client's language
            message = Text(diagnostic.template, **dict(diagnostic.args))
        problems.append(problem(loc, message))
    return Refusal(problems or [problem(list(where or ["body"]), str(exc))])


async def validation_problems(request: Request, exc: Exception) -> JSONResponse:
    """pydantic's errors without the input echoed back (a value may be a megabyte of text); in Chinese,
    the common kinds of error are worded by medunion, any other keeps pydantic's English."""
    assert isinstance(exc, RequestValidationError)
    lang = request_language(request)
    problems = []
    for item in exc.errors():
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        kind = str(item.get("type", "value_error"))
        worded = _PYDANTIC.get(kind) if lang != "en" else None
        found = problem(list(item.get("loc", ("body",))), message, kind)
        if worded:  # medunion's words for pydantic's kind of error, pydantic's own English beside them
            found = {**found, "msg": short(shown(Text(worded, said=message), lang)), "msg_en": found["msg"]}
        problems.append(found)
    return JSONResponse({"detail": problems}, status_code=422,
                        headers={"Content-Language": "zh-CN" if lang == "zh" else "en"})


_PYDANTIC = {
    "missing": N_("{said}: this field is required"),
    "extra_forbidden": N_("{said}: this field is not an input of the rule set; remove it"),
    "bool_type": N_("{said}: give true or false"),
    "bool_parsing": N_("{said}: give true or false"),
    "float_type": N_("{said}: give a number"),
    "float_parsing": N_("{said}: give a number"),
    "int_type": N_("{said}: give a whole number"),
    "int_parsing": N_("{said}: give a whole number"),
    "int_from_float": N_("{said}: give a whole number"),
    "date_from_datetime_parsing": N_("{said}: give a date YYYY-MM-DD"),
    "date_parsing": N_("{said}: give a date YYYY-MM-DD"),
    "date_type": N_("{said}: give a date YYYY-MM-DD"),
    "literal_error": N_("{said}: give one of the values listed"),
    "enum": N_("{said}: give one of the values listed"),
    "string_type": N_("{said}: give text"),
    "greater_than_equal": N_("{said}: the value is below the minimum"),
    "less_than_equal": N_("{said}: the value is above the maximum"),
    "model_type": N_("{said}: give a JSON object"),
    "json_invalid": N_("{said}: the body is not valid JSON"),
}
"""pydantic's kinds of error → medunion's Chinese wording; the template keeps pydantic's English
message (`{said}`) first, so nothing it says is lost in either language."""


async def unparsable_body(request: Request, exc: Exception) -> Any:
    """A body that cannot be parsed at all (a broken multipart form) is refused like any other bad
    request, 422 at the body, rather than with the framework's 400; other HTTP errors pass as they are."""
    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException

    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        return _answer(request, [problem(["body"], Text(N_("the body cannot be parsed: {detail}"), detail=exc.detail))])
    lang = request_language(request)
    if isinstance(exc.detail, str) and lang != "en":
        detail = shown(exc.detail, lang)
        body = {"detail": detail, **({"detail_en": str(exc.detail)} if detail != str(exc.detail) else {})}
        return JSONResponse(body, status_code=exc.status_code, headers={**(exc.headers or {}),
                                                                        "Content-Language": "zh-CN"})
    return await http_exception_handler(request, exc)


async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
    """A fault of medunion, not of the request: one line, as the command line says it (the traceback
    goes to the server's log)."""
    message = " ".join(str(exc).split())[:MAX_MESSAGE]
    return JSONResponse({"detail": f"internal error: {type(exc).__name__}: {message} (this is a bug in medunion)"},
                        status_code=500)


async def refusal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return _answer(request, exc.problems)


TOO_LARGE_TEXT = N_("Content Too Large")
"""What the framework's body limit answers (413, plain text), before any handler of the app runs."""


class LocalisedTooLarge:
    """A 413 from the body limit in the client's language: for a client that asks for Chinese, the
    framework's plain `Content Too Large` becomes `{"detail": "…", "detail_en": "Content Too Large"}`,
    like every other refusal; an English client gets the framework's answer unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or request_language(HTTPConnection(scope)) == "en":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def answer(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                replaced = True
                body = JSONResponse({"detail": shown(TOO_LARGE_TEXT, "zh"), "detail_en": TOO_LARGE_TEXT},
                                    status_code=413, headers={"Content-Language": "zh-CN"})
                await send({"type": "http.response.start", "status": 413, "headers": body.raw_headers})
                await send({"type": "http.response.body", "body": body.body, "more_body": False})
                return
            if replaced:  # the framework's own body of the 413, already answered
                return
            await send(message)

        await self.app(scope, receive, answer)


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


def _body_problem(body: bytes, max_depth: int) -> Text | None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Text(N_("the body is not UTF-8 text (byte {byte}); send JSON encoded as UTF-8"), byte=exc.start)
    if json_depth(body, max_depth) > max_depth:
        return Text(N_("the JSON nests deeper than {depth} levels; a request needs two"), depth=max_depth)
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
            lang = request_language(HTTPConnection(scope))
            await JSONResponse({"detail": localised_problems([problem(["body"], refused)], lang, short)},
                               status_code=422)(scope, receive, send)
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
