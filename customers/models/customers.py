"""The merchant's customers."""

import re

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Lower, Reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.core.ids import PublicIdField
from customers.core.validation import country_name
from customers.models.accounts import Business, BusinessScopedQuerySet

# The 22 locales of the API contract (Dodo's `Locale`), with their own names.
LOCALE_CHOICES = [
    ("ar", "العربية"),
    ("ca", "Català"),
    ("zh", "中文"),
    ("nl", "Nederlands"),
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("he", "עברית"),
    ("id", "Bahasa Indonesia"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("ka", "ქართული"),
    ("ko", "한국어"),
    ("ms", "Bahasa Melayu"),
    ("pl", "Polski"),
    ("pt", "Português"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("es", "Español"),
    ("sv", "Svenska"),
    ("th", "ไทย"),
    ("tr", "Türkçe"),
]


class CustomerQuerySet(BusinessScopedQuerySet):
    def among(self, ids: list[str], business):
        """These customers of `business` (a Business or its ID; at most a few thousand IDs).

        For short lists of matches found in a summary table. The rows are fetched by
        key and sorted: the business check is written as an expression no index
        serves, on purpose, because with `business_id = …` PostgreSQL may walk the
        (business, created_at) index newest first hoping to meet the matches soon,
        and read the whole table when they are all old customers. On PostgreSQL the
        IDs travel as one array parameter rather than thousands.
        """
        owner = self.alias(_owner=Concat("business_id", models.Value(""))).filter(
            _owner=getattr(business, "pk", business)
        )
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(self.model._meta.db_table)
            member = RawSQL(f'{table}."id" = ANY(%s)', (list(ids),), models.BooleanField())
            return owner.filter(member)
        return owner.filter(pk__in=ids)

    def search(self, term: str):
        """Match name, e-mail or customer ID as the table shows them.

        Three or more characters: substring match on name and e-mail (served by
        trigram indexes on UPPER(col) on PostgreSQL). Shorter terms match prefixes,
        which b-tree indexes serve, except two CJK characters ("유진" finds 강유진),
        which match anywhere in the name through the name-bigram index (0013).
        IDs match by prefix, by their end (the table shows `cus_00qY…7GVwKD`, and
        the end is what tells IDs apart: `reverse(id)` index), or as the table
        shows them, head…tail.
        """
        term = term.strip()
        if not term:
            return self
        head, ellipsis, tail = term.partition("…")
        if ellipsis:
            return self.alias(_id_rev=Reverse("id")).filter(
                id__startswith=head.strip(), _id_rev__startswith=tail.strip()[::-1]
            )
        id_match = models.Q(id__startswith=term)
        if ID_TAIL.fullmatch(term):
            id_match |= models.Q(_id_rev__startswith=term[::-1])
        queryset = self.alias(_id_rev=Reverse("id"))
        if len(term) < 3:
            # LOWER(...), not UPPER: only the prefix b-trees match it (migration 0009).
            prefix = term.lower()
            name_match = models.Q(_name_lc__startswith=prefix)
            if len(term) == 2 and any(_is_cjk(ch) for ch in term):
                name_match |= models.Q(NameHasBigram(models.F("name"), models.Value(term)))
            return queryset.alias(_name_lc=Lower("name"), _email_lc=Lower("email")).filter(
                id_match | name_match | models.Q(_email_lc__startswith=prefix)
            )
        return queryset.filter(
            id_match | models.Q(name__icontains=term) | models.Q(email__icontains=term)
        )


# The visible end of an ID: at least 4 of its characters (base62), nothing else.
ID_TAIL = re.compile(r"[0-9A-Za-z]{4,32}")


def _is_cjk(char: str) -> bool:
    """Hangul, kana and CJK ideographs: scripts whose two characters make a name part."""
    return (
        "\u1100" <= char <= "\u11ff" or "\u2e80" <= char <= "\ud7af" or "\uf900" <= char <= "\ufaff"
    )


class NameHasBigram(models.Func):
    """True when the two characters occur together anywhere in the name.

    PostgreSQL: `customers_bigrams(name) @> ARRAY[term]`, served by a GIN index on the
    name's character pairs (migration 0013; a trigram index cannot serve a two-character
    term). Elsewhere: a plain substring test."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra):
        name, name_params = compiler.compile(self.source_expressions[0])
        term, term_params = compiler.compile(self.source_expressions[1])
        return f"INSTR(LOWER({name}), LOWER({term})) > 0", (*name_params, *term_params)

    def as_postgresql(self, compiler, connection, **extra):
        name, name_params = compiler.compile(self.source_expressions[0])
        term, term_params = compiler.compile(self.source_expressions[1])
        sql = f"customers_bigrams({name}) @> ARRAY[LOWER({term})]::text[]"
        return sql, (*name_params, *term_params)


class Customer(models.Model):
    """One of a merchant's customers."""

    id = PublicIdField(prefix="cus")
    # Indexed by customer_business_created, which leads with the business.
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    name = models.CharField(_("name"), max_length=255)
    email = models.EmailField(_("e-mail"), max_length=254)  # unique per business, any case
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True)  # E.164
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)  # ≤ 50 string keys
    preferred_locale = models.CharField(
        _("preferred locale"), max_length=5, choices=LOCALE_CHOICES, blank=True
    )
    # Billing details, as Dodo's BillingAddress has them; all optional.
    billing_country = models.CharField(_("country"), max_length=2, blank=True)  # ISO 3166-1
    billing_street = models.CharField(_("street"), max_length=255, blank=True)
    billing_city = models.CharField(_("city"), max_length=100, blank=True)
    billing_state = models.CharField(_("state or province"), max_length=100, blank=True)
    billing_zipcode = models.CharField(_("postal code"), max_length=20, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=50, blank=True)
    # A B2B customer's company; invoices show it only with a tax ID (as Dodo does).
    business_name = models.CharField(_("business name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                models.F("business"), Lower("email"), name="customer_email_unique_per_business"
            )
        ]
        indexes = [
            models.Index(fields=["business", "created_at", "id"], name="customer_business_created"),
            # One per sortable column of the customer table (same order as its
            # order_by), so any sort of a million customers reads 25 index entries.
            models.Index(fields=["business", "name", "id"], name="customer_business_name"),
            models.Index(fields=["business", "email", "id"], name="customer_business_email"),
            models.Index(fields=["business", "phone_number", "id"], name="customer_business_phone"),
            models.Index(fields=["business", "updated_at", "id"], name="customer_business_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def billing_lines(self) -> list[str]:
        """The billing address as printed, one line each, empty parts left out."""
        city_line = " ".join(p for p in (self.billing_zipcode, self.billing_city) if p)
        country = country_name(self.billing_country) if self.billing_country else ""
        lines = [self.billing_street, city_line, self.billing_state, country]
        return [line for line in lines if line]

    @property
    def invoice_business_name(self) -> str:
        """The company an invoice is made out to: only a business with a tax ID."""
        return self.business_name if self.tax_id else ""

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        if not parts:
            return (self.email[:1] or "?").upper()
        if len(parts) == 1:
            return parts[0][:2].upper() if parts[0].isascii() else parts[0][:1]
        return (parts[0][:1] + parts[-1][:1]).upper()
