"""Realistic demo customers: Korean, Indian, European and American names,
e-mails and phone numbers, some without a phone, spread over two years."""

import datetime as dt
import random
import unicodedata
from collections.abc import Iterator

from django.utils import timezone

from customers.core.ids import new_id

# (given names, family names, e-mail domains, phone maker, locales)
KOREAN_GIVEN = [
    ("민준", "minjun"),
    ("서연", "seoyeon"),
    ("도윤", "doyun"),
    ("지우", "jiwoo"),
    ("하준", "hajun"),
    ("서윤", "seoyun"),
    ("예준", "yejun"),
    ("하은", "haeun"),
    ("지호", "jiho"),
    ("수아", "sua"),
    ("유진", "yujin"),
    ("현우", "hyunwoo"),
    ("지민", "jimin"),
    ("채원", "chaewon"),
    ("승현", "seunghyun"),
    ("다은", "daeun"),
]
KOREAN_FAMILY = [
    ("김", "kim"),
    ("이", "lee"),
    ("박", "park"),
    ("최", "choi"),
    ("정", "jung"),
    ("강", "kang"),
    ("조", "cho"),
    ("윤", "yoon"),
    ("장", "jang"),
    ("임", "lim"),
    ("한", "han"),
    ("오", "oh"),
    ("서", "seo"),
    ("신", "shin"),
]
INDIAN_GIVEN = [
    "Aarav",
    "Vivaan",
    "Aditya",
    "Ananya",
    "Diya",
    "Ishaan",
    "Priya",
    "Rohan",
    "Saanvi",
    "Arjun",
    "Kavya",
    "Neha",
    "Rahul",
    "Sneha",
    "Vikram",
    "Meera",
    "Karthik",
    "Lakshmi",
]
INDIAN_FAMILY = [
    "Sharma",
    "Patel",
    "Iyer",
    "Reddy",
    "Gupta",
    "Nair",
    "Singh",
    "Mehta",
    "Rao",
    "Kumar",
    "Joshi",
    "Desai",
    "Banerjee",
    "Pillai",
    "Chopra",
    "Menon",
]
EUROPEAN = [
    (
        ["Lukas", "Anna", "Felix", "Lena", "Jonas", "Mia", "Paul", "Clara"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner"],
        "de",
        "+4915",
    ),
    (
        ["Louis", "Chloé", "Hugo", "Léa", "Jules", "Camille", "Élodie", "Théo"],
        ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent"],
        "fr",
        "+336",
    ),
    (
        ["Mateo", "Lucía", "Hugo", "Sofía", "Martín", "Valeria", "Pablo", "Elena"],
        ["García", "Fernández", "López", "Martínez", "Sánchez", "Romero"],
        "es",
        "+346",
    ),
    (
        ["Lorenzo", "Giulia", "Matteo", "Chiara", "Leonardo", "Sofia"],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
        "it",
        "+393",
    ),
    (
        ["Jan", "Emma", "Daan", "Julia", "Sem", "Tess"],
        ["de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser"],
        "nl",
        "+316",
    ),
]
AMERICAN_GIVEN = [
    "James",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Sophia",
    "Mason",
    "Isabella",
    "Lucas",
    "Harper",
    "Elijah",
    "Amelia",
    "Benjamin",
    "Evelyn",
    "Jackson",
    "Abigail",
]
AMERICAN_FAMILY = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
]
DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "hey.com"]
KR_DOMAINS = ["naver.com", "kakao.com", "daum.net", "gmail.com"]
IN_DOMAINS = ["gmail.com", "rediffmail.com", "yahoo.co.in", "outlook.com"]
PLANS = ["starter", "pro", "team", "enterprise"]
SOURCES = ["google", "newsletter", "referral", "producthunt", "twitter", "partner"]
HISTORY = dt.timedelta(days=730)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _person(rng: random.Random) -> tuple[str, str, str, str, str]:
    """(display name, e-mail local part, domain, phone or '', locale)."""
    region = rng.random()
    if region < 0.25:
        (given, given_r), (family, family_r) = rng.choice(KOREAN_GIVEN), rng.choice(KOREAN_FAMILY)
        name = f"{family}{given}" if rng.random() < 0.7 else f"{given_r.title()} {family_r.title()}"
        phone = "+8210" + _digits(rng, 8)
        return name, f"{given_r}.{family_r}", rng.choice(KR_DOMAINS), phone, "ko"
    if region < 0.5:
        given, family = rng.choice(INDIAN_GIVEN), rng.choice(INDIAN_FAMILY)
        phone = "+91" + rng.choice("6789") + _digits(rng, 9)
        return f"{given} {family}", f"{given}.{family}".lower(), rng.choice(IN_DOMAINS), phone, "en"
    if region < 0.75:
        givens, families, locale, prefix = rng.choice(EUROPEAN)
        given, family = rng.choice(givens), rng.choice(families)
        phone = prefix + _digits(rng, 8)
        return (
            f"{given} {family}",
            f"{_ascii(given)}.{_ascii(family)}",
            rng.choice(DOMAINS),
            phone,
            locale,
        )
    given, family = rng.choice(AMERICAN_GIVEN), rng.choice(AMERICAN_FAMILY)
    phone = "+1" + rng.choice("2345678") + _digits(rng, 9)
    return f"{given} {family}", f"{given}.{family}".lower(), rng.choice(DOMAINS), phone, "en"


CUSTOMER_COLUMNS = [
    "id",
    "business_id",
    "name",
    "email",
    "phone_number",
    "metadata",
    "preferred_locale",
    "created_at",
    "updated_at",
]


def customer_rows(business_id: str, count: int, *, seed: int, start: int) -> Iterator[tuple]:
    """Rows for CUSTOMER_COLUMNS. `start` numbers the e-mails so they stay unique."""
    rng = random.Random(seed)
    now = timezone.now()
    for n in range(start, start + count):
        name, local, domain, phone, locale = _person(rng)
        if rng.random() < 0.2:
            phone = ""
        metadata = {}
        if rng.random() < 0.4:
            metadata = {"plan": rng.choice(PLANS), "source": rng.choice(SOURCES)}
        # More sign-ups recently than long ago, as a growing business has.
        created = now - HISTORY * (rng.random() ** 1.6)
        yield (
            new_id("cus"),
            business_id,
            name,
            f"{local}.{n}@{domain}",
            phone,
            metadata,
            locale if rng.random() < 0.8 else "",
            created,
            created,
        )
