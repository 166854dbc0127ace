"""The office page (Flask): look up a caller, read the card, log the call, move orders.

Every write goes through the same use cases as the CLI (``usecases.cards``,
``usecases.contacts``), signed by the signed-in person exactly as ``--by``.
Pages are plain HTML forms (they work without JavaScript); a few lines of JS
only improve them. See ``office.py`` for how reads and writes share the account.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, jsonify, redirect, render_template, request, session
from werkzeug.wrappers import Response as BaseResponse

from contacts_crm.card import grammar as card_grammar
from contacts_crm.card.dialer import dialer_view
from contacts_crm.card.model import Card
from contacts_crm.card.wording import DIRECTIONS, OUTCOMES
from contacts_crm.config import atomic_write
from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact
from contacts_crm.dates import parse_day
from contacts_crm.errors import CrmError, InputError, NotFoundError, UsageError
from contacts_crm.office.cards import card_settings
from contacts_crm.reports.callbacks import callbacks as callbacks_report
from contacts_crm.reports.clients import user_group_names
from contacts_crm.usecases import cards as card_uc
from contacts_crm.usecases import contacts as contact_uc
from contacts_crm.web.limits import SignInLimiter
from contacts_crm.web.office import Office
from contacts_crm.web.words import words

access_log = logging.getLogger("contacts_crm.web.access")

SECRET_FILE = "web-secret.key"
SESSION_DAYS = 90
OPEN_ENDPOINTS = {"signin", "static", "manifest", "cid"}


def _secret_key(data_dir: Path) -> bytes:
    """The key that signs session cookies (made once, kept 0600 beside the cache)."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_bytes()
    key = secrets.token_bytes(32)
    atomic_write(path, key)
    return key


def create_app(
    office: Office, *, secure_cookies: bool = False, limiter: SignInLimiter | None = None
) -> Flask:
    """The WSGI app over ``office`` (its account, staff and background sync)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(office.account.data_dir),
        SESSION_COOKIE_NAME="crm_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_DAYS * 24 * 3600,
        MAX_CONTENT_LENGTH=64 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["crm_office"] = office
    limits = limiter or SignInLimiter()
    w = words(office.profile.language)

    # ------------------------------------------------------------ plumbing
    @app.before_request
    def _who() -> BaseResponse | None:
        g.started = time.perf_counter()
        g.user = None
        if request.endpoint in ("cid", "static", "manifest"):
            return None  # no session: a PBX has no cookie, and none is set on it
        name = session.get("user")
        if name:
            user = office.staff_now().user(name)
            if user is None or user.generation != session.get("gen"):
                session.clear()  # removed, or the PIN was reset: sign in again
            else:
                g.user = user.name
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        if request.method == "POST" and request.endpoint != "cid":
            sent = request.form.get("csrf", "")
            if not sent or not secrets.compare_digest(sent, session["csrf"]):
                return _page("error.html", 400, message=w["expired"])
        if g.user is None and request.endpoint not in OPEN_ENDPOINTS:
            if request.method == "GET":
                return redirect(f"/signin?next={_local_path(request.full_path)}")
            return _page("error.html", 401, message=w["expired"])
        return None

    @app.after_request
    def _after(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint not in ("static", "manifest"):
            resp.headers.setdefault("Cache-Control", "no-store")
        # No phone number, name or card text: the route's pattern, never the path.
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_log.info("%s %s %d %.1fms", request.method, rule, resp.status_code, ms)
        return resp

    @app.errorhandler(404)
    def _not_found(_exc: Exception) -> Response:
        return _page("error.html", 404, message=w["not_found"])

    @app.errorhandler(500)
    def _crashed(_exc: Exception) -> Response:
        return _page("error.html", 500, message=w["error"])

    @app.context_processor
    def _context() -> dict[str, Any]:
        return {"w": w, "user": g.get("user"), "csrf": session.get("csrf", ""),
                "lang": office.profile.language, "new_op": card_uc.new_op_id}  # fmt: skip

    def _page(template: str, status: int = 200, **values: Any) -> Response:
        return Response(render_template(template, **values), status=status)

    def _error(exc: CrmError, back: str) -> Response:
        status = 404 if isinstance(exc, NotFoundError) else 409 if exc.exit_code == 75 else 400
        details = [str(p) for p in exc.problems] if isinstance(exc, InputError) else []
        return _page("error.html", status, message=exc.message, hint=exc.hint,
                     details=details, back=back)  # fmt: skip

    # ------------------------------------------------------------- sign in
    @app.route("/signin", methods=["GET", "POST"])
    def signin() -> BaseResponse:
        nxt = _local_path(request.values.get("next", "/"))
        if request.method == "GET":
            return _page(
                "signin.html", next=nxt, names=[u.name for u in office.staff_now().users()]
            )
        name = " ".join(request.form.get("name", "").split())
        pin = request.form.get("pin", "")
        address = request.remote_addr or "?"
        wait = limits.locked_for(name, address)
        names = [u.name for u in office.staff_now().users()]
        if wait > 0:
            msg = w["locked"].format(minutes=int(wait // 60) + 1)
            return _page("signin.html", 429, next=nxt, error=msg, name=name, names=names)
        user = office.staff_now().check_pin(name, pin)
        if user is None:
            limits.failed(name, address)
            return _page("signin.html", 401, next=nxt, error=w["wrong_pin"], name=name,
                         names=names)  # fmt: skip
        limits.succeeded(name, address)
        session.clear()
        session.permanent = True
        session.update(user=user.name, gen=user.generation, csrf=secrets.token_urlsafe(24))
        return redirect(nxt)

    @app.post("/signout")
    def signout() -> BaseResponse:
        session.clear()
        return redirect("/signin")

    # -------------------------------------------------------------- lookup
    @app.get("/")
    def lookup() -> BaseResponse:
        q = request.args.get("q", "").strip()
        if not q:
            return _page("lookup.html", q="", found=None)
        return _found(q, office.reader())

    @app.get("/n/<path:number>")
    def by_number(number: str) -> BaseResponse:
        return _found(number, office.reader())

    def _found(q: str, acc: Any) -> BaseResponse:
        try:
            found = contact_uc.find(acc, q, limit=30)
        except UsageError as exc:
            return _error(exc, "/")
        if len(found) == 1:
            return redirect(_card_url(found[0]))
        is_phone = phones.looks_like_phone(q)
        return _page("lookup.html", q=q, found=[_summary(c, acc) for c in found],
                     new_phone=q if is_phone else "",
                     new_name="" if is_phone else q)  # fmt: skip

    # ---------------------------------------------------------------- card
    @app.get("/c/<cid>")
    def card(cid: str) -> BaseResponse:
        acc = office.reader()
        contact = acc.contacts.get(f"people/{cid}")
        if contact is None:
            abort(404)
        return _page("card.html", **_card_view(contact, acc), done=_done_message())

    def _done_message() -> str:
        done = request.args.get("done", "")
        n = request.args.get("n", "")
        if done == "same":
            return w["unchanged"]
        key = {"call": "done_call", "open": "done_open", "step": "done_step",
               "close": "done_close", "new": "done_new"}.get(done)  # fmt: skip
        return w[key].format(n=n) if key else ""

    def _card_view(contact: Contact, acc: Any) -> dict[str, Any]:
        settings = card_settings(acc.profile)
        labels = settings.labels
        parsed: Card = card_grammar.parse(contact.notes, labels)
        stages = [(s.key, labels.stage_name(s.key)) for s in labels.stages]
        orders = []
        for order in parsed.open_orders():
            at = labels.flow_index(order.stage)
            later = [k for k, _ in stages[at + 1 :] if k not in labels.cancel_stages]
            orders.append({"number": order.number, "stage": labels.stage_name(order.stage),
                           "amount": _amount(order.amount, labels), "what": order.what,
                           "next": later[0] if later else labels.done_stage})  # fmt: skip
        calls = [
            {
                "on": c.on.isoformat(),
                "direction": labels.direction(c.direction),
                "who": c.who or "",
                "outcome": labels.outcome(c.outcome) if c.outcome else "",
                "callback_on": c.callback_on.isoformat() if c.callback_on else "",
                "comment": c.comment,
            }
            for c in parsed.calls()[:5]
        ]
        return {
            "c": _summary(contact, acc),
            "dialer": dialer_view(parsed, settings),
            "orders": orders,
            "calls": calls,
            "stages": [(k, n) for k, n in stages if k not in labels.final_stages]
            + [(labels.done_stage, labels.stage_name(labels.done_stage))],
            "directions": [(d, labels.direction(d)) for d in DIRECTIONS],
            "outcomes": [(o, labels.outcome(o)) for o in OUTCOMES],
            "today": date.today().isoformat(),
        }

    # -------------------------------------------------------------- writes
    def _target(cid: str) -> str:
        rn = f"people/{cid}"
        if office.reader().contacts.get(rn) is None:
            abort(404)
        return rn

    def _form_amount() -> Any:
        return card_uc.parse_amount(request.form.get("amount", "").strip() or None)

    @app.post("/c/<cid>/call")
    def log_call(cid: str) -> BaseResponse:
        rn, back = _target(cid), f"/c/{cid}"
        direction = request.form.get("direction", "in")
        outcome = request.form.get("outcome") or None
        day = request.form.get("callback_on", "").strip()
        try:
            if direction not in DIRECTIONS or (outcome and outcome not in OUTCOMES):
                raise UsageError("unknown call direction or outcome")
            if outcome == "callback" and not day:
                raise UsageError(w["need_callback_date"])
            keep_day = day and outcome in (None, "callback")  # a date only means "call back"
            callback_on = parse_day(day, w["callback_on"]) if keep_day else None
            change = office.write(card_uc.log_call, rn, request.form.get("comment", "").strip(),
                                  direction=direction, outcome=outcome, callback_on=callback_on,
                                  by=g.user, op_id=_op_id())  # fmt: skip
        except CrmError as exc:
            return _error(exc, back)
        return redirect(f"{back}?done={'call' if change.changed else 'same'}")

    @app.post("/c/<cid>/order")
    def open_order(cid: str) -> BaseResponse:
        rn, back = _target(cid), f"/c/{cid}"
        try:
            change = office.write(card_uc.open_order, rn, request.form.get("what", "").strip(),
                                  amount=_form_amount(), by=g.user,
                                  op_id=_op_id())  # fmt: skip
        except CrmError as exc:
            return _error(exc, back)
        done = "open" if change.changed else "same"
        return redirect(f"{back}?done={done}&n={change.order_no or ''}")

    @app.post("/c/<cid>/order/<int:number>/step")
    def step_order(cid: str, number: int) -> BaseResponse:
        rn, back = _target(cid), f"/c/{cid}"
        try:
            change = office.write(card_uc.step_order, rn, number, request.form.get("stage", ""),
                                  request.form.get("comment", "").strip(),
                                  amount=_form_amount(), by=g.user,
                                  op_id=_op_id())  # fmt: skip
        except CrmError as exc:
            return _error(exc, back)
        return redirect(f"{back}?done={'step' if change.changed else 'same'}&n={number}")

    @app.post("/c/<cid>/order/<int:number>/close")
    def close_order(cid: str, number: int) -> BaseResponse:
        rn, back = _target(cid), f"/c/{cid}"
        try:
            change = office.write(card_uc.close_order, rn, number,
                                  cancelled=request.form.get("cancelled") == "1",
                                  amount=_form_amount(),
                                  comment=request.form.get("comment", "").strip(),
                                  by=g.user, op_id=_op_id())  # fmt: skip
        except CrmError as exc:
            return _error(exc, back)
        return redirect(f"{back}?done={'close' if change.changed else 'same'}&n={number}")

    def _op_id() -> str | None:
        """The form's one-time id: a double tap or a resent form changes nothing twice."""
        value = request.form.get("op", "").strip()
        return value if value.isalnum() and 8 <= len(value) <= 32 else None

    # ---------------------------------------------------------- new client
    @app.route("/new", methods=["GET", "POST"])
    def new_client() -> BaseResponse:
        acc = office.reader()
        groups = sorted(user_group_names(acc.groups.all()).values(), key=str.casefold)
        form = request.values
        if request.method == "GET":
            return _page("new.html", groups=groups, phone=form.get("phone", ""),
                         name=form.get("name", ""), company="", group="")  # fmt: skip
        group = form.get("group", "").strip()
        try:
            contact = office.write(
                contact_uc.add_contact, form.get("name", "").strip(),
                phone_numbers=[p for p in [form.get("phone", "").strip()] if p],
                organization=form.get("company", "").strip(),
                groups=[group] if group else [],
            )  # fmt: skip
        except CrmError as exc:
            return _error(exc, "/new")
        return redirect(_card_url(contact) + "?done=new")

    # --------------------------------------------------------------- today
    @app.get("/today")
    def today() -> BaseResponse:
        acc = office.reader()
        items = callbacks_report(acc, today=date.today())
        me = (g.user or "").casefold()
        rows = [{"cid": cb.resource_name.removeprefix("people/"), "name": cb.name,
                 "phone": cb.phone, "detail": cb.reasons[0].detail, "overdue": cb.overdue,
                 "mine": (cb.last_contact_by or "").casefold() == me}
                for cb in items]  # fmt: skip
        return _page("today.html", mine=[r for r in rows if r["mine"]],
                     others=[r for r in rows if not r["mine"]])  # fmt: skip

    # ------------------------------------------------------------ caller ID
    @app.get("/cid")
    def cid() -> Response:
        if not office.staff_now().token_ok(request.args.get("token", "")):
            return Response("", status=403, mimetype="text/plain")
        found = _cid_lookup(request.args.get("number", ""))
        if request.args.get("format") == "json":
            return jsonify(found)
        return Response(found["name"], mimetype="text/plain")

    def _cid_lookup(number: str) -> dict[str, Any]:
        empty = {"found": False, "name": "", "company": "", "group": "", "firstLine": ""}
        if not number.strip() or not phones.looks_like_phone(number):
            return empty
        acc = office.reader()
        try:
            hits = acc.contacts.by_phone(number, acc.profile.region)
        except CrmError:
            return empty
        if not hits:
            return empty
        c = hits[0]
        groups = _group_names(c, acc)
        first = next((ln for ln in c.notes.splitlines() if ln.strip()), "")
        return {"found": True, "name": c.display_name, "company": c.organization,
                "group": groups[0] if groups else "", "firstLine": first,
                "matches": len(hits)}  # fmt: skip

    # ------------------------------------------------------------- installs
    @app.get("/manifest.webmanifest")
    def manifest() -> Response:
        body = {
            "name": w["app"], "short_name": w["app"], "lang": office.profile.language,
            "start_url": "/", "scope": "/", "display": "standalone",
            "background_color": "#ffffff", "theme_color": "#1f5fa8",
            "icons": [{"src": f"/static/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png",
                       "purpose": "any maskable"} for n in (192, 512)],
        }  # fmt: skip
        resp = jsonify(body)
        resp.mimetype = "application/manifest+json"
        return resp

    return app


# ------------------------------------------------------------------ helpers
def _local_path(target: str) -> str:
    """Only a path on this server (no open redirect to another site)."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in target:
        return "/"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "/" if path.startswith("//") else path


def _card_url(contact: Contact) -> str:
    return "/c/" + (contact.resource_name or "").removeprefix("people/")


def _group_names(contact: Contact, acc: Any) -> list[str]:
    names = user_group_names(acc.groups.all())
    return [names[gr] for gr in contact.groups if gr in names]


def _summary(contact: Contact, acc: Any) -> dict[str, Any]:
    return {
        "cid": (contact.resource_name or "").removeprefix("people/"),
        "name": contact.display_name,
        "company": contact.organization,
        "groups": _group_names(contact, acc),
        "phones": [p.value for p in contact.phones if p.value],
        "national": [phones.format_national(p.value) for p in contact.phones if p.value],
    }


def _amount(value: Any, labels: Any) -> str:
    if value is None:
        return ""
    return card_grammar.format_amount(value, labels.current.decimal)
