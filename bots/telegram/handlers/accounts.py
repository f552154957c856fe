"""Settings → Payment account: see it, connect LiqPay (public key → private key) or monobank
(its token), disconnect either.

Each message carrying a key is deleted from the chat as soon as it is read; the private key is
encrypted before it reaches the dialog state or the queue, and a worker checks the keys.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bots.accounts import (
    MONOBANK,
    account_text,
    connect_command,
    connected_key,
    disconnect,
    monobank_command,
    monobank_key,
    read_key,
    read_token,
    remembered_key,
    screen,
)
from bots.telegram import keyboards
from bots.telegram.deps import BotDeps
from domain.commands import Command as QueuedCommand
from domain.i18n import mask_key, t
from storage.repository import Seller

router = Router(name="accounts")
log = logging.getLogger(__name__)


class ConnectKeys(StatesGroup):
    public_key = State()
    private_key = State()


class ConnectMonobank(StatesGroup):
    token = State()


@router.message(Command("settings"))
@router.message(F.text.in_(keyboards.button_texts("btn_settings")))
async def show(message: Message, state: FSMContext, seller: Seller | None, deps: BotDeps,
               lang: str) -> None:
    if seller is None or not seller.currency:
        await message.answer(t(lang, "need_phone_first"), reply_markup=keyboards.share_phone(lang))
        return
    await state.clear()
    text, public_key, merchant = await deps.run(screen, deps.uow, seller.id,
                                                deps.settings.platform_account, lang)
    await message.answer(text, reply_markup=keyboards.account(lang, public_key is not None,
                                                              merchant is not None))


@router.callback_query(F.data == "acct:connect")
async def connect(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                  lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if seller is None or not seller.currency:
        await query.message.answer(t(lang, "need_phone_first"))
        return
    await state.set_state(ConnectKeys.public_key)
    await query.message.answer(t(lang, "ask_public_key"))


@router.message(ConnectKeys.public_key, F.text)
async def public_key_typed(message: Message, state: FSMContext, deps: BotDeps, lang: str) -> None:
    key = read_key(message.text or "")
    deleted = await _delete(message, lang)
    if key is None:
        await message.answer(f"{deleted}\n\n{t(lang, 'key_not_valid')}")
        return
    # not a secret, but the dialog state keeps nothing of the keys in clear
    await state.update_data(public_key=deps.box.encrypt(key))
    await state.set_state(ConnectKeys.private_key)
    await message.answer(f"{deleted}\n\n{t(lang, 'ask_private_key')}")


@router.message(ConnectKeys.private_key, F.text)
async def private_key_typed(message: Message, state: FSMContext, seller: Seller | None,
                            deps: BotDeps, lang: str) -> None:
    assert seller is not None
    read = await second_secret(message, state, deps, lang, read_key, "key_not_valid",
                               ("public_key", ConnectKeys.public_key, "ask_public_key"))
    if read is None:
        return
    deleted, public_key, key = read
    command = connect_command(deps.box, channel="telegram", chat_id=str(message.chat.id),
                              key=str(message.message_id), seller_id=seller.id,
                              public_key=public_key, private_key=key, lang=lang)
    await answer_then_publish(message, state, deps, f"{deleted}\n\n{t(lang, 'checking_keys')}",
                              command, lang)


async def second_secret(message: Message, state: FSMContext, deps: BotDeps, lang: str,
                        read: Callable[[str], str | None], invalid: str,
                        first: tuple[str, State, str]) -> tuple[str, str, str] | None:
    """The second of two secrets the seller types (deleted at once), with the first one the
    dialog kept encrypted: (what to say about the deletion, the first, the second). None when
    the seller was answered instead: the second is not valid, or the first must be asked again
    (`first`: its name in the dialog state, its state and the text asking for it)."""
    value = read(message.text or "")
    deleted = await _delete(message, lang)
    if value is None:
        await message.answer(f"{deleted}\n\n{t(lang, invalid)}")
        return None
    name, first_state, ask = first
    remembered = remembered_key(deps.box, (await state.get_data()).get(name))
    if remembered is None:
        await state.set_state(first_state)
        await message.answer(f"{deleted}\n\n{t(lang, ask)}")
        return None
    return deleted, remembered, value


async def answer_then_publish(message: Message, state: FSMContext, deps: BotDeps, text: str,
                              command: QueuedCommand, lang: str) -> None:
    """Say "checking…", then hand the check to a worker and end the dialog. Answered first:
    the worker's verdict must come after "checking", never before it."""
    await message.answer(text, reply_markup=keyboards.main_menu(lang))
    await deps.run(deps.bus.publish, command)  # Redis down → ServiceUnavailable → "try again"
    await state.clear()


@router.callback_query(F.data == "acct:mono")
async def connect_monobank(query: CallbackQuery, state: FSMContext, seller: Seller | None,
                           lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if seller is None or not seller.currency:
        await query.message.answer(t(lang, "need_phone_first"))
        return
    await state.set_state(ConnectMonobank.token)
    await query.message.answer(t(lang, "ask_monobank_token"))


@router.message(ConnectMonobank.token, F.text)
async def monobank_token_typed(message: Message, state: FSMContext, seller: Seller | None,
                               deps: BotDeps, lang: str) -> None:
    assert seller is not None
    token = read_token(message.text or "")
    deleted = await _delete(message, lang)
    if token is None:
        await message.answer(f"{deleted}\n\n{t(lang, 'monobank_token_not_valid')}")
        return
    command = monobank_command(deps.box, channel="telegram", chat_id=str(message.chat.id),
                               key=str(message.message_id), seller_id=seller.id, token=token,
                               lang=lang)
    await answer_then_publish(message, state, deps,
                              f"{deleted}\n\n{t(lang, 'checking_monobank_token')}", command, lang)


@router.callback_query(F.data == "acct:mono:disconnect")
async def ask_disconnect_monobank(query: CallbackQuery, seller: Seller | None, deps: BotDeps,
                                  lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    merchant = await deps.run(monobank_key, deps.uow, seller.id) if seller else None
    if merchant is None:
        await query.message.answer(t(lang, "monobank_not_connected"))
        return
    await query.message.answer(t(lang, "confirm_disconnect_monobank",
                                 public_key=mask_key(merchant)),
                               reply_markup=keyboards.confirm_disconnect(lang, "acct:mono"))


@router.callback_query(F.data == "acct:mono:disconnect:yes")
async def disconnect_monobank(query: CallbackQuery, seller: Seller | None, deps: BotDeps,
                              lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if seller is None or not await deps.run(disconnect, deps.uow, seller.id, MONOBANK):
        await query.message.answer(t(lang, "monobank_not_connected"))
        return
    log.info("Seller %d disconnected their monobank account.", seller.id)
    await query.message.answer(t(lang, "monobank_disconnected"),
                               reply_markup=keyboards.main_menu(lang))


@router.message(ConnectKeys.public_key)
@router.message(ConnectKeys.private_key)
@router.message(ConnectMonobank.token)
async def key_not_text(message: Message, lang: str) -> None:
    await message.answer(t(lang, "key_not_text"))


@router.callback_query(F.data == "acct:disconnect")
async def ask_disconnect(query: CallbackQuery, seller: Seller | None, deps: BotDeps,
                         lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    public_key = await deps.run(connected_key, deps.uow, seller.id) if seller else None
    if public_key is None:
        await query.message.answer(t(lang, "account_not_connected"))
        return
    await query.message.answer(t(lang, "confirm_disconnect", public_key=mask_key(public_key)),
                               reply_markup=keyboards.confirm_disconnect(lang))


@router.callback_query(F.data == "acct:disconnect:yes")
async def disconnect_confirmed(query: CallbackQuery, seller: Seller | None, deps: BotDeps,
                               lang: str) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if seller is None or not await deps.run(disconnect, deps.uow, seller.id):
        await query.message.answer(t(lang, "account_not_connected"))
        return
    log.info("Seller %d disconnected their own account.", seller.id)
    await query.message.answer(
        f"{t(lang, 'account_disconnected')}\n\n"
        f"{account_text(None, deps.settings.platform_account, lang)}",
        reply_markup=keyboards.main_menu(lang))


@router.callback_query(F.data == "acct:keep")
async def keep(query: CallbackQuery, lang: str) -> None:
    await query.answer(t(lang, "nothing_changed"))


async def _delete(message: Message, lang: str) -> str:
    """Delete a message carrying a key; what to tell the seller about it."""
    try:
        await message.delete()
    except TelegramAPIError as exc:  # too old, or no right to: the seller must do it
        log.warning("Could not delete a key message in chat %d: %s.", message.chat.id,
                    type(exc).__name__)
        return t(lang, "key_delete_yourself")
    return t(lang, "key_deleted")
