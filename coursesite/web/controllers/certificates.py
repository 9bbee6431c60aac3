"""The completion certificate: the participant's PDF and page, and the public check of a code."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.certificates.codes import CODE_MAX_INPUT, normalise_code
from coursesite.certificates.document import certificate_pdf
from coursesite.certificates.service import CertificateService
from coursesite.course.model import Course
from coursesite.pdf import PdfRenderer
from coursesite.settings import Settings
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.downloads import render_holder

# An outer bound for the router; the service looks only at codes of up to CODE_MAX_INPUT characters, and anything
# longer is a 404 page like any other wrong code (and is not echoed back in full).
Code = Annotated[str, PathParameter(max_length=200)]
# The check pages show "Anna A." and a date: nothing for a search engine to keep.
PUBLIC_HEADERS = {"x-robots-tag": "noindex, nofollow", "cache-control": "no-store", "referrer-policy": "no-referrer"}
CODE_EXAMPLE = "ABCDE-FGHJK"


def verify_url(settings: Settings, code: str) -> str:
    """The public check page, on COURSESITE_PUBLIC_URL: never the request's Host header, which the client chooses."""
    return f"{settings.base_url}/intyg/{code}"


@get(
    "/api/v1/me/certificate.pdf",
    tags=["participant"],
    summary="My completion certificate (PDF)",
    media_type="application/pdf",
    response_description="The certificate with name, course, date and verification code; 403 until every lesson is complete",
)
async def api_my_certificate_pdf(
    request: Request,
    certificates: NamedDependency[CertificateService],
    pdf: NamedDependency[PdfRenderer],
    settings: NamedDependency[Settings],
) -> Response[bytes]:
    record = await certificates.issue_or_get(principal_of(request))
    content = await pdf.render(
        certificate_pdf(record.pdf(verify_url(settings, record.code))), holder=render_holder(request)
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="kursintyg-{record.code}.pdf"',
            "cache-control": "private, no-store",
        },
    )


@get("/mitt-intyg", name="my_certificate")
async def my_certificate(
    request: Request,
    certificates: NamedDependency[CertificateService],
    course: NamedDependency[Course],
    settings: NamedDependency[Settings],
) -> Template:
    principal = principal_of(request)
    outstanding = await certificates.outstanding(principal.account_id)
    awaiting = [] if outstanding else await certificates.awaiting_review(principal.account_id)
    record = await certificates.issued(principal)
    if record is None and not outstanding and not awaiting:
        record = await certificates.issue_or_get(principal)
    left_by_act = [(act, [lesson for lesson in outstanding if lesson.act_number == act.number]) for act in course.acts]
    return Template(
        "certificates/certificate_mine.html",
        context={
            "course": course,
            "record": record,
            "verify_url": verify_url(settings, record.code) if record else None,
            "left_by_act": [(act, lessons) for act, lessons in left_by_act if lessons],
            "left_count": len(outstanding),
            "awaiting": awaiting,
            "total_count": len(course.lessons()),
        },
        headers={"cache-control": "private, no-store"},
    )


@get("/intyg", name="certificate_check_form")
async def certificate_check_form(
    kod: Annotated[str | None, QueryParameter(max_length=200)] = None,
) -> Template | Redirect:
    """The public form: type a code. A GET form, so the check is a plain link that can be shared."""
    error = None
    if kod is not None:
        normalised = normalise_code(kod)
        if normalised is not None:
            return Redirect(f"/intyg/{normalised}", status_code=303)
        error = f"En verifieringskod har tio tecken, till exempel {CODE_EXAMPLE}."
    return Template(
        "certificates/certificate_check.html",
        context={"form": True, "error": error, "typed": (kod or "")[:CODE_MAX_INPUT], "example": CODE_EXAMPLE},
        status_code=400 if error else 200,
        headers=PUBLIC_HEADERS,
    )


@get("/intyg/{code:str}", name="certificate_check")
async def certificate_check(code: FromPath[Code], certificates: NamedDependency[CertificateService]) -> Template:
    """Anyone with the code sees the course, the date and "Anna A.": never the full name or anything else."""
    found = await certificates.verify(code)
    return Template(
        "certificates/certificate_check.html",
        context={
            "form": False,
            "found": found,
            "code": normalise_code(code) or code[:CODE_MAX_INPUT],
            "example": CODE_EXAMPLE,
            "typed": "",
        },
        status_code=200 if found else 404,
        headers=PUBLIC_HEADERS,
    )


ROUTES = [
    # The participant's own certificate: logged in.
    Router(path="/", route_handlers=[api_my_certificate_pdf, my_certificate], guards=[guards.logged_in]),
    # The public check of a code: anyone.
    Router(path="/", route_handlers=[certificate_check_form, certificate_check], guards=[guards.public]),
]
