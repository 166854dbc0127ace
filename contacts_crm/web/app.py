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
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, Response, abort, g, jsonify, redirect, render_template, request, session
from werkzeug.wrappers import Response as BaseResponse

from contacts_crm import dates
from contacts_crm.card import grammar as card_grammar
from contacts_crm.card.dialer import dialer_view
from contacts_crm.card.model import Card
from contacts_crm.card.operations import CloseOrder, LogCall, OpenOrder, StepOrder
from contacts_crm.card.wording import DIRECTIONS, OUTCOMES
from contacts_crm.config import atomic_write
from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact
from contacts_crm.dates import parse_day
from contacts_crm.errors import CrmError, InputError, NotFoundError, Problem, UsageError
from contacts_crm.logs import private_traceback
from contacts_crm.office.cards import card_settings
from contacts_crm.reports.callbacks import callbacks as callbacks_report
from contacts_crm.reports.clients import find_group, user_group_names
from contacts_crm.usecases import calls as calls_uc
from contacts_crm.usecases import cards as card_uc
from contacts_crm.usecases import contacts as contact_uc
from contacts_crm.usecases.dashboard import dashboard as dashboard_figures
from contacts_crm.web.access import OPEN, ROUTE_ROLES, TOKEN, allowed
from contacts_crm.web.alerts_page import add_alerts_page
from contacts_crm.web.dashboard_page import page_values
from contacts_crm.web.limits import SignInLimiter
from contacts_crm.web.office import Office, Saved
from contacts_crm.web.sessions import SESSION_DAYS
from contacts_crm.web.staff import role_at_least
from contacts_crm.web.words import words

access_log = logging.getLogger("contacts_crm.web.access")

SECRET_FILE = "web-secret.key"
# Who may use which route: web/access.py (every route has a rule; a test walks the URL map).
OPEN_ENDPOINTS = {e for e, rule in ROUTE_ROLES.items() if rule in (OPEN, TOKEN)}
# no session: a PBX or a phone's automation (a token), and the files any page loads
NO_SESSION = {e for e, rule in ROUTE_ROLES.items() if rule == TOKEN} | {"static", "manifest"}
# Only this server's own files run or style the page: no inline script or style, no
# other site, no framing, forms post here only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")  # fmt: skip


def _secret_key(data_dir: Path) -> bytes:
    """The key that signs session cookies (made once, kept 0600 beside the cache)."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_bytes()
    key = secrets.token_bytes(32)
    atomic_write(path, key)
    return key


class OfficeApp(Flask):
    """Flask, logging an unexpected error by its route's pattern and without the
    exception's message (Flask's own line has the path: a phone number)."""

    def log_exception(
        self, exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None]
    ) -> None:
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        where = private_traceback(exc_info[1]) if exc_info[1] is not None else ""
        self.logger.error("Exception on %s [%s]\n%s", rule, request.method, where.rstrip())


def create_app(
    office: Office, *, secure_cookies: bool = False, limiter: SignInLimiter | None = None
) -> Flask:
    """The WSGI app over ``office`` (its account, staff and background sync)."""
    app = OfficeApp(__name__)
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
        g.role = None
        if request.endpoint in NO_SESSION:
            return None  # no session: a PBX has no cookie, and none is set on it
        name = session.get("user")
        if name:
            user = office.staff_now().user(name)
            if (user is None or user.generation != session.get("gen")
                    or not office.sessions.valid(session.get("sid", ""), user.name)):  # fmt: skip
                session.clear()  # signed out, removed, or the PIN was reset: sign in again
            else:
                g.user, g.role = user.name, user.role  # a role changed by the CLI counts now
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        if request.method == "POST":
            sent = request.form.get("csrf", "")
            if not sent or not secrets.compare_digest(sent, session["csrf"]):
                return _page("error.html", 400, message=w["expired"])
        if g.user is None and request.endpoint not in OPEN_ENDPOINTS:
            if request.method == "GET":
                here = request.full_path.removesuffix("?")
                return redirect(f"/signin?next={quote(_local_path(here), safe='/')}")
            return _page("error.html", 401, message=w["expired"])
        signed_in = g.user is not None and request.url_rule is not None
        if signed_in and not allowed(request.endpoint, g.role):  # a route with no rule: nobody
            return _page("error.html", 403, message=w["forbidden"])
        return None

    @app.after_request
    def _after(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy", CSP)
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
        role = g.get("role")

        def can(minimum: str) -> bool:
            return role is not None and role_at_least(role, minimum)

        return {"w": w, "user": g.get("user"), "csrf": session.get("csrf", ""),
                "lang": office.profile.language, "new_op": card_uc.new_op_id, "role": role,
                "can": can, "silent": office.silent_minutes()}  # fmt: skip

    def _page(template: str, status: int = 200, **values: Any) -> Response:
        return Response(render_template(template, **values), status=status)

    def _error(exc: CrmError, back: str) -> Response:
        """An error page in staff's words: a use case's error names no command-line
        option; a problem's field is named as the form names it."""
        status = 404 if isinstance(exc, NotFoundError) else 409 if exc.exit_code == 75 else 400
        details, hint = _worded(exc)
        return _page("error.html", status, message=exc.message, hint=hint,
                     details=details, back=back)  # fmt: skip

    def _worded(exc: CrmError) -> tuple[list[str], str | None]:
        """A use case's problems and hint in staff's words (the form's field names)."""
        details: list[str] = []
        hint = exc.hint
        if isinstance(exc, InputError):
            details = [_problem(p) for p in exc.problems]
            if exc.reason == "shared_phone":
                hint = w["shared_phone"]
        return details, hint

    def _problem(problem: Problem) -> str:
        if problem.field and not problem.column:
            return f"{w.get(problem.field, problem.field)}: {problem.message}"
        return str(problem)

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
        sid = office.sessions.start(user.name)
        session.update(user=user.name, gen=user.generation, sid=sid,
                       csrf=secrets.token_urlsafe(24))  # fmt: skip
        return redirect(nxt)

    @app.post("/signout")
    def signout() -> BaseResponse:
        office.sessions.end(session.get("sid", ""))  # a copy of the cookie stops working too
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
        view = _card_view(contact, acc)
        view["prefill"] = _prefill(acc, request.args.get("inbox", ""))
        return _page("card.html", **view, done=_done_message())

    def _prefill(acc: Any, entry_id: str) -> dict[str, Any]:
        """The log form filled in from a call to log (direction, time, duration)."""
        found = calls_uc.entry(acc, int(entry_id)) if entry_id.isdigit() else None
        if found is None:
            return {}
        return {"inbox": found.id, "direction": found.entry.direction,
                "at": found.at.isoformat(timespec="seconds"), "when": _when(found)}  # fmt: skip

    def _when(item: Any) -> str:
        at = item.at
        day = w["today"] if at.date() == dates.today() else at.date().isoformat()
        text = f"{day} {at:%H:%M}"
        seconds = item.entry.duration
        if seconds:
            text += " · " + w["duration"].format(m=seconds // 60, s=seconds % 60)
        return text

    def _card_again(cid: str, form: str, exc: CrmError) -> Response:
        """The card page again, the failed form holding what was typed and why it failed."""
        acc = office.reader()
        contact = acc.contacts.get(f"people/{cid}")
        if contact is None:
            abort(404)
        status = 404 if isinstance(exc, NotFoundError) else 409 if exc.exit_code == 75 else 400
        details, hint = _worded(exc)
        fields = {k: v for k, v in request.form.items() if k not in ("csrf", "op")}
        sent = {"form": form, "problem": exc.message, "hint": hint, "details": details,
                "fields": fields, "op": _op_id() or ""}  # fmt: skip
        return _page("card.html", status, **{**_card_view(contact, acc), "sent": sent}, done="")

    def _card_crashed(cid: str, form: str, exc: Exception) -> Response:
        """An unexpected error on a card write: logged as any crash (route and type,
        no client data), and the card page again with what was typed kept."""
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        app.logger.error("Exception on %s [%s]\n%s", rule, request.method,
                         private_traceback(exc).rstrip())  # fmt: skip
        resp = _card_again(cid, form, CrmError(w["error"]))
        resp.status_code = 500
        return resp

    def _done_message() -> str:
        done = request.args.get("done", "")
        n = request.args.get("n", "")
        if done == "same":
            return w["unchanged"]
        if done == "queued" and office.silent_since is None:  # the account answers, slowly
            return w["queued_slow"]
        key = {"call": "done_call", "open": "done_open", "step": "done_step",
               "close": "done_close", "new": "done_new", "queued": "queued"}.get(done)  # fmt: skip
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
            "pending": _pending(contact.resource_name or "", labels),
            "dialer": dialer_view(parsed, settings),
            "orders": orders,
            "calls": calls,
            "stages": [(k, n) for k, n in stages if k not in labels.final_stages]
            + [(labels.done_stage, labels.stage_name(labels.done_stage))],
            "directions": [(d, labels.direction(d)) for d in DIRECTIONS],
            "outcomes": [(o, labels.outcome(o)) for o in OUTCOMES],
            "today": dates.today().isoformat(),
            "prefill": {},
            "sent": None,
        }

    def _pending(rn: str, labels: Any) -> list[dict[str, str]]:
        """The card writes of this client saved on the PC and not in the account yet
        (the signed-in person's own first)."""
        rows = []
        for _op, card_op in office.pending(rn):
            row = {"on": f"{card_op.at:%Y-%m-%d %H:%M}", "who": card_op.who, "comment": "",
                   "mine": card_op.who == g.user}  # fmt: skip
            if isinstance(card_op, LogCall):
                row["line"] = labels.direction(card_op.direction) + (
                    f" · {labels.outcome(card_op.outcome)}" if card_op.outcome else ""
                )
                if card_op.callback_on:
                    row["line"] += f" {card_op.callback_on.isoformat()}"
                row["comment"] = card_op.comment
            elif isinstance(card_op, OpenOrder):
                row["line"] = w["pending_open"].format(what=card_op.what)
            elif isinstance(card_op, StepOrder):
                row["line"] = w["pending_step"].format(
                    n=card_op.order_no, stage=labels.stage_name(card_op.stage)
                )
                row["comment"] = card_op.comment
            else:
                key = "pending_cancel" if card_op.cancelled else "pending_close"
                row["line"] = w[key].format(n=card_op.order_no)
                row["comment"] = card_op.comment
            rows.append(row)
        return sorted(rows, key=lambda r: not r["mine"])

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
            if callback_on and outcome is None:
                outcome = "callback"
            at = _form_at()
            card_uc.check_call(direction, outcome, callback_on, (at or card_uc.now()).date())
            saved = _save(rn, LogCall, comment=request.form.get("comment", "").strip(),
                          direction=direction, outcome=outcome, callback_on=callback_on,
                          at=at)  # fmt: skip
        except CrmError as exc:
            return _card_again(cid, "call", exc)
        except Exception as exc:  # a bug: logged without client data, the form kept
            return _card_crashed(cid, "call", exc)
        entry_id = request.form.get("inbox", "")
        if entry_id.isdigit():  # logged from the inbox: the call leaves every inbox
            calls_uc.logged(office.reader(), int(entry_id), by=g.user)
        return redirect(f"{back}?done={_done(saved, 'call')}")

    @app.post("/c/<cid>/order")
    def open_order(cid: str) -> BaseResponse:
        rn, back = _target(cid), f"/c/{cid}"
        try:
            saved = _save(rn, OpenOrder, what=request.form.get("what", "").strip(),
                          amount=_form_amount())  # fmt: skip
        except CrmError as exc:
            return _card_again(cid, "order", exc)
        except Exception as exc:  # a bug: logged without client data, the form kept
            return _card_crashed(cid, "order", exc)
        return redirect(f"{back}?done={_done(saved, 'open')}&n={saved.result.get('order') or ''}")

    @app.post("/c/<cid>/order/<int:number>/step")
    def step_order(cid: str, number: int) -> BaseResponse:
        rn, back = _target(cid), f"/c/{cid}"
        try:
            saved = _save(rn, StepOrder, order_no=number, stage=request.form.get("stage", ""),
                          comment=request.form.get("comment", "").strip(),
                          amount=_form_amount())  # fmt: skip
        except CrmError as exc:
            return _card_again(cid, f"step-{number}", exc)
        except Exception as exc:  # a bug: logged without client data, the form kept
            return _card_crashed(cid, f"step-{number}", exc)
        return redirect(f"{back}?done={_done(saved, 'step')}&n={number}")

    @app.post("/c/<cid>/order/<int:number>/close")
    def close_order(cid: str, number: int) -> BaseResponse:
        rn, back = _target(cid), f"/c/{cid}"
        try:
            saved = _save(rn, CloseOrder, order_no=number,
                          cancelled=request.form.get("cancelled") == "1",
                          amount=_form_amount(),
                          comment=request.form.get("comment", "").strip())  # fmt: skip
        except CrmError as exc:
            return _card_again(cid, f"close-{number}", exc)
        except Exception as exc:  # a bug: logged without client data, the form kept
            return _card_crashed(cid, f"close-{number}", exc)
        return redirect(f"{back}?done={_done(saved, 'close')}&n={number}")

    def _save(rn: str, kind: type, *, at: datetime | None = None, **fields: Any) -> Saved:
        """A card write from the page: checked against the card as the local copy has
        it, journalled, queued on the contact's lane; answered within a second."""
        acc = office.reader()
        contact = acc.contacts.get(rn)
        if contact is None:
            abort(404)
        op = card_uc.prepare(acc, kind, by=g.user, at=at, op_id=_op_id(), **fields)
        card_uc.check(acc, contact, op)
        saved = office.save(rn, op)
        if saved.refused:  # the card changed meanwhile: nothing was written
            raise UsageError(saved.refused)
        return saved

    def _done(saved: Saved, what: str) -> str:
        if not saved.landed:
            return "queued"
        return what if saved.result.get("changed") else "same"

    def _form_at() -> datetime | None:
        """The call's time when the form was filled in from a call event."""
        text = request.form.get("at", "").strip()
        try:
            return datetime.fromisoformat(text) if text else None
        except ValueError:
            return None

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
        entry_id = form.get("inbox", "")
        entry_id = entry_id if entry_id.isdigit() else ""
        if request.method == "GET":
            return _page("new.html", groups=groups, phone=form.get("phone", ""),
                         name=form.get("name", ""), company="", group="",
                         inbox=entry_id)  # fmt: skip
        group = form.get("group", "").strip()
        try:
            contact = office.write(
                contact_uc.add_contact, form.get("name", "").strip(),
                phone_numbers=[p for p in [form.get("phone", "").strip()] if p],
                organization=form.get("company", "").strip(),
                groups=[group] if group else [],
            )  # fmt: skip
        except CrmError as exc:
            details, hint = _worded(exc)
            return _page("new.html", 404 if isinstance(exc, NotFoundError) else 400,
                         groups=groups, phone=form.get("phone", ""), name=form.get("name", ""),
                         company=form.get("company", ""), group=group, problem=exc.message,
                         hint=hint, details=details, inbox=entry_id)  # fmt: skip
        if entry_id:
            calls_uc.attach(office.reader(), int(entry_id), contact)
            return redirect(_card_url(contact) + f"?done=new&inbox={entry_id}")
        return redirect(_card_url(contact) + "?done=new")

    # --------------------------------------------------------------- today
    @app.get("/today")
    def today() -> BaseResponse:
        acc = office.reader()
        items = callbacks_report(acc, today=dates.today())
        me = (g.user or "").casefold()
        rows = [{"cid": cb.resource_name.removeprefix("people/"), "name": cb.name,
                 "phone": cb.phone, "detail": cb.reasons[0].detail, "overdue": cb.overdue,
                 "mine": (cb.last_contact_by or "").casefold() == me,
                 "nobodys": not cb.last_contact_by}
                for cb in items]  # fmt: skip
        to_log = [_to_log_row(t, acc) for t in calls_uc.inbox(acc, g.user)]
        missed = [_missed_row(m) for m in calls_uc.missed_calls(acc)]
        # everyone's lists are for managers; staff see theirs and the ones nobody has yet
        everyone = role_at_least(g.role or "", "manager")
        others = [r for r in rows if not r["mine"] and (everyone or r["nobodys"])]
        return _page("today.html", mine=[r for r in rows if r["mine"]], others=others,
                     others_title=w["everyone"] if everyone else w["unowned"], missed=missed,
                     to_log_today=[r for r in to_log if r["today"]],
                     to_log_earlier=[r for r in to_log if not r["today"]])  # fmt: skip

    def _to_log_row(item: Any, acc: Any) -> dict[str, Any]:
        labels = card_settings(acc.profile).labels
        c = item.contact
        return {"id": item.id, "name": c.display_name if c else "",
                "phone": item.entry.number, "national": phones.format_national(item.entry.number),
                "direction": labels.direction(item.entry.direction), "when": _when(item),
                "today": item.at.date() == dates.today()}  # fmt: skip

    def _missed_row(m: Any) -> dict[str, Any]:
        at = m.last_at
        last = f"{at:%H:%M}" if at.date() == dates.today() else f"{at:%Y-%m-%d %H:%M}"
        return {"name": m.contact.display_name if m.contact else "",
                "cid": (m.contact.resource_name or "").removeprefix("people/") if m.contact else "",
                "phone": m.number, "national": phones.format_national(m.number),
                "detail": w["missed_detail"].format(n=m.count, last=last)}  # fmt: skip

    # ----------------------------------------------------------- dashboard
    figures = office.figures
    app.extensions["crm_figures"] = figures

    def warm_dashboard() -> None:
        """Count the usual view (this month, every group) ahead of the first look."""
        today = dates.today()
        figures.warm((None, None, None, today), office.changes.stamp, lambda: dashboard_figures(
            office.reader(), since=None, until=None, group=None, today=today))  # fmt: skip

    app.extensions["crm_warm_dashboard"] = warm_dashboard

    @app.get("/dashboard")
    def dashboard() -> BaseResponse:
        """The office's figures for a period and a group (managers and admins)."""
        today = dates.today()
        args = request.args
        try:
            since = parse_day(args["since"], w["dash_since"]) if args.get("since") else None
            until = parse_day(args["until"], w["dash_until"]) if args.get("until") else None
            group = args.get("group", "").strip() or None
            if group:  # a group that does not exist: said at once, never kept
                find_group(office.reader(), group)
            key = (since, until, group.casefold() if group else None, today)
            kept = figures.get(key, office.changes.stamp, lambda: dashboard_figures(
                office.reader(), since=since, until=until, group=group, today=today))  # fmt: skip
        except CrmError as exc:
            return _error(exc, "/dashboard")
        labels = card_settings(office.profile).labels
        values = page_values(kept.value, w, labels, office.profile.language)
        stale = "" if kept.fresh else w["dash_stale_note"].format(at=f"{kept.wall:%H:%M}")
        return _page("dashboard.html", **values, stale_note=stale)

    # --------------------------------------------------------- calls to log
    @app.get("/inbox/<int:entry_id>")
    def open_entry(entry_id: int) -> BaseResponse:
        """One tap: the client's card with the log form filled in (or a new client)."""
        found = calls_uc.entry(office.reader(), entry_id)
        if found is None:
            abort(404)
        if found.contact is None:
            return redirect(f"/new?phone={quote(found.entry.number)}&inbox={entry_id}")
        return redirect(_card_url(found.contact) + f"?inbox={entry_id}#log-call")

    @app.post("/inbox/<int:entry_id>/dismiss")
    def dismiss_entry(entry_id: int) -> BaseResponse:
        calls_uc.dismiss(office.reader(), entry_id, by=g.user or "")
        return redirect("/today")

    @app.post("/calls/tapped")
    def tapped() -> Response:
        """The page's script: a number was tapped (the call will want logging)."""
        try:
            entry_id = calls_uc.tapped(office.reader(), request.form.get("number", ""),
                                       who=g.user or "")  # fmt: skip
        except CrmError as exc:
            return _json({"error": exc.message}, 400)
        return _json({"id": entry_id, "url": f"/inbox/{entry_id}"})

    # ---------------------------------------------------------- call events
    @app.post("/events/call")
    def call_event() -> Response:
        """A phone or PBX reports a call (token in ?token= or Authorization: Bearer)."""
        sent = request.args.get("token", "")
        auth = request.headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            sent = auth[7:].strip()
        source = office.staff_now().token_name(sent)
        if source is None:
            return Response("", status=403, mimetype="text/plain")
        body = request.get_json(silent=True) if request.is_json else None
        fields: Any = body if isinstance(body, dict) else request.values  # form or URL
        staff = office.staff_now()
        try:
            if isinstance(body, dict):
                pbx = calls_uc.from_yeastar(body)
                if pbx == {}:
                    return _json({"ok": True, "new": False, "ignored": "internal call"})
                fields = pbx if pbx is not None else body
            who_user = staff.user(str(fields.get("who") or ""))
            new = calls_uc.record_call_event(
                office.reader(),
                number=str(fields.get("number") or ""),
                direction=calls_uc.parse_direction(str(fields.get("direction") or "")),
                start=calls_uc.parse_start(str(fields.get("start") or ""), datetime.now(UTC)),
                duration=calls_uc.parse_duration(fields.get("duration")),
                who=who_user.name if who_user else "",
                source=source,
                call_id=str(fields.get("id") or "")[:200],
            )
        except CrmError as exc:
            return _json({"ok": False, "error": exc.message}, 400)
        return _json({"ok": True, "new": new}, 201 if new else 200)

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

    add_alerts_page(app, office, w, _page)
    return app


# ------------------------------------------------------------------ helpers
def _json(body: dict[str, Any], status: int = 200) -> Response:
    resp = jsonify(body)
    resp.status_code = status
    return resp


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
