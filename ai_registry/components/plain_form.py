"""A form the browser itself submits (a real POST and page load), unlike `rx.el.form`, which Reflex
intercepts and sends over the websocket. Used where that must not happen: signing out."""

from __future__ import annotations

from reflex_base.vars.base import Var
from reflex_components_core.el.elements.base import BaseHTML


class PlainForm(BaseHTML):
    """`<form method=... action=...>` with no submit handler."""

    tag = "form"

    action: Var[str]
    method: Var[str]


plain_form = PlainForm.create
