"""Shared card samples and hypothesis strategies for the card tests."""

from __future__ import annotations

from hypothesis import strategies as st

EXAMPLE = """\
Wholesale · last contact 2026-11-20 (Olga)
Order 17 · paid · 12 500
  2026-11-18 new: 40 boxes of tiles (Ivan)
  2026-11-19 paid 12 500 (Olga)
Order 16 · delivered 2026-11-01 · 8 400 (Ivan)
Calls
  2026-11-20 in (Olga): asks when delivery comes
  2026-11-12 out (Ivan): no answer
--
Prefers calls after 14:00. His wife Anna orders too."""

# realistic lines in every language, plus lines that look almost like card lines
POOL = [
    "Wholesale · last contact 2026-11-20 (Olga)",
    "последний контакт 2026-10-01 (Ольга)",
    "son görüşme 2026-09-09 (Ayşe)",
    "Order 3 · paid · 12 500",
    "Order 5 · new",
    "Заказ 2 · новый",
    "Sipariş 4 · kargoda · 1 200,50",
    "  2026-11-18 new: 40 boxes (Ivan)",
    "  2026-11-19 paid 12 500 (Olga)",
    "  2026-11-20 отправлен: СДЭК (Иван)",
    "  2026-11-21 delivered (Olga)",
    "Order 1 · delivered 2026-11-01 · 8 400 (Ivan)",
    "Заказ 6 · отменён 2026-08-01 (Иван)",
    "Orders 1–5 · 5 closed · 40 000",
    "Calls",
    "Звонки",
    "  2026-11-20 in (Olga): asks",
    "  2026-11-12 исходящий (Иван): нет ответа",
    "  2026-11-11 gelen (Ali) · geri ara 2026-11-30: fiyat",
    "  2026-11-10 missed (Olga)",
    "",
    "  ",
    "random text",
    "Order",
    "Order x",
    "Orders 1- · closed",
    "2026-13-45 in (x)",
    "  2026-11-20 teleported (Olga)",
    "last contact 2026-02-30",
    "Calls: 5",
    "(Olga)",
    "\t2026-11-20 out\t(Olga):\ttab",
    "Order 9 · paid\r",
    "  2026-11-20 in (Olga): crlf\r",
]
FREE_POOL = ["Prefers calls after 14:00.", "--", "", "Жена Анна тоже заказывает.", "x (y)"]

line = st.one_of(st.sampled_from(POOL), st.text(max_size=30))


@st.composite
def card_texts(draw: st.DrawFn) -> str:
    """Random card-like texts: tool lines, maybe a separator and free text."""
    tool = draw(st.lists(line, max_size=14))
    text = "\n".join(tool)
    if draw(st.booleans()):
        free = draw(
            st.lists(st.one_of(st.sampled_from(FREE_POOL), st.text(max_size=20)), max_size=4)
        )
        text += "\n--\n" + "\n".join(free)
    return text
