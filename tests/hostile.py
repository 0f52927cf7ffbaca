"""The hostile-input corpus: every value the walk (tests/test_hostile_walk.py) sends to
every path parameter, query parameter, form field and JSON field of every URL.

Add a value here and every URL gets it; add a URL anywhere and the walk finds it.
Text values are Python strings; `form_bytes` turns one into what a browser would
put on the wire (a lone surrogate cannot be UTF-8, so it goes as the bytes of one,
which Django decodes to U+FFFD); in a JSON body, json.dumps writes it as the
escape "\udfff", which parses back into a lone surrogate.
"""

import json
import random
from urllib.parse import quote

TEXT = {
    "nul": "a\x00b",
    "nul_alone": "\x00",
    "surrogate": "\udfff",
    "long": "x" * 10_000,
    "traversal": "../../../etc/passwd",
    "percent": "%",
    "percent_pair": "%zz%00",
    "emoji": "😀👨‍👩‍👧‍👦",
    "rtl": "\u202eevil\u202c",
    "zero_width": "a\u200bb\ufeff",
    "html": "<script>alert(1)</script>\"'",
    "sql": "' OR 1=1 --",
    "huge_number": "9" * 40,
    "int64_overflow": str(2**63),
    "negative": "-1",
    "negative_huge": "-" + "9" * 40,
    "float": "1e999",
    "nan": "NaN",
    "far_date": "9999-12-31",
    "far_date_time": "9999-12-31T23:59:59-23:59",
    "ancient_date": "0001-01-01",
    "bad_date": "2026-02-30",
    "year_10000": "10000-01-01",
    "empty": "",
    "spaces": "   ",
    "newlines": "a\r\nb",
    "comma_list": ",,,",
    "bool": "true",
}
# What only JSON can carry: other types than text.
JSON_ONLY = {
    "null": None,
    "true": True,
    "list": ["x"],
    "object": {"a": {"b": "\x00"}},
    "int_huge": 10**40,
    "int_negative": -(2**63) - 1,
    "float": 1.5,
    "float_integral": 3.0,
    "deep": json.loads("[" * 200 + "]" * 200),
}
# Always sent, whatever the sample: the values that broke the most.
ALWAYS = ("nul", "surrogate", "far_date")


def sample(key: str, k: int, *, json_types: bool = False) -> list[tuple[str, object]]:
    """ALWAYS plus `k` more corpus values for one parameter, the same ones every run
    (seeded by `key`, e.g. "owner GET /customers/ q")."""
    names = [n for n in TEXT if n not in ALWAYS]
    picked = [(n, TEXT[n]) for n in ALWAYS]
    rng = random.Random(key)
    picked += [(n, TEXT[n]) for n in rng.sample(names, min(k, len(names)))]
    if json_types:
        extra = rng.sample(sorted(JSON_ONLY), min(k, len(JSON_ONLY)))
        picked += [(n, JSON_ONLY[n]) for n in extra]
    return picked


def form_bytes(value) -> str:
    """`value` percent-encoded as a browser would send it in a URL or a form body."""
    if not isinstance(value, str):
        value = json.dumps(value)
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def path_segment(value) -> str:
    """`value` as one path segment (a "/" inside stays inside, as %2F)."""
    return form_bytes(value)


def form_body(fields: dict) -> str:
    return "&".join(f"{form_bytes(k)}={form_bytes(v)}" for k, v in fields.items())
