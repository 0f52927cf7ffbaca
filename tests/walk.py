"""What the hostile walk discovers by itself, so a new URL needs no new test:

- every URL pattern of the URLconf, as a template with its path parameters;
- every operation of the OpenAPI schema, with its query parameters and body fields;
- on each page a role can open, its forms (action, method, fields and their
  defaults) and the query parameters its links use.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>")


@dataclass(frozen=True)
class Route:
    template: str  # "/customers/{customer_id}/", ready for str.format
    params: tuple[str, ...]


def _regex_template(regex: str) -> str:
    """A matching path for a regex pattern, its named groups as {placeholders}."""
    out, i = [], 0
    regex = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    while i < len(regex):
        match = _REGEX_GROUP.match(regex, i)
        if match:  # skip to the group's closing parenthesis
            depth, j = 1, match.end()
            while depth and j < len(regex):
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            out.append("{" + match.group(1) + "}")
            i = j
        else:
            out.append(regex[i + 1] if regex[i] == "\\" and i + 1 < len(regex) else regex[i])
            i += 2 if regex[i] == "\\" else 1
    return "".join(out).replace("^", "").replace("$", "")


def _pattern_template(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        return _regex_template(str(pattern))
    return _ROUTE_PARAM.sub(r"{\1}", str(pattern))


def _walk(patterns, prefix: str):
    for entry in patterns:
        template = prefix + _pattern_template(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, template)
        elif isinstance(entry, URLPattern):
            yield template


def url_routes() -> list[Route]:
    """Every pattern of the URLconf, once each, in URLconf order."""
    seen, routes = set(), []
    for template in _walk(get_resolver().url_patterns, "/"):
        template = template.replace("{{", "{").replace("}}", "}")
        if template in seen:
            continue
        seen.add(template)
        routes.append(Route(template, tuple(re.findall(r"{(\w+)}", template))))
    return routes


@dataclass
class Operation:
    method: str
    template: str
    path_params: tuple[str, ...]
    query: dict[str, dict]  # name -> schema
    body: dict[str, dict] = field(default_factory=dict)  # field -> schema
    required: tuple[str, ...] = ()


def _resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def api_operations(openapi: dict) -> list[Operation]:
    operations = []
    for path, methods in openapi["paths"].items():
        for method, op in methods.items():
            params = op.get("parameters", [])
            body_schema = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            body_schema = _resolve(body_schema, openapi)
            operations.append(
                Operation(
                    method=method.upper(),
                    template=path,
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    query={p["name"]: p.get("schema", {}) for p in params if p["in"] == "query"},
                    body={
                        name: _resolve(prop, openapi)
                        for name, prop in body_schema.get("properties", {}).items()
                    },
                    required=tuple(body_schema.get("required", ())),
                )
            )
    return operations


def plausible(schema: dict):
    """A value of the right type for a body field, to fill the fields not under test."""
    schema = next(iter(schema.get("anyOf", [])), schema) if "anyOf" in schema else schema
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "object":
        return {}
    if kind == "array":
        return []
    if schema.get("format") == "email":
        return "walker@example.com"
    return "x"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]


class _PageParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self.query_names: set[str] = set()
        self.variants: set[str] = set()  # links to this page with a query string
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "option" and self._form is not None and self._select:
            if "selected" in a or not self._form.fields.get(self._select):
                self._form.fields[self._select] = a.get("value", "")
        elif tag == "a" and "?" in a.get("href", ""):
            url = urlsplit(a["href"])
            if url.path in ("", self.page_path):
                self.query_names |= {k for k, _v in parse_qsl(url.query, True)}
                self.variants.add(f"{self.page_path}?{url.query}")
        elif tag == "form":
            action = a.get("hx-post") or a.get("action") or a.get("hx-get") or self.page_path
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            self._form = Form(urlsplit(action).path or self.page_path, method, {})
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form.fields.setdefault(a["name"], "")
            else:
                self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._form.fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
            self._form.fields.setdefault(a["name"], "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields[a["name"]] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class Page:
    forms: list[Form]
    query_names: set[str]
    variants: list[str]  # the page with each query string its links use (tabs, filters)


def page_inputs(html: str, page_path: str) -> Page:
    """The forms of a page, the query parameter names its links to itself use, and
    those links (a tab's forms only show on the page with its ?tab=)."""
    parser = _PageParser(page_path)
    parser.feed(html)
    forms = [f for f in parser.forms if f.method in ("get", "post")]
    for form in forms:
        if form.method == "get":
            parser.query_names |= set(form.fields)
    return Page(forms, parser.query_names, sorted(parser.variants))
