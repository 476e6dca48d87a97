"""The sign-in page as plain HTML: a form that posts to `/auth/sign-in`, so the password never rides the websocket.

Served by the backend itself (no JavaScript needed), so an error is in the very answer to the post.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from ai_registry.settings import get_settings

_UNSET = object()

_STYLE = """
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#f8fafc;color:#0f172a;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:16px}
main{width:100%;max-width:400px;background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:28px}
h1{font-size:1.4rem;margin:0 0 4px}p.lead{margin:0 0 20px;color:#475569;font-size:.95rem}
label{display:block;font-weight:600;font-size:.9rem;margin:14px 0 6px}
input{width:100%;padding:10px 12px;border:1px solid #cbd5e1;border-radius:8px;font:inherit}
input:focus-visible,button:focus-visible{outline:2px solid #4f46e5;outline-offset:2px}
button{margin-top:20px;width:100%;padding:10px 14px;border:0;border-radius:8px;background:#4338ca;color:#fff;
font:inherit;font-weight:600;cursor:pointer}button:hover{background:#3730a3}
.error{margin:0 0 8px;padding:10px 12px;border-radius:8px;background:#fef2f2;color:#991b1b;border:1px solid #fecaca}
.note{margin:18px 0 0;color:#64748b;font-size:.85rem}
a.sso{display:block;margin-top:20px;width:100%;padding:10px 14px;border:1px solid #cbd5e1;border-radius:8px;
background:#fff;color:#0f172a;font-weight:600;text-align:center;text-decoration:none}a.sso:hover{background:#f1f5f9}
a.sso:focus-visible{outline:2px solid #4f46e5;outline-offset:2px}
.or{display:flex;align-items:center;gap:10px;margin:20px 0 0;color:#64748b;font-size:.85rem}
.or::before,.or::after{content:"";flex:1;border-top:1px solid #e2e8f0}
"""


def sso_label() -> str | None:
    """The single sign-on button's provider name, or None when SSO is not configured."""
    settings = get_settings()
    return ((settings.sso_label or "").strip() or "single sign-on") if settings.sso_enabled else None


def _sso_block(label: str | None, next_path: str) -> str:
    if not label:
        return ""
    # A link, not a form: the page's Content-Security-Policy (`form-action 'self'`) would stop a form
    # from following the redirect to the provider.
    href = f"/auth/sso/start?next={quote(next_path, safe='/')}"
    return (f'<a class="sso" href="{escape(href)}" data-testid="sso-sign-in">Sign in with {escape(label)}</a>'
            '<p class="or">or with your password</p>')


def sign_in_html(
    *, next_path: str, email: str = "", error: str = "", notice: str = "", sso=_UNSET, signup_open: bool = False
) -> str:
    """The whole page. `error` is shown in an alert; the email typed is kept, the password never is.

    With single sign-on configured (or `sso` given a label) a "Sign in with <label>" button leads the page;
    with `signup_open` (an admin turned open sign-up on) it links to `/sign-up`.
    """
    signup = ' Or <a href="/sign-up" id="sign-up-link">sign up</a> with your work address.' if signup_open else ""
    sso_block = _sso_block(sso_label() if sso is _UNSET else sso, next_path)
    alert = f'<p class="error" role="alert" id="sign-in-error">{escape(error)}</p>' if error else ""
    info = f'<p class="lead" role="status">{escape(notice)}</p>' if notice else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · AI Model Registry</title><style>{_STYLE}</style></head>
<body><main>
<h1>Sign in</h1><p class="lead">AI Model Registry</p>{info}
<form method="post" action="/auth/sign-in" aria-describedby="{"sign-in-error" if error else ""}">
{alert}
{sso_block}
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254"
 value="{escape(email)}"{"" if email else " autofocus"}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"
{" autofocus" if email else ""}>
<button type="submit">Sign in</button>
</form>
<p class="note">Have an invite? Open the link you were sent to create your account.
No account yet? Ask an administrator for an invite link.{signup}</p>
</main></body></html>"""
