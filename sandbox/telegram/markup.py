"""What a bot sends, checked and parsed as Telegram does: text with HTML or Markdown entities,
reply markup, uploaded images and boolean flags."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
from typing import Any

from sandbox.telegram.errors import ApiError, _bad

MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA = 4096, 1024, 64  #: UTF-16 units, UTF-16 units, bytes
_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_OUT = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "span",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "custom_emoji": "span",
    "text_link": "a",
}
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "pay",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
)
_BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"


def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def parse_html(src: str) -> tuple[str, list[dict[str, Any]], str]:
    """Telegram's HTML parse mode: (plain text, entities, safe HTML for the web chat)."""
    out: list[str] = []
    page: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, str, int, dict[str, Any]]] = []
    i, u16 = 0, 0

    def fail(msg: str) -> ApiError:
        return _bad(f"can't parse entities: {msg}")

    def at(i: int) -> int:
        return len(src[:i].encode())

    while i < len(src):
        if src[i] == "<":
            j = src.find(">", i)
            body = src[i + 1 : j] if j >= 0 else src[i + 1 :]
            if body.startswith("/"):
                name = body[1:].strip().lower()
                if not stack:
                    raise fail(f"Unexpected end tag at byte offset {at(i)}")
                tag, kind, start, extra = stack.pop()
                if tag != name:
                    raise fail(
                        f'Unmatched end tag at byte offset {at(i)}, expected "</{tag}>", found "</{name}>"'
                    )
                if u16 > start:
                    entities.append({"type": kind, "offset": start, "length": u16 - start, **extra})
                page.append(f"</{_HTML_OUT[kind]}>")
            else:
                m = re.match(r"([a-zA-Z][\w-]*)(.*)$", body, re.DOTALL)
                name = m[1].lower() if m else ""
                attrs = {
                    k.lower(): htmllib.unescape(a or b)
                    for k, a, b in re.findall(
                        r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", m[2] if m else ""
                    )
                }
                if (
                    j < 0
                    or name not in _TAGS
                    or (name == "span" and attrs.get("class") != "tg-spoiler")
                ):
                    raise fail(f'Unsupported start tag "{name}" at byte offset {at(i)}')
                kind, extra, opening = _TAGS[name], {}, f"<{_HTML_OUT[_TAGS[name]]}>"
                if name == "a":
                    extra = {"url": attrs.get("href", "")}
                    safe = re.match(r"(https?|tg|mailto):", extra["url"])
                    opening = (
                        f'<a href="{htmllib.escape(extra["url"])}" target="_blank">'
                        if safe
                        else "<a>"
                    )
                elif kind == "spoiler":
                    opening = '<span class="spoiler">'
                stack.append((name, kind, u16, extra))
                page.append(opening)
            i = j + 1
            continue
        m = re.match(r"&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot);", src[i : i + 12])
        ch = htmllib.unescape(m[0]) if m else src[i]
        i += len(m[0]) if m else 1
        out.append(ch)
        page.append(htmllib.escape(ch))
        u16 += _u16(ch)
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities, "".join(page)


def _parse_text(src: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]], str]:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(src)
    if mode == "markdownv2":
        src = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", src)
        bare = re.search(r"(?<!\\)[.!\-=+#{}()>|]", re.sub(r"\\\\", "", src))
        if bare:
            raise _bad(
                f"can't parse entities: Character '{bare[0]}' is reserved and must be escaped with the "
                "preceding '\\'"
            )
        src = re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)[*_~`|]", "", src))
    elif mode == "markdown":
        src = re.sub(r"[*_`]", "", src)
    return src, [], htmllib.escape(src)


def _markup(raw: Any) -> dict[str, Any] | None:
    if raw in (None, ""):
        return None
    try:
        m = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise _bad("can't parse reply keyboard markup JSON object") from None
    rows = m.get("inline_keyboard", m.get("keyboard")) if isinstance(m, dict) else None
    if rows is None:
        if isinstance(m, dict) and (
            m.get("remove_keyboard") is True or m.get("force_reply") is True
        ):
            return m
        raise ApiError(400, _BAD_MARKUP)
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ApiError(400, _BAD_MARKUP)
    for row in rows:
        for n, b in enumerate(row):
            if "keyboard" in m and isinstance(b, str):
                row[n] = b = {"text": b}
            if not isinstance(b, dict) or not isinstance(b.get("text"), str):
                raise _bad(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if "keyboard" in m:
                continue
            if not any(k in b for k in _INLINE_ACTIONS):
                raise _bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = b.get("callback_data")
            if "callback_data" in b and not (
                isinstance(data, str) and 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
            ):
                raise _bad("BUTTON_DATA_INVALID")
            if "url" in b and not re.match(r"(https?|tg)://[^\s/]+", str(b["url"])):
                raise _bad("BUTTON_URL_INVALID")
    return m


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            return img.size
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is not a photo to Telegram either
        raise _bad("IMAGE_PROCESS_FAILED") from None


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
