"""The instructor's GIFT import (an upload form) and export (a download). The work is in course/authoring.py.
Every route is under one Router carrying the staff guard."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from coursesite.accounts.roles import Role
from coursesite.core.errors import Invalid, NotFound
from coursesite.course import authoring
from coursesite.course.authoring import AuthoringError, Code, ImportSummary, Problem
from coursesite.course.catalog import CourseCatalog
from coursesite.course.gift import swedish_message
from coursesite.course.model import Act, Course
from coursesite.review.versions import QuestionVersions
from coursesite.settings import Settings
from coursesite.web import guards
from coursesite.web.forms import read_form, shown_again

STAFF = guards.roles(Role.INSTRUCTOR, Role.ADMIN)
TEMPLATE = "instructor/import.html"
FIELD_LENGTHS = {"act": 4, "lesson": 80, "new_lesson": 80, "title": 300}

# Problems about one form field are shown at that field, in Swedish; the rest are listed above the form.
FIELD_OF = {
    Code.TOO_LARGE: "file",
    Code.NUL: "file",
    Code.ENCODING: "file",
    Code.NO_ACT: "act",
    Code.BAD_SLUG: "new_lesson",
    Code.OTHER_ACT: "lesson",
    Code.TITLE_REQUIRED: "title",
    Code.BAD_TITLE: "title",
}
SWEDISH = {
    Code.TOO_LARGE: f"Filen är för stor: högst {authoring.MAX_GIFT_BYTES // 1024} kB går att importera.",
    Code.NUL: "Filen innehåller ett NUL-tecken och ser inte ut att vara en textfil.",
    Code.ENCODING: "Filen är inte sparad som UTF-8. Spara den som UTF-8 och försök igen.",
    Code.NO_ACT: "Akten finns inte.",
    Code.BAD_SLUG: f"Kortnamnet får bara innehålla a–z, 0–9 och enkla bindestreck (högst {authoring.MAX_SLUG_LENGTH} tecken).",
    Code.OTHER_ACT: "Lektionen hör till en annan akt. Välj den akten, eller ett annat kortnamn.",
    Code.TITLE_REQUIRED: "En ny lektion behöver en titel.",
    Code.BAD_TITLE: f"Titeln får vara högst {authoring.MAX_TITLE_LENGTH} tecken och utan styrtecken.",
    Code.NO_QUESTIONS: "Filen innehåller inga frågor.",
    Code.TOO_MANY: f"Filen innehåller för många frågor: högst {authoring.MAX_QUESTIONS} per import.",
    Code.NAME_IN_LESSON_FILE: "Lektionsfilen har redan en fråga med samma namn, och den kan inte ersättas genom en "
    "import. Ge GIFT-frågan ett annat namn.",
    Code.SAME_ID: "Namnet ger samma id som en annan fråga i lektionen. Byt namn på den ena.",
    Code.NO_LESSON: "Lektionen finns inte.",
    Code.IDENTITY_NUMBER: "Texten innehåller något som ser ut som ett personnummer, samordningsnummer eller "
    "kortnummer. Vi samlar aldrig in sådana – ta bort det och importera igen.",
}


def _swedish(problem: Problem) -> str:
    """The problem for the page, in Swedish with its line; the GIFT parser's messages through its own table."""
    where = [f"Rad {problem.line}"] if problem.line is not None else []
    where += [f"fråga ”{problem.question}”"] if problem.question else []
    message = (
        swedish_message(problem.message) if problem.code == Code.GIFT else SWEDISH.get(problem.code, problem.message)
    )
    return f"{', '.join(where)}: {message}" if where else message


@dataclass
class ImportForm:
    """The import form's text fields (web/forms.read_form); the GIFT file is its ``file`` upload."""

    act: str = ""
    lesson: str = ""
    new_lesson: str = ""
    title: str = ""

    def values(self) -> dict[str, str]:
        """Each field trimmed and cut one past its length, so that a check still sees it is too long."""
        return {name: getattr(self, name).strip()[: limit + 1] for name, limit in FIELD_LENGTHS.items()}


def _chosen_act(course: Course, number: int | None) -> Act:
    """The act whose lessons the form offers: the one asked for, else the first."""
    return next((act for act in course.acts if act.number == number), course.acts[0])


def _lesson_error(course: Course, act: Act, lesson: str, new_lesson: str) -> tuple[str, str] | None:
    """The field and the Swedish message when the chosen or typed lesson belongs to another act than the chosen one:
    the form offers only the chosen act's lessons, so such a value never came from it."""
    owner = {item.slug: a for a in course.acts for item in a.lessons}
    titles = {item.slug: item.title for item in course.lessons()}
    if new_lesson:
        other = owner.get(new_lesson)
        if other is not None and other.number != act.number:
            return "new_lesson", (
                f"Kortnamnet ”{new_lesson}” används redan av lektionen ”{titles[new_lesson]}” i {other.title}. "
                f"Välj ett annat kortnamn, eller byt till {other.title} ovan."
            )
        return None
    if lesson and lesson not in owner:
        return "lesson", f"Lektionen finns inte. Välj en lektion i {act.title}."
    other = owner.get(lesson)
    if other is not None and other.number != act.number:
        return "lesson", (
            f"Lektionen ”{titles[lesson]}” hör till {other.title}, inte till {act.title}. Välj en lektion i "
            f"{act.title}, eller byt till {other.title} ovan."
        )
    return None


def _page(
    course: Course,
    *,
    act: Act | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problems: Iterable[str] = (),
    summary: ImportSummary | None = None,
    chosen_file: str = "",
    status_code: int = 200,
) -> Template:
    chosen = act or course.acts[0]
    return Template(
        TEMPLATE,
        context={
            "section": "authoring",
            "acts": course.acts,
            "chosen_act": chosen,
            "values": values or {},
            "errors": errors or {},
            "problems": list(problems),
            "summary": summary,
            "chosen_file": chosen_file,
            "max_kb": authoring.MAX_GIFT_BYTES // 1024,
        },
        status_code=status_code,
    )


@get("/larare/import", name="instructor-import")
async def import_page(
    course: NamedDependency[Course], akt: Annotated[int | None, QueryParameter(ge=1, le=99)] = None
) -> Template:
    """`akt` chooses the act whose lessons the form offers (a GET form above the upload, so no file is lost)."""
    if akt is not None and akt not in {a.number for a in course.acts}:
        return _page(course, errors={"akt": "Akten finns inte. Välj en av akterna i listan."}, status_code=400)
    return _page(course, act=_chosen_act(course, akt))


@post("/larare/import")
async def import_submit(
    request: Request,
    course: NamedDependency[Course],
    catalog: NamedDependency[CourseCatalog],
    settings: NamedDependency[Settings],
    versions: NamedDependency[QuestionVersions],
) -> Template:
    form = await request.form()
    values = read_form(ImportForm, form).values()
    errors: dict[str, str] = {}
    act = int(values["act"]) if values["act"].isdigit() else 0
    if act not in {a.number for a in course.acts}:
        errors["act"] = "Välj en akt."
    chosen_act = _chosen_act(course, act)
    slug = values["new_lesson"] or values["lesson"]
    if not slug:
        errors["lesson"] = "Välj en lektion, eller skriv kortnamnet för en ny."
    elif "act" not in errors and (refused := _lesson_error(course, chosen_act, values["lesson"], values["new_lesson"])):
        errors[refused[0]] = refused[1]
    text = ""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "Välj en GIFT-fil."
    else:
        try:
            text = authoring.decode_gift(await upload.read(authoring.MAX_GIFT_BYTES + 1))
        except AuthoringError as exc:
            errors["file"] = _swedish(exc.problems[0])
        finally:
            await upload.close()
    # A file input cannot be filled in again: the page names the file so it can be chosen again.
    chosen = Path(upload.filename).name[:100] if isinstance(upload, UploadFile) and upload.filename else ""
    if errors or not isinstance(upload, UploadFile):
        return _page(
            course, act=chosen_act, values=shown_again(values), errors=errors, chosen_file=chosen, status_code=400
        )

    run = partial(
        _import_and_reload,
        catalog,
        settings.lessons_dir,
        text,
        act=act,
        lesson=slug,
        title=values["title"] or None,
        source=chosen,
    )
    try:
        summary = await anyio.to_thread.run_sync(run)  # file work and a course reload: off the event loop
    except AuthoringError as exc:
        for problem in exc.problems:
            if problem.code in FIELD_OF:
                field = FIELD_OF[problem.code]
                if problem.code == Code.OTHER_ACT and values["new_lesson"]:
                    field = "new_lesson"  # the slug was typed, not chosen
                errors.setdefault(field, _swedish(problem))
        listed = [_swedish(p) for p in exc.problems if p.code not in FIELD_OF]
        return _page(
            course,
            act=chosen_act,
            values=shown_again(values),
            errors=errors,
            problems=listed,
            chosen_file=chosen,
            status_code=400,
        )
    await versions.record(catalog.course)
    return _page(catalog.course, act=_chosen_act(catalog.course, act), summary=summary)


def _import_and_reload(catalog: CourseCatalog, root: Path, text: str, **options: Any) -> ImportSummary:
    summary = authoring.import_gift(root, text, **options)
    catalog.mark_changed()  # every worker reloads on its next request; this one now
    return summary


@get("/larare/import/export", name="instructor-export")
async def export_download(
    course: NamedDependency[Course], lektion: Annotated[str, QueryParameter(min_length=1, max_length=80)]
) -> Response:
    try:
        result = authoring.export_gift(course, lektion)
    except AuthoringError:
        raise NotFound("Lektionen finns inte.") from None
    if not result.written:
        raise Invalid("Ingen av lektionens frågor kan skrivas som GIFT.")
    return Response(
        result.text,
        media_type="text/plain; charset=utf-8",
        # The slug is a known lesson's: a-z, 0-9 and dashes only, safe in the header.
        headers={"Content-Disposition": f'attachment; filename="{result.lesson}.gift"'},
    )


ROUTES = [Router(path="/", route_handlers=[import_page, import_submit, export_download], guards=[STAFF])]
