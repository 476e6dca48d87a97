"""The generated form: one widget per parameter, chosen by `FieldView.widget`."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar
from reflex_components_core.el.elements.forms import Input

from ai_registry.components.media import media_view
from ai_registry.components.styles import FOCUS
from ai_registry.state.form_views import FieldView
from ai_registry.state.playground import UPLOAD_ID, PlaygroundState

INPUT = f"w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm {FOCUS}"
INPUT_ERROR = f"w-full rounded-md border-2 border-red-600 bg-white px-3 py-2 text-sm {FOCUS}"


def _input_class(field: FieldView):
    return rx.cond(PlaygroundState.errors.contains(field.name), INPUT_ERROR, INPUT)


def _value(field: FieldView):
    return PlaygroundState.values[field.name].to(str)


def _key(field: FieldView):
    """Inputs are uncontrolled (typing never waits for the server); a new key remounts them on reset."""
    return field.name + "-" + PlaygroundState.form_version.to_string()


def _on_change(field: FieldView):
    # No debounce: Reflex debounces per handler name, so one field's change would swallow another's.
    return lambda v: PlaygroundState.set_value(field.name, v)


def field_label(field: FieldView) -> rx.Component:
    return rx.el.label(
        field.label,
        rx.cond(field.required, rx.el.span(" *", class_name="text-red-700", aria_hidden="true")),
        html_for="field-" + field.name,
        class_name="text-sm font-medium text-slate-900",
    )


def field_error(field: FieldView) -> rx.Component:
    return rx.cond(
        PlaygroundState.errors.contains(field.name),
        rx.el.p(
            PlaygroundState.errors[field.name].to(str),
            id="error-" + field.name,
            role="alert",
            data_testid="field-error-" + field.name,
            class_name="text-sm font-medium text-red-700",
        ),
    )


def _text_input(field: FieldView) -> rx.Component:
    return rx.el.input(
        id="field-" + field.name,
        key=_key(field),
        default_value=_value(field),
        on_change=_on_change(field),
        data_testid="field-" + field.name,
        class_name=_input_class(field),
    )


def _textarea(field: FieldView, rows: int = 4) -> rx.Component:
    return rx.el.div(
        rx.el.textarea(
            id="field-" + field.name,
            key=_key(field),
            default_value=_value(field),
            rows=rows,
            on_change=_on_change(field),
            data_testid="field-" + field.name,
            class_name=_input_class(field),
        ),
        rx.cond(
            field.max_length > 0,
            rx.el.p(
                _value(field).length(),
                " / ",
                field.max_length,
                class_name="text-right text-xs text-slate-600",
                data_testid="counter-" + field.name,
            ),
        ),
    )


def _number(field: FieldView) -> rx.Component:
    return rx.el.input(
        id="field-" + field.name,
        type="number",
        key=_key(field),
        default_value=_value(field),
        step=field.step,
        on_change=_on_change(field),
        data_testid="field-" + field.name,
        class_name=_input_class(field),
    )


def _slider(field: FieldView) -> rx.Component:
    return rx.el.div(
        rx.el.input(
            type="range",
            min=field.min,
            max=field.max,
            step=field.step,
            value=rx.cond(_value(field) == "", field.min, _value(field)),
            on_change=lambda v: PlaygroundState.set_slider(field.name, v).throttle(80),
            aria_label=field.label,
            data_testid="slider-" + field.name,
            class_name="h-2 min-w-0 flex-1 accent-indigo-700",
        ),
        # Controlled, so it follows the slider; the debounce lives in this component, not the handler.
        rx.debounce_input(
            rx.el.input(
                id="field-" + field.name,
                type="number",
                value=_value(field),
                step=field.step,
                on_change=_on_change(field),
                data_testid="field-" + field.name,
                class_name=rx.cond(
                    PlaygroundState.errors.contains(field.name),
                    f"w-24 rounded-md border-2 border-red-600 px-2 py-1 text-sm {FOCUS}",
                    f"w-24 rounded-md border border-slate-300 px-2 py-1 text-sm {FOCUS}",
                ),
            ),
            debounce_timeout=150,
        ),
        rx.el.span(
            field.min,
            "–",
            field.max,
            data_testid="range-" + field.name,
            class_name="shrink-0 whitespace-nowrap text-right text-xs tabular-nums text-slate-600",
        ),
        class_name="flex items-center gap-3",
    )


def _option_button(field: FieldView, option: str, label: str) -> rx.Component:
    selected = _value(field) == option
    return rx.el.button(
        label,
        type="button",
        role="radio",
        aria_checked=rx.cond(selected, "true", "false"),
        on_click=PlaygroundState.set_value(field.name, option),
        data_testid="option-" + field.name + "-" + option,
        class_name=rx.cond(
            selected,
            f"rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white {FOCUS}",
            "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-800 hover:bg-slate-100 "
            + FOCUS,
        ),
    )


def _buttons(field: FieldView) -> rx.Component:
    return rx.el.div(
        rx.foreach(field.choices, lambda pair: _option_button(field, pair[0].to(str), pair[1].to(str))),
        role="radiogroup",
        aria_label=field.label,
        id="field-" + field.name,
        data_testid="field-" + field.name,
        class_name="flex flex-wrap gap-2",
    )


def _select(field: FieldView) -> rx.Component:
    return rx.el.select(
        rx.foreach(field.choices, lambda pair: rx.el.option(pair[1].to(str), value=pair[0].to(str))),
        id="field-" + field.name,
        value=_value(field),
        on_change=lambda v: PlaygroundState.set_value(field.name, v),
        data_testid="field-" + field.name,
        class_name=_input_class(field),
    )


def _checkbox(field: FieldView) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            id="field-" + field.name,
            checked=_value(field) == "true",
            on_change=lambda checked: PlaygroundState.set_flag(field.name, checked),
            data_testid="field-" + field.name,
            class_name="h-4 w-4 accent-indigo-700",
        ),
        field.label,
        class_name="flex items-center gap-2 text-sm font-medium",
    )


def form_field(field: FieldView) -> rx.Component:
    """Label, widget, help text and error of one parameter."""
    widget = rx.match(
        field.widget,
        ("textarea", _textarea(field)),
        ("lines", _textarea(field, rows=5)),
        ("number", _number(field)),
        ("slider", _slider(field)),
        ("buttons", _buttons(field)),
        ("select", _select(field)),
        _text_input(field),
    )
    return rx.el.div(
        rx.cond(
            field.widget == "checkbox",
            _checkbox(field),
            rx.fragment(field_label(field), widget),
        ),
        rx.cond(field.description != "", rx.el.p(field.description, class_name="text-xs text-slate-600")),
        field_error(field),
        data_testid="form-field",
        data_field=field.name,
        class_name="flex flex-col gap-1.5",
    )


def _rejections(rejected: ArrayVar) -> ArrayVar:
    """Rejected drops mapped to 'name: reason' in the browser, so no file crosses the websocket."""

    def line(record):
        record = record.to(ObjectVar, dict)
        errors = record["errors"].to(ArrayVar, list)
        return (
            record["file"].to(ObjectVar, dict)["path"].to(str)
            + ": "
            + errors.map(lambda e: e.to(ObjectVar, dict)["message"].to(str)).join(", ")
        )

    return rejected.to(ArrayVar, list).map(line)


def upload_root(field) -> rx.Component:
    """The drop zone itself: react-dropzone, its rejections mapped in the browser."""
    return rx.upload.root(
        rx.el.div(
            rx.icon("upload", size=22, class_name="text-slate-600"),
            rx.el.p(
                rx.el.span("Drop a file here", class_name="font-medium"),
                " or click to choose",
                class_name="text-sm",
            ),
            rx.el.p(field.accept.replace(",", ", "), class_name="text-xs text-slate-600"),
            class_name="flex flex-col items-center gap-1 text-center",
        ),
        id=UPLOAD_ID,
        multiple=False,
        max_files=1,
        max_size=PlaygroundState.upload_max_bytes,
        accept=PlaygroundState.upload_accept,
        on_drop=PlaygroundState.handle_upload,
        on_drop_rejected=lambda rejected: PlaygroundState.upload_rejected(_rejections(rejected)),
        data_testid="upload-zone",
        class_name="cursor-pointer rounded-lg border-2 border-dashed border-slate-300 bg-slate-50 p-5 "
        f"hover:border-indigo-400 {FOCUS}",
    )


def _named_file_input(zone: rx.Component, name: rx.Var) -> rx.Component:
    """`zone` with an accessible name on its file input: `rx.upload.root` creates that input itself
    (react-dropzone's `getInputProps`) and takes no props for it, so it is found in the tree."""
    stack = [zone]
    while stack:
        component = stack.pop()
        if isinstance(component, Input):
            component.custom_attrs["aria-label"] = name
            return zone
        stack.extend(getattr(component, "children", []))
    raise ValueError("rx.upload.root rendered no file input")


def upload_zone() -> rx.Component:
    """Drag and drop or pick a file (type and size checked here and again on the server)."""
    field = PlaygroundState.file_view
    return rx.el.div(
        field_label(field),
        _named_file_input(upload_root(field), field.label.to(str) + ": choose a file"),
        rx.cond(
            PlaygroundState.upload_error != "",
            rx.el.p(
                PlaygroundState.upload_error,
                role="alert",
                data_testid="upload-error",
                class_name="text-sm font-medium text-red-700",
            ),
        ),
        rx.cond(
            PlaygroundState.upload_name != "",
            rx.el.div(
                media_view(
                    PlaygroundState.upload_kind,
                    PlaygroundState.upload_preview,
                    alt="Preview of the uploaded file",
                    testid="upload-preview",
                    image_class="h-20 w-20 rounded object-cover",
                    video_class="h-20",
                    audio_class="h-10",
                ),
                rx.el.span(PlaygroundState.upload_name, class_name="flex-1 text-sm", data_testid="upload-name"),
                rx.el.button(
                    "Remove",
                    type="button",
                    on_click=PlaygroundState.remove_upload,
                    class_name=f"rounded px-2 py-1 text-sm text-red-700 hover:bg-red-50 {FOCUS}",
                ),
                class_name="flex items-center gap-3 rounded-md border border-slate-200 bg-white p-2",
            ),
        ),
        rx.cond(
            field.allow_url,
            rx.el.div(
                rx.el.label("…or an image URL", html_for="field-" + field.name, class_name="text-xs text-slate-700"),
                rx.el.input(
                    id="field-" + field.name,
                    type="url",
                    placeholder="https://…",
                    key=_key(field),
                    default_value=PlaygroundState.values[field.name].to(str),
                    on_change=_on_change(field),
                    disabled=PlaygroundState.upload_name != "",
                    data_testid="field-" + field.name,
                    class_name=_input_class(field),
                ),
                class_name="flex flex-col gap-1",
            ),
        ),
        field_error(field),
        class_name="flex flex-col gap-2",
    )
