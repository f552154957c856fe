"""The assets the emulators' web chats share (`{chat}/webchat.js`, `{chat}/webchat.css`)."""
from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

HERE = Path(__file__).parent
ASSETS = {"webchat.js": "text/javascript", "webchat.css": "text/css"}


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(HERE / name, media_type=ASSETS[name])


ROUTE = Route("/chat/{name:str}", asset)  #: after the chat's own /chat/api routes
