"""CSV imports: reading hostile files, the dry run, the import (idempotent), the pages."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from customers.imports.reading import ImportFileError, guess_mapping, header_of, rows
from customers.imports.runner import customer_import_check_run, customer_import_run
from customers.imports.services import (
    ImportRefused,
    customer_import_check,
    customer_import_start,
    customer_import_upload,
)
from customers.models import Customer, CustomerImport, Event, SignupDay
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

STRIPE = (
    "id,Description,Email,Name,Created (UTC),Phone,Preferred Locales\n"
    "cus_S1,,grace@example.com,Grace Hopper,2024-03-01 10:00:00,+1 415 555 0134,en-US\n"
    "cus_S2,,not-an-email,Bad Row,2024-03-02 10:00:00,,\n"
    "cus_S3,,ada@example.com,Ada again,2024-03-03 10:00:00,,\n"
    "cus_S4,,GRACE@example.com,Grace twice,2024-03-04 10:00:00,,\n"
    'cus_S5,,=cmd@example.com,=HYPERLINK("http://evil"),2024-03-05 10:00:00,12,\n'
    "cus_S6,,linus@example.com,=1+2,2024-03-05 10:00:00,010-1234-5678,ko\n"
)


def upload(text: str | bytes, name="customers.csv"):
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def run_all(job):
    customer_import_check(job=job, mapping={k: str(v) for k, v in job.mapping.items()})
    customer_import_check_run(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def korean(business):
    business.country = "KR"
    business.save()
    return business


def test_stripe_headers_are_guessed():
    headers = ["id", "Description", "Email", "Name", "Created (UTC)", "Phone", "Preferred Locales"]
    assert guess_mapping(headers) == {
        "email": 2,
        "name": 3,
        "created_at": 4,
        "phone_number": 5,
        "preferred_locale": 6,
    }


def test_our_export_headers_are_guessed():
    headers = ["name", "id", "email", "phone_number", "created_at", "metadata"]
    mapping = guess_mapping(headers)
    assert mapping["email"] == 2 and mapping["metadata"] == 5 and mapping["name"] == 0


def test_dry_run_reports_each_problem_and_writes_nothing(korean, owner, customer):
    job = customer_import_upload(business=korean, user=owner, upload=upload(STRIPE))
    job = run_all(job)
    assert job.status == "checked" and job.rows_checked == 6
    assert (job.rows_total, job.rows_valid, job.rows_existing, job.rows_invalid) == (6, 2, 1, 3)
    lines = {(p["line"], p["field"]) for p in job.problems}
    assert (3, "email") in lines  # not an e-mail
    assert (5, "email") in lines  # GRACE again: a duplicate in the file
    assert (6, "phone_number") in lines  # "12" is no phone number
    assert Customer.objects.count() == 1  # only Ada, from before


def test_import_creates_the_valid_rows_once(korean, owner, customer):
    job = run_all(customer_import_upload(business=korean, user=owner, upload=upload(STRIPE)))
    customer_import_start(job=job)
    assert customer_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.rows_created == 2 and job.percent == 100
    grace = Customer.objects.get(email="grace@example.com")
    assert grace.phone_number == "+14155550134" and grace.preferred_locale == "en"
    assert grace.created_at.year == 2024
    linus = Customer.objects.get(email="linus@example.com")
    assert linus.name == "=1+2"  # stored as text, never evaluated
    assert linus.phone_number == "+821012345678"  # read with the business's country
    event = Event.objects.get(type="customers.imported")
    assert event.payload["created"] == 2 and event.payload["invalid"] == 3
    days = dict(SignupDay.objects.filter(business=korean).values_list("day", "customers"))
    assert sum(days.values()) == 3

    # The same file again: nothing new (idempotent on e-mail).
    again = run_all(customer_import_upload(business=korean, user=owner, upload=upload(STRIPE)))
    assert again.rows_valid == 0 and again.rows_existing == 3
    customer_import_start(job=again)
    customer_import_run(job_id=again.pk)
    assert Customer.objects.count() == 3


def test_a_bom_is_fine(business, owner):
    job = customer_import_upload(
        business=business, user=owner, upload=upload("\ufeffEmail,Name\nx@example.com,X\n")
    )
    assert job.headers == ["Email", "Name"] and job.mapping == {"email": 0, "name": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Email\n" + "é@example.com\n".encode("latin-1"), "not UTF-8"),
        (b"Email,Name\nx@example.com,\x00\n", "NUL"),
        (",".join(f"c{i}" for i in range(101)).encode(), "at most 100"),
        (b'Email\n"' + b"x" * 200_000 + b'"\n', "cannot be read as CSV"),
    ],
)
def test_hostile_files_give_clear_errors(data, message):
    with pytest.raises(ImportFileError, match=message):
        list(rows(io.BytesIO(data), max_rows=10))


def test_an_empty_file_is_refused():
    with pytest.raises(ImportFileError, match="empty"):
        header_of(io.BytesIO(b"\n\n"), max_rows=10)


def test_too_many_rows_is_refused():
    data = "Email\n" + "".join(f"u{i}@example.com\n" for i in range(5))
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        list(rows(io.BytesIO(data.encode()), max_rows=3))


def test_a_file_that_breaks_on_a_late_line_fails_the_job_with_the_reason(business, owner):
    data = "Email\n" + "".join(f"u{i}@example.com\n" for i in range(3)) + "\x00\n"
    job = customer_import_upload(business=business, user=owner, upload=upload(data))
    job = run_all(job)
    assert job.status == "failed" and "NUL" in job.error


@override_settings(CUSTOMER_IMPORT_MAX_BYTES=100)
def test_a_large_file_is_refused_by_the_service(business, owner):
    with pytest.raises(ImportRefused, match="at most"):
        customer_import_upload(business=business, user=owner, upload=upload("Email\n" + "a" * 200))


def test_mapping_without_email_is_refused(business, owner):
    job = customer_import_upload(business=business, user=owner, upload=upload("A,B\n1,2\n"))
    with pytest.raises(ImportRefused, match="E-mail"):
        customer_import_check(job=job, mapping={"name": "0"})
    with pytest.raises(ImportRefused):
        customer_import_check(job=job, mapping={"email": "7"})


def test_import_cannot_start_before_its_dry_run(business, owner):
    job = customer_import_upload(business=business, user=owner, upload=upload("Email\na@b.co\n"))
    with pytest.raises(ImportRefused):
        customer_import_start(job=job)


# ---------------------------------------------------------------- pages


def test_pages_upload_map_check_and_start(
    owner_client, business, django_capture_on_commit_callbacks
):
    response = owner_client.post(reverse("customers:imports"), {"file": upload(STRIPE)})
    assert response.status_code == 302
    job = CustomerImport.objects.get()
    page = owner_client.get(response["Location"])
    assert b'id="import-mapping"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("customers:import_check", args=[job.pk]), {"email": "2"})
    job.refresh_from_db()
    assert job.status == "checked"  # the eager worker ran the dry run
    page = owner_client.get(reverse("customers:import", args=[job.pk]))
    assert b'id="import-problems"' in page.content and b'id="import-start"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("customers:import_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "succeeded"
    fragment = owner_client.get(
        reverse("customers:import", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert b'id="import-progress"' in fragment.content and b"<html" not in fragment.content


def test_upload_errors_are_shown(owner_client):
    response = owner_client.post(reverse("customers:imports"), {"file": upload(b"\xff\xfeE\x00")})
    assert response.status_code == 400
    assert b"not UTF-8" in response.content
    response = owner_client.post(reverse("customers:imports"), {})
    assert b"Choose a CSV file" in response.content


def test_viewers_cannot_import(viewer_client):
    assert viewer_client.get(reverse("customers:imports")).status_code == 403


def test_another_business_import_is_a_404(owner_client, other_business):
    other = CustomerFactory(business=other_business)
    job = CustomerImport.objects.create(
        business=other.business, filename="x.csv", file="imports/x.csv", headers=["Email"]
    )
    for name in ("import", "import_check", "import_start"):
        method = owner_client.get if name == "import" else owner_client.post
        assert method(reverse(f"customers:{name}", args=[job.pk])).status_code == 404
