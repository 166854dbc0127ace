"""Which word of a typed name is the given name: decided by the words, not by their order.

Pure: no I/O. "Елена Павлова" and "Павлова Елена" are the same person: a list
of common Russian and Turkish given names, patronymics (-вич, -вна, оглы...)
and surname endings (-ов, -ева, -ский, -енко, -дзе, -oğlu...) decide which
word is which. Words are compared folded (``names.fold_word``), so "Elena
Pavlova" and "Pavlova Elena" are read the same way. When the words do not
tell, the usual order of the script is taken (Cyrillic: family first, as
Russian lists write it; Latin: given first) and ``sure`` is False, so the
caller can say so. Used by the importer and by ``crm add`` / ``edit --name``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from contacts_crm.contact.names import fold_word

_GIVEN = """
александр алексей анатолий андрей антон аркадий арсений артём артем артур богдан борис вадим
валентин валерий василий виктор виталий владимир владислав всеволод вячеслав геннадий георгий
герман глеб григорий даниил данил денис дмитрий евгений егор захар иван игорь илья кирилл
константин лев леонид максим марк матвей михаил никита николай олег павел пётр петр роман
руслан семён семен сергей станислав степан тимофей тимур фёдор федор филипп эдуард юрий
яков ярослав саша ваня петя коля миша дима серёжа сережа лёша леша вова женя паша костя
александра алина алиса алла анастасия ангелина анна антонина валентина валерия вера вероника
виктория галина дарья диана евгения екатерина елена елизавета жанна зинаида зоя инна ирина
карина кира кристина ксения лариса лидия любовь людмила маргарита марина мария милана надежда
наталья наталия нина оксана олеся ольга полина раиса светлана софья софия таисия тамара
татьяна ульяна юлия яна маша наташа таня катя оля лена света
mehmet mustafa ahmet ali hüseyin hasan ibrahim ismail osman yusuf murat ömer ramazan halil
süleyman abdullah mahmut recep salih fatih kadir emre hakan adem kemal yaşar bekir musa metin
serkan orhan burak gökhan uğur erkan cem can deniz emin ercan erdem ersin eren furkan kaan
kerem levent onur selim serdar sinan tolga volkan yasin yunus zeki barış baran berk alp alper
fatma ayşe emine hatice zeynep elif meryem şerife zehra sultan hanife merve havva zeliha esra
özlem yasemin leyla gül hülya derya ebru sevgi sibel songül aslı aylin ayten burcu büşra
canan dilek duygu ece emel esin gamze gizem gülşen hande ilknur kübra melek melike neslihan
nur pınar seda selin serap sevim tuba tuğba yeliz yıldız dilara irem sena buse
"""
_FAMILY = """
yılmaz kaya demir şahin çelik yıldırım öztürk aydın özdemir arslan doğan kılıç aslan çetin
kara koç kurt özkan şimşek polat korkmaz karataş erdoğan güneş akın aktaş tekin avcı bulut
"""
# Surname endings (folded, Latin): Russian, Ukrainian, Georgian, Armenian, Turkish/Azerbaijani.
_FAMILY_ENDINGS = (
    "ova", "eva", "ov", "ev", "in", "ina", "skii", "skaia", "ckii", "ckaia", "skoi", "ski",
    "ska", "enko", "uk", "iuk", "chuk", "dze", "shvili", "ian", "ianc", "ih", "oglu", "zade",
)  # fmt: skip
_PATRONYMIC = re.compile(
    r"(?:вич|вна|ична|инична|оглы|кызы|улы|vich|vna|ichna|ogly|kyzy|oğlu|qızı)$", re.I
)
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_TURKISH = re.compile(r"[çğıöşüÇĞİÖŞÜ]")


@dataclass(frozen=True)
class NameParts:
    """A personal name split: ``sure`` is False when the order was taken by custom."""

    given: str
    family: str
    middle: str = ""
    sure: bool = True


@functools.cache
def _given() -> frozenset[str]:
    return frozenset(fold_word(w) for w in _GIVEN.split())


@functools.cache
def _family() -> frozenset[str]:
    return frozenset(fold_word(w) for w in _FAMILY.split())


def is_given_name(word: str) -> bool:
    return fold_word(word) in _given()


def looks_like_family_name(word: str) -> bool:
    """A known surname, or one with a surname ending that is no known given name."""
    f = fold_word(word)
    if f in _family():
        return True
    if f in _given():
        return False
    return any(f.endswith(e) and len(f) >= len(e) + 3 for e in _FAMILY_ENDINGS)


def order_two(first: str, second: str) -> NameParts:
    """Two words of one name, in whichever order they were typed."""
    if _PATRONYMIC.search(second) and not _PATRONYMIC.search(first):
        return NameParts(first, "", second)  # "Иван Сергеевич": given + patronymic
    g1, g2 = is_given_name(first), is_given_name(second)
    if g1 != g2:
        return NameParts(first, second) if g1 else NameParts(second, first)
    f1, f2 = looks_like_family_name(first), looks_like_family_name(second)
    if f1 != f2:
        return NameParts(second, first) if f1 else NameParts(first, second)
    if _CYRILLIC.search(first + second):
        return NameParts(second, first, sure=False)
    return NameParts(first, second, sure=not _TURKISH.search(first + second))


def order_three(a: str, b: str, c: str) -> NameParts | None:
    """Three words with a patronymic: "Петров Иван Сергеевич", "Иван Сергеевич Петров"."""
    if _PATRONYMIC.search(c):
        return NameParts(b, a, c)
    if _PATRONYMIC.search(b):
        return NameParts(a, c, b)
    return None


_PATRONYMIC_WEAK = re.compile(r"(?:ич|ich)$", re.I)  # Ильич, Фомич, Кузьмич (also surnames)
_PATRONYMIC_WORD = {"оглы", "кызы", "улы", "ogly", "kyzy", "oğlu", "qızı", "оглу"}


def split_words(name: str) -> NameParts:
    """A personal name typed as words (no comma): given, family and middle name.

    A patronymic (-вич, -вна, -ична, -ич, -оглы, -кызы) in third place means
    "Петров Иван Сергеевич", in second "Иван Ильич Петров"; two words are
    told apart by what they are (``order_two``); otherwise the last word is the
    family name ("Mehmet Ali Yılmaz").
    """
    words = name.split()
    if not words:
        return NameParts("", "")
    if len(words) == 1:
        return NameParts(words[0], "")
    if len(words) == 4 and words[3].casefold() in _PATRONYMIC_WORD:  # Мамедов Али Гусейн оглы
        return NameParts(words[1], words[0], f"{words[2]} {words[3]}")
    if len(words) == 3:
        found = order_three(*words)
        if found:
            return found
        if _PATRONYMIC_WEAK.search(words[2]):
            return NameParts(words[1], words[0], words[2])
        if _PATRONYMIC_WEAK.search(words[1]):
            return NameParts(words[0], words[2], words[1])
    if len(words) == 2:
        return order_two(*words)
    return NameParts(" ".join(words[:-1]), words[-1])
