"""The completion certificate: the participant's PDF and page, and the public check of a code."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.billing.certificates import CODE_MAX_INPUT, CertificateService, normalise_code
from coursesite.billing.pdf import PdfRenderer
from coursesite.web import guards
from coursesite.web.deps import course_of, principal_of

# An outer bound for the router; the service looks only at codes of up to CODE_MAX_INPUT characters, and anything
# longer is a 404 page like any other wrong code (and is not echoed back in full).
Code = Annotated[str, PathParameter(max_length=200)]
# The check pages show "Anna A." and a date: nothing for a search engine to keep.
PUBLIC_HEADERS = {"x-robots-tag": "noindex, nofollow", "cache-control": "no-store", "referrer-policy": "no-referrer"}
CODE_EXAMPLE = "ABCDE-FGHJK"


def certificates_of(request: Request) -> CertificateService:
    return request.app.state.certificates


def pdf_of(request: Request) -> PdfRenderer:
    return request.app.state.pdf


def verify_url(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/intyg/{code}"


@get(
    "/api/v1/me/certificate.pdf",
    guards=[guards.logged_in],
    tags=["participant"],
    summary="My completion certificate (PDF)",
    media_type="application/pdf",
    response_description="The certificate with name, course, date and verification code; 403 until every lesson is complete",
)
async def api_my_certificate_pdf(request: Request) -> Response[bytes]:
    record = await certificates_of(request).issue_or_get(principal_of(request))
    pdf = await pdf_of(request).render_certificate(record.pdf(verify_url(request, record.code)))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="kursintyg-{record.code}.pdf"',
            "cache-control": "private, no-store",
        },
    )


@get("/mitt-intyg", guards=[guards.logged_in], name="my_certificate")
async def my_certificate(request: Request) -> Template:
    principal = principal_of(request)
    service = certificates_of(request)
    outstanding = await service.outstanding(principal.account_id)
    record = None
    if not outstanding:
        record = await service.issue_or_get(principal)
    course = course_of(request)
    left_by_act = [(act, [lesson for lesson in outstanding if lesson.act_number == act.number]) for act in course.acts]
    return Template(
        "billing/certificate_mine.html",
        context={
            "course": course,
            "record": record,
            "verify_url": verify_url(request, record.code) if record else None,
            "left_by_act": [(act, lessons) for act, lessons in left_by_act if lessons],
            "left_count": len(outstanding),
            "total_count": len(course.lessons()),
        },
        headers={"cache-control": "private, no-store"},
    )


@get("/intyg", guards=[guards.public], name="certificate_check_form")
async def certificate_check_form(
    request: Request, kod: Annotated[str | None, QueryParameter(max_length=200)] = None
) -> Template | Redirect:
    """The public form: type a code. A GET form, so the check is a plain link that can be shared."""
    error = None
    if kod is not None:
        normalised = normalise_code(kod)
        if normalised is not None:
            return Redirect(f"/intyg/{normalised}", status_code=303)
        error = f"En verifieringskod har tio tecken, till exempel {CODE_EXAMPLE}."
    return Template(
        "billing/certificate_check.html",
        context={"form": True, "error": error, "typed": (kod or "")[:CODE_MAX_INPUT], "example": CODE_EXAMPLE},
        status_code=400 if error else 200,
        headers=PUBLIC_HEADERS,
    )


@get("/intyg/{code:str}", guards=[guards.public], name="certificate_check")
async def certificate_check(request: Request, code: FromPath[Code]) -> Template:
    """Anyone with the code sees the course, the date and "Anna A.": never the full name or anything else."""
    found = await certificates_of(request).verify(code)
    return Template(
        "billing/certificate_check.html",
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


ROUTES = [api_my_certificate_pdf, my_certificate, certificate_check_form, certificate_check]
