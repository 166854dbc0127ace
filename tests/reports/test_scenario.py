"""Every figure of summary, callbacks and activity for the office in conftest.py.

The expected values below were worked out by hand from the office's history
(see the conftest docstring), not by running the code. Today = 2026-11-20.

Groups after the group rules ran (templates/group_rules.toml):
  W1 Wholesale + Returning (2nd delivered order; Customer came and went)
  W2 Wholesale; R1, R2, R3 Retail
  N1, N2, N3 New + Call back (interested / call-back call with no open order)
  L1 Leads + Customer (Call back left on order open; first delivery -> Customer)
  L2, L3 Leads; X1 no group
Leads (lead group Leads/Call back or interest call; no order): N1 N2 N3 L2 L3 = 5.
Converted (prospect with an order): L1 = 1.
"""

from __future__ import annotations

from typing import Any


def by(items: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    return next(i for i in items if i[key] == value)


def _group(**figures: Any) -> dict[str, Any]:
    base = {
        "clients": 0, "leads": 0, "converted": 0, "conversion": None, "openOrders": 0,
        "openByStage": {"new": 0, "confirmed": 0, "paid": 0, "shipped": 0}, "openAmount": 0,
        "completed": 0, "completedAmount": 0, "cancelled": 0, "cancelledAmount": 0,
        "lastContact": {"days7": 0, "days30": 0, "older": 0, "never": 0},
    }  # fmt: skip
    for key, value in figures.items():
        if isinstance(value, dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


# Last contact (days before 11-20): W1 11-10 (10, ≤30), W2 11-12 (8, ≤30), R1 11-15 (5, ≤7),
# R2 11-18 (2, ≤7), R3 09-01 (80, older), N1 11-17 (3, ≤7), N2 10-20 (31, older),
# N3 11-01 (19, ≤30), L1 10-25 (26, ≤30), L2 never, L3 11-19 (1, ≤7), X1 never (its only
# call, 11-09, was missed: a missed call is not a contact).
NOVEMBER_GROUPS = {
    # N1 N2 N3: leads, no orders; contact 3 d, 31 d, 19 d
    "Call back": _group(clients=3, leads=3, conversion=0.0,
                        lastContact={"days7": 1, "days30": 1, "older": 1}),
    # L1: converted (order delivered 10-25, so nothing in November)
    "Customer": _group(clients=1, converted=1, conversion=1.0, lastContact={"days30": 1}),
    # L1 converted, L2 + L3 leads -> 1/3; L3 1 d, L1 26 d, L2 never
    "Leads": _group(clients=3, leads=2, converted=1, conversion=0.333,
                    lastContact={"days7": 1, "days30": 1, "never": 1}),
    "New": _group(clients=3, leads=3, conversion=0.0,
                  lastContact={"days7": 1, "days30": 1, "older": 1}),
    # R1 confirmed 1 500, R2 order 2 paid 2 600 (amount raised at the step); R2 order 1
    # (4 000) cancelled 11-05
    "Retail": _group(clients=3, openOrders=2, openByStage={"confirmed": 1, "paid": 1},
                     openAmount=4100, cancelled=1, cancelledAmount=4000,
                     lastContact={"days7": 2, "older": 1}),
    # W1 order 2 (5 000) delivered 11-10
    "Returning": _group(clients=1, completed=1, completedAmount=5000, lastContact={"days30": 1}),
    # W2 order 1 shipped 20 000 + order 2 new 3 000; W1 order 2 delivered 5 000
    "Wholesale": _group(clients=2, openOrders=2, openByStage={"new": 1, "shipped": 1},
                        openAmount=23000, completed=1, completedAmount=5000,
                        lastContact={"days30": 2}),
    "(no group)": _group(clients=1, lastContact={"never": 1}),  # X1: only a missed call
}  # fmt: skip

NOVEMBER_TOTAL = _group(
    clients=12, leads=5, converted=1, conversion=0.167,  # 1 / (5 + 1)
    openOrders=4, openByStage={"new": 1, "confirmed": 1, "paid": 1, "shipped": 1},
    openAmount=27100,  # 20 000 + 3 000 + 1 500 + 2 600
    completed=1, completedAmount=5000, cancelled=1, cancelledAmount=4000,
    lastContact={"days7": 4, "days30": 4, "older": 2, "never": 2},  # R1 R2 N1 L3 / W1 W2 N3 L1
)  # fmt: skip

# November 1-20 in the journal:
#  Anna: call N1 (in, interested); W2 paid, R1 open, R1 confirmed
#  Ivan: call N3 (in, callback), call X1 (missed); W1 open #2, R2 cancel #1 (4 000),
#        W2 shipped, R2 open #2
#  Olga: call L3 (out, not_interested); W2 open, W2 confirmed, W1 delivered #2 (5 000),
#        W2 open #2, R2 paid
NOVEMBER_EMPLOYEES = [
    {"who": "Anna", "calls": 1, "orderSteps": 3, "ordersCompleted": 0, "ordersCancelled": 0,
     "amountCompleted": 0},
    {"who": "Ivan", "calls": 2, "orderSteps": 4, "ordersCompleted": 0, "ordersCancelled": 1,
     "amountCompleted": 0},
    {"who": "Olga", "calls": 1, "orderSteps": 5, "ordersCompleted": 1, "ordersCancelled": 0,
     "amountCompleted": 5000},
]  # fmt: skip


def test_summary_this_month_every_figure(office) -> None:
    data = office.json("summary")
    period = (data["since"], data["until"], data["today"])
    assert period == ("2026-11-01", "2026-11-20", "2026-11-20")
    assert data["group"] is None
    assert [g["group"] for g in data["groups"]] == list(NOVEMBER_GROUPS)
    for g in data["groups"]:
        assert g == {"group": g["group"], **NOVEMBER_GROUPS[g["group"]]}, g["group"]
    assert data["total"] == {"group": "(all)", **NOVEMBER_TOTAL}
    assert data["employees"] == NOVEMBER_EMPLOYEES


def test_summary_last_month_counts_october_closes(office) -> None:
    data = office.json("summary", "--since", "2026-10-01", "--until", "31.10.2026")
    closed = {g["group"]: (g["completed"], g["completedAmount"], g["cancelled"])
              for g in data["groups"] if g["completed"] or g["cancelled"]}  # fmt: skip
    # W1 order 1 (10 000, Olga, 10-20) -> Wholesale, Returning; L1 order 1 (800, Anna,
    # 10-25) -> Leads, Customer. The cancel of R2 happened 11-05: not in October.
    assert closed == {"Customer": (1, 800, 0), "Leads": (1, 800, 0),
                      "Returning": (1, 10000, 0), "Wholesale": (1, 10000, 0)}  # fmt: skip
    total = data["total"]
    assert (total["completed"], total["completedAmount"], total["cancelled"]) == (2, 10800, 0)
    # October: Anna call L1 + open L1 + deliver L1; Ivan open W1, open R2; Olga deliver W1,
    # call N2.
    assert data["employees"] == [
        {"who": "Anna", "calls": 1, "orderSteps": 2, "ordersCompleted": 1, "ordersCancelled": 0,
         "amountCompleted": 800},
        {"who": "Ivan", "calls": 0, "orderSteps": 2, "ordersCompleted": 0, "ordersCancelled": 0,
         "amountCompleted": 0},
        {"who": "Olga", "calls": 1, "orderSteps": 1, "ordersCompleted": 1, "ordersCancelled": 0,
         "amountCompleted": 10000},
    ]  # fmt: skip
    # Current state does not depend on the period.
    assert total["openOrders"] == 4 and total["leads"] == 5


def test_summary_one_group(office) -> None:
    data = office.json("summary", "--group", "wholesale")
    assert data["group"] == "Wholesale"
    assert [g["group"] for g in data["groups"]] == ["Wholesale"]
    assert data["groups"][0] == {"group": "Wholesale", **NOVEMBER_GROUPS["Wholesale"]}
    assert data["total"] == {"group": "Wholesale", **NOVEMBER_GROUPS["Wholesale"]}


def test_callbacks_every_entry(office) -> None:
    data = office.json("callbacks")["callbacks"]
    # R3: Retail every 60 d, last contact 09-01 = 80 d -> 20 overdue
    # L1: Leads 7 d (shorter than Customer 45), 10-25 = 26 d -> 19; its interested call of
    #     10-01 was followed by an order (10-15): no interest reason
    # N2: interested 10-20, 31 d > 14 -> 17; also New every 21 d -> 31 - 21 = 10
    # N3: call back on 11-10 -> 10; New 21 d, 19 d since 11-01: within
    # N1 interested only 3 d ago; L3 not interested; X1 (no group, only a missed call) is
    # not a lead. L2 (Kappa Lead, in Leads) was never contacted: listed, overdue 0.
    assert [(c["name"], c["reason"], c["overdueDays"]) for c in data] == [
        ("Epsilon Retail", "stay_in_touch", 20),
        ("Iota Lead", "stay_in_touch", 19),
        ("Eta New", "interested", 17),
        ("Theta New", "callback_due", 10),
        ("Kappa Lead", "never_contacted", 0),
    ]
    assert [c["phone"] for c in data] == ["+79161000005", "+79161000009", "+79161000007",
                                          "+79161000008", "+79161000010"]  # fmt: skip
    assert [(c["lastContact"], c["lastContactBy"]) for c in data] == [
        ("2026-09-01", "Ivan"), ("2026-10-25", "Anna"), ("2026-10-20", "Olga"),
        ("2026-11-01", "Ivan"), (None, None),
    ]  # fmt: skip
    assert by(data, "name", "Kappa Lead")["detail"] == "never contacted"
    eta = by(data, "name", "Eta New")
    assert [(r["reason"], r["overdueDays"], r["since"]) for r in eta["reasons"]] == [
        ("interested", 17, "2026-11-03"),  # 10-20 + 14 days
        ("stay_in_touch", 10, "2026-11-10"),  # 10-20 + 21 days
    ]
    assert eta["groups"] == ["New", "Call back"]
    assert by(data, "name", "Theta New")["detail"] == (
        "asked to call back on 2026-11-10: call me later"
    )


def test_callbacks_days_and_group(office) -> None:
    # --days 30: N2's interest is 31 - 30 = 1 overdue, so its stay-in-touch (10) leads;
    # N2 and N3 tie at 10 and sort by name.
    data = office.json("callbacks", "--days", "30")["callbacks"]
    assert [(c["name"], c["reason"], c["overdueDays"]) for c in data] == [
        ("Epsilon Retail", "stay_in_touch", 20),
        ("Iota Lead", "stay_in_touch", 19),
        ("Eta New", "stay_in_touch", 10),
        ("Theta New", "callback_due", 10),
        ("Kappa Lead", "never_contacted", 0),
    ]
    data = office.json("callbacks", "--group", "New")["callbacks"]
    assert [c["name"] for c in data] == ["Eta New", "Theta New"]
    # 2 days: N1's interested call of 11-17 is 3 days old -> 1 overdue.
    data = office.json("callbacks", "--days", "2", "--group", "New")["callbacks"]
    assert [(c["name"], c["reason"], c["overdueDays"]) for c in data] == [
        ("Eta New", "interested", 29), ("Theta New", "callback_due", 10),
        ("Zeta New", "interested", 1),
    ]  # fmt: skip


def _activity(who: str, calls: int, direction: dict, outcome: dict, steps: dict,
              opened: int, completed: int, cancelled: int, amount_completed: int,
              amount_cancelled: int) -> dict[str, Any]:  # fmt: skip
    stages = {"new": 0, "confirmed": 0, "paid": 0, "shipped": 0, "delivered": 0, "cancelled": 0}
    return {
        "who": who, "calls": calls,
        "callsByDirection": {"in": 0, "out": 0, "missed": 0, **direction},
        "callsByOutcome": {"interested": 0, "not_interested": 0, "callback": 0, "ordered": 0,
                           "none": 0, **outcome},
        "orderSteps": sum(steps.values()), "stepsByStage": {**stages, **steps},
        "ordersOpened": opened, "ordersCompleted": completed, "ordersCancelled": cancelled,
        "amountCompleted": amount_completed, "amountCancelled": amount_cancelled,
    }  # fmt: skip


def test_activity_every_figure(office) -> None:
    data = office.json("activity")
    assert (data["since"], data["until"], data["who"]) == ("2026-11-01", "2026-11-20", None)
    assert data["employees"] == [
        _activity("Anna", 1, {"in": 1}, {"interested": 1},
                  {"new": 1, "confirmed": 1, "paid": 1}, 1, 0, 0, 0, 0),
        _activity("Ivan", 2, {"in": 1, "missed": 1}, {"callback": 1, "none": 1},
                  {"new": 2, "shipped": 1, "cancelled": 1}, 2, 0, 1, 0, 4000),
        _activity("Olga", 1, {"out": 1}, {"not_interested": 1},
                  {"new": 2, "confirmed": 1, "paid": 1, "delivered": 1}, 2, 1, 0, 5000, 0),
    ]  # fmt: skip
    assert data["total"] == _activity(
        "(all)",
        4,
        {"in": 2, "out": 1, "missed": 1},
        {"interested": 1, "not_interested": 1, "callback": 1, "none": 1},
        {"new": 5, "confirmed": 2, "paid": 2, "shipped": 1, "delivered": 1, "cancelled": 1},
        5,
        1,
        1,
        5000,
        4000,
    )
    assert "events" not in data


def test_activity_one_employee_with_events(office) -> None:
    data = office.json("activity", "--who", "olga", "--since", "2026-10-01", "--events")
    # Olga since 10-01: deliver W1 #1 (10-20), call N2 (10-20), then November's five steps
    # and one call.
    assert [e["who"] for e in data["employees"]] == ["Olga"]
    olga = data["employees"][0]
    assert (olga["calls"], olga["orderSteps"], olga["ordersCompleted"],
            olga["amountCompleted"]) == (2, 6, 2, 15000)  # fmt: skip
    assert [(e["at"][:10], e["kind"], e["contactName"]) for e in data["events"]] == [
        ("2026-10-20", "order_close", "Alpha Wholesale"),
        ("2026-10-20", "call", "Eta New"),
        ("2026-11-02", "order_open", "Beta Wholesale"),
        ("2026-11-04", "order_step", "Beta Wholesale"),
        ("2026-11-10", "order_close", "Alpha Wholesale"),
        ("2026-11-12", "order_open", "Beta Wholesale"),
        ("2026-11-18", "order_step", "Delta Retail"),
        ("2026-11-19", "call", "Lambda Lead"),
    ]
