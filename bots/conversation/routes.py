"""How a turn finds its step: a feature module declares, in a `Routes` table, which buttons,
commands, menu texts and dialog steps it answers, what they need (guards), and whether its
answer blocks (database, queue: the Telegram adapter then runs it off the event loop)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bots.conversation.guards import Needs, not_understood, refusal
from bots.conversation.turn import Reply, Turn
from bots.deps import ChannelDeps
from domain.actions import Action
from domain.i18n import LANGUAGES, t

Handler = Callable[[ChannelDeps, Turn], Reply]


class Decorator(Protocol):
    def __call__(self, handler: Handler) -> Handler: ...


@dataclass(frozen=True)
class Route:
    handler: Handler
    needs: Needs = Needs.REGISTERED
    blocking: bool = True  #: touches the database, the queue or Redis

    def answer(self, deps: ChannelDeps, turn: Turn) -> Reply:
        refused = refusal(turn, self.needs, lambda user: deps.support.is_agent(user))
        return refused if refused is not None else self.handler(deps, turn)


def _not_understood(deps: ChannelDeps, turn: Turn) -> Reply:
    return not_understood(turn)


#: what answers a turn no feature answers
NOT_UNDERSTOOD = Route(_not_understood, Needs.NOBODY, blocking=False)


def menu_texts(key: str) -> set[str]:
    """A menu button's text in every language (a seller may switch languages)."""
    return {t(lang, key) for lang in LANGUAGES}


class Routes:
    """One feature's entry points."""

    def __init__(self, name: str) -> None:
        self.name = name
        #: a tap's kind and the step it is answered at ("": at any)
        self.actions: dict[tuple[type[Action], str], Route] = {}
        self.texts: dict[str, Route] = {}  #: a command ("/new") or a menu button's text
        self.steps: dict[str, Route] = {}
        self.contact: Route | None = None

    def _add(self, into: dict[str, Route] | dict[tuple[type[Action], str], Route],
             keys: Iterable[object],
             needs: Needs, blocking: bool) -> Decorator:
        def register(handler: Handler) -> Handler:
            for key in keys:
                into[key] = Route(handler, needs, blocking)  # type: ignore[index]
            return handler
        return register

    def action(self, *kinds: type[Action], needs: Needs = Needs.REGISTERED,
               blocking: bool = True, step: str = "", steps: tuple[str, ...] = ()) -> Decorator:
        """Taps of `kinds`; with `step` (or `steps`), only while the dialog is at one."""
        keys = [(kind, at) for kind in kinds for at in (steps or (step,))]
        return self._add(self.actions, keys, needs, blocking)

    def command(self, *words: str, menu: str = "", needs: Needs = Needs.REGISTERED,
                blocking: bool = True) -> Decorator:
        """`/word` commands, and the menu button whose text key is `menu`."""
        keys = {f"/{w}" for w in words} | (menu_texts(menu) if menu else set())
        return self._add(self.texts, keys, needs, blocking)

    def step(self, *names: str, needs: Needs = Needs.REGISTERED,
             blocking: bool = True) -> Decorator:
        return self._add(self.steps, names, needs, blocking)

    def shared_contact(self, needs: Needs = Needs.NOBODY, blocking: bool = True) -> Decorator:
        def register(handler: Handler) -> Handler:
            self.contact = Route(handler, needs, blocking)
            return handler
        return register


class Conversation:
    """Every moved feature's routes, and the one way a turn is answered."""

    def __init__(self, deps: ChannelDeps, features: Iterable[Routes]) -> None:
        self.deps = deps
        self.actions: dict[tuple[type[Action], str], Route] = {}
        self.texts: dict[str, Route] = {}
        self.steps: dict[str, Route] = {}
        self.contact: Route | None = None
        for feature in features:
            self.actions.update(feature.actions)
            self.texts.update(feature.texts)
            self.steps.update(feature.steps)
            self.contact = feature.contact or self.contact

    def route(self, turn: Turn) -> Route | None:
        """The step that answers `turn` (no I/O); None if no moved feature does. A tap or a
        menu text wins over the dialog's step: tapping *Create invoice* leaves any dialog."""
        if turn.action is not None:
            kind = type(turn.action)
            return self.actions.get((kind, turn.step)) or self.actions.get((kind, ""))
        if turn.contact is not None:
            return self.contact
        word = turn.text.split(maxsplit=1)[0].split("@")[0] if turn.text.startswith("/") \
            else turn.text
        found = self.texts.get(word)
        if found is not None or turn.text.startswith("/") or (turn.media and not turn.step):
            return found
        return self.steps.get(turn.step)

    def handle(self, turn: Turn) -> Reply | None:
        route = self.route(turn)
        return route.answer(self.deps, turn) if route is not None else None

    def handle_and_publish(self, turn: Turn, route: Route) -> Reply:
        """Answer and publish the reply's command (Telegram: one trip off the event loop).
        The queue being down raises ServiceUnavailable before any state is kept."""
        reply = route.answer(self.deps, turn)
        if reply.publish is not None and not reply.answer_first:
            self.deps.bus.publish(reply.publish)
        return reply
