"""Who may open which page: every route's minimum role, checked before the route runs.

``ROUTE_ROLES`` names every endpoint of the app. A route that is not in it is
refused to everyone (and ``tests/web/test_roles.py`` walks the app's URL map,
so a new route without a rule fails the suite). ``OPEN`` routes need no
sign-in (the sign-in page itself, static files, the install manifest);
``TOKEN`` routes are for a PBX or a phone's automation and check their token
themselves. The roles are ``staff.ROLES``: staff < manager < admin.
"""

from __future__ import annotations

from contacts_crm.web.staff import ROLES, role_at_least

OPEN = "open"  # no sign-in
TOKEN = "token"  # a PBX/automation token, checked by the route (no session)

ROUTE_ROLES: dict[str, str] = {
    # no sign-in
    "signin": OPEN,
    "static": OPEN,
    "manifest": OPEN,
    # a PBX or a phone's automation (token)
    "cid": TOKEN,
    "call_event": TOKEN,
    # the call pages: everyone signed in
    "signout": "staff",
    "lookup": "staff",
    "by_number": "staff",
    "card": "staff",
    "log_call": "staff",
    "open_order": "staff",
    "step_order": "staff",
    "close_order": "staff",
    "new_client": "staff",
    "today": "staff",
    "open_entry": "staff",
    "dismiss_entry": "staff",
    "tapped": "staff",
    # managers: the office's figures
    "dashboard": "manager",
    # admins: the alerts and what the digest sends did (web/alerts_page.py)
    "alerts": "admin",
}


def minimum_role(endpoint: str | None) -> str | None:
    """The route's rule: OPEN, TOKEN or a role; None for a route without a rule."""
    return ROUTE_ROLES.get(endpoint or "")


def allowed(endpoint: str | None, role: str | None) -> bool:
    """May a user of ``role`` (None: not signed in) use this route?"""
    rule = minimum_role(endpoint)
    if rule in (OPEN, TOKEN):
        return True
    if rule is None or role is None:
        return False
    return role_at_least(role, rule)


assert all(v in (OPEN, TOKEN, *ROLES) for v in ROUTE_ROLES.values())
