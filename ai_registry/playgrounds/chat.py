"""Chat playground: the conversation, an input box, sampling settings; the answer streams in."""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var

from ai_registry.components.layout import announce_copied
from ai_registry.components.styles import FOCUS, PANEL
from ai_registry.playgrounds.frame import (
    generated_inputs,
    key_notice,
    progress,
    response_json,
    run_buttons,
    run_error,
    run_links,
)
from ai_registry.state.playground import PlaygroundState
from ai_registry.state.playground_kinds import ChatMessage, ChatPlaygroundState

# Enter sends (by clicking Send, so the typed text is already in the state), Shift+Enter keeps the
# newline; a key that composes a character (an input method) is left alone.
SEND_ON_ENTER = Var(
    _js_expr="((e) => { if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) { "
    "e.preventDefault(); document.querySelector('[data-testid=chat-send]')?.click(); } })"
)


def copy_answer(message: ChatMessage) -> rx.Component:
    return rx.el.button(
        rx.icon("copy", size=12),
        "Copy",
        type="button",
        on_click=[rx.set_clipboard(message.content), announce_copied()],
        aria_label="Copy the answer",
        data_testid="copy-answer",
        class_name=f"inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs text-slate-700 "
        f"hover:bg-slate-100 {FOCUS}",
    )


def bubble(message: ChatMessage) -> rx.Component:
    user = message.role == "user"
    return rx.el.div(
        rx.el.div(
            rx.el.p(rx.cond(user, "You", "Model"), class_name="text-xs font-semibold text-slate-600"),
            rx.cond(user, rx.fragment(), copy_answer(message)),
            class_name="flex items-center justify-between gap-2",
        ),
        rx.el.p(message.content, class_name="whitespace-pre-wrap text-sm leading-relaxed"),
        data_testid=rx.cond(user, "message-user", "message-assistant"),
        class_name=rx.cond(
            user,
            "ml-auto max-w-[85%] rounded-lg bg-indigo-50 p-3",
            "mr-auto max-w-[85%] rounded-lg border border-slate-200 bg-white p-3",
        ),
    )


def conversation() -> rx.Component:
    return rx.el.div(
        rx.cond(
            ChatPlaygroundState.messages.length() > 0,
            rx.foreach(ChatPlaygroundState.messages, bubble),
            rx.el.p("Start the conversation below.", class_name="text-sm text-slate-600"),
        ),
        # The answer as it streams in; it joins the conversation when the run ends.
        rx.cond(
            PlaygroundState.running,
            rx.el.div(
                rx.el.p("Model", class_name="text-xs font-semibold text-slate-600"),
                rx.el.p(
                    rx.cond(PlaygroundState.partial != "", PlaygroundState.partial, "…"),
                    class_name="whitespace-pre-wrap text-sm leading-relaxed",
                ),
                data_testid="message-assistant",
                class_name="mr-auto max-w-[85%] rounded-lg border border-slate-200 bg-white p-3",
            ),
        ),
        data_testid="conversation",
        class_name="flex max-h-[28rem] min-h-[12rem] flex-col gap-3 overflow-y-auto rounded-lg bg-slate-50 p-3",
    )


def composer() -> rx.Component:
    return rx.el.div(
        rx.el.textarea(
            key="chat-" + PlaygroundState.form_version.to_string(),
            default_value=ChatPlaygroundState.chat_input,
            # Emptied after a send by mounting anew: focus returns to it then, never on a first visit.
            auto_focus=ChatPlaygroundState.sent,
            on_change=ChatPlaygroundState.set_chat_input,
            custom_attrs={"onKeyDown": SEND_ON_ENTER},
            placeholder="Ask something… (Enter sends, Shift+Enter starts a new line)",
            rows=3,
            aria_label="Message",
            data_testid="chat-input",
            class_name=f"w-full rounded-md border border-slate-300 px-3 py-2 text-sm {FOCUS}",
        ),
        rx.cond(
            PlaygroundState.errors.contains("chat"),
            rx.el.p(PlaygroundState.errors["chat"].to(str), role="alert", class_name="text-sm text-red-700"),
        ),
        run_buttons(
            ChatPlaygroundState,
            secondary=("Clear", ChatPlaygroundState.clear_chat, "chat-clear"),
            stop=("Stop", "chat-stop"),
            run=("send", "Send", "chat-send"),
        ),
        run_links(),
        class_name="flex flex-col gap-2",
    )


def chat_playground() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.h2("Conversation", class_name="text-lg font-semibold"),
            conversation(),
            # The answer is announced once, whole, when it has ended (the conversation is no live region).
            progress(done="Answer: " + ChatPlaygroundState.last_answer),
            run_error(),
            key_notice(),
            composer(),
            rx.cond(
                ChatPlaygroundState.usage_text != "",
                rx.el.p(ChatPlaygroundState.usage_text, data_testid="chat-usage", class_name="text-xs text-slate-700"),
            ),
            response_json(),
            data_testid="result-panel",
            class_name=f"{PANEL} flex min-w-0 flex-col gap-3",
        ),
        rx.el.div(
            rx.el.h2("Settings", class_name="text-lg font-semibold"),
            generated_inputs(),
            data_testid="input-panel",
            class_name=f"{PANEL} flex min-w-0 flex-col gap-4",
        ),
        class_name="grid grid-cols-1 gap-5 xl:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]",
    )
