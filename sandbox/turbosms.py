"""TurboSMS's HTTP API as a local server: `POST /message/send.json` with a Bearer token.

Like TurboSMS it answers HTTP 200 even for errors, with a `response_code`: 800 when the message
is accepted, otherwise an error code and its `response_status`. A repeated `sequence_id` is
accepted and not sent again. `refuse_next()` makes the next sends answer an error code.
"""
from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sandbox.loopback import LoopbackServer, QuietHandler

#: the errors the stand-in plays (code -> TurboSMS's response_status)
ERRORS = {
    103: "REQUIRED_TOKEN",
    105: "REQUIRED_ACTIVE_TOKEN",  # a token TurboSMS does not know or has switched off
    204: "INVALID_SENDER",
    206: "INVALID_RECIPIENT",  # not a number TurboSMS can send to
    301: "NOT_ENOUGH_MONEY",
}


@dataclass
class Sms:
    phone: str
    sender: str
    text: str
    sequence_id: str
    message_id: str


@dataclass
class TurboSms(LoopbackServer):
    name = "turbosms"
    token: str = "turbosms-test-token"
    senders: frozenset[str] = frozenset({"chatpay"})
    sent: list[Sms] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _refuse: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def refuse_next(self, code: int, times: int = 1) -> None:
        with self._lock:
            self._refuse.extend([code] * times)

    def answer(self, headers: dict[str, str], body: dict[str, object]) -> dict[str, object]:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return _error(103)
        if auth.removeprefix("Bearer ") != self.token:
            return _error(105)
        sms = body.get("sms") if isinstance(body.get("sms"), dict) else {}
        assert isinstance(sms, dict)
        if sms.get("sender") not in self.senders:
            return _error(204)
        with self._lock:
            if self._refuse:
                return _error(self._refuse.pop(0))
            recipients = [str(r) for r in body.get("recipients") or []]  # type: ignore[attr-defined]
            if not recipients or not all(r.isdigit() and 10 <= len(r) <= 15 for r in recipients):
                return _error(206)
            sequence = str(body.get("sequence_id") or "")
            known = [s for s in self.sent if sequence and s.sequence_id == sequence]
            results = []
            for phone in recipients:
                if not known:
                    self.sent.append(Sms(phone, str(sms["sender"]), str(sms.get("text", "")),
                                         sequence, str(uuid.uuid4())))
                results.append({"phone": phone, "response_code": 0,
                                "message_id": (known or self.sent)[-1].message_id,
                                "response_status": "OK"})
        return {"response_code": 800, "response_status": "SUCCESS_MESSAGE_ACCEPTED",
                "response_result": results}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path.split("?", 1)[0] != "/message/send.json":
                    answer: dict[str, object] = {"response_code": 404,
                                                 "response_status": "NOT_FOUND"}
                else:
                    try:
                        body = json.loads(raw or b"{}")
                    except ValueError:
                        body = {}
                    answer = stand_in.answer({k.lower(): v for k, v in self.headers.items()},
                                             body if isinstance(body, dict) else {})
                data = json.dumps(answer).encode()
                self.send_response(200)  # TurboSMS: 200, whatever the outcome
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _error(code: int) -> dict[str, object]:
    return {"response_code": code, "response_status": ERRORS.get(code, "ERROR"),
            "response_result": None}
