"""Screenshots of every page type (`make screenshots`): starts its own server on a free port with a throwaway SQLite
database, seeds the demo data the accessibility test uses (tests/browser/support.py: seed_site), and writes a PNG of
each page, as the role it is for sees it, at 1280 px and at 390 px wide into docs/screenshots/, with README.md as
the index. The pages are those of tests/route_access.py: EXPECTED, so a new page gets its screenshot too."""

from __future__ import annotations

import io
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from coursesite.course.loader import load_course  # noqa: E402
from tests.browser.support import (  # noqa: E402
    CHROMIUM_ARGS,
    NOT_PAGES,
    seed_site,
    server_environment,
    serving,
    tour,
)
from tests.route_access import EXPECTED  # noqa: E402

WIDTHS = {1280: 800, 390: 844}
ROLE_NAMES = {
    "anonymous": "Besökare (inte inloggad)",
    "participant": "Deltagare",
    "instructor": "Lärare",
    "finance": "Ekonomi",
    "customer_service": "Kundtjänst",
    "admin": "Administratör",
}


def file_stem(role: str, path: str) -> str:
    """A stable name from the role and the route: `participant--lektion-slug-resultat`, `anonymous--start`."""
    words = re.sub(r"\{([a-z_]+):[a-z]+\}", r"\1", path).strip("/")
    slug = re.sub(r"[^a-z0-9]+", "-", words.replace("_", "-").lower()).strip("-") or "start"
    return f"{role.replace('_', '-')}--{slug}"


def save_small(png: bytes, target: Path) -> None:
    """A screenshot of a page is a few flat colours and anti-aliased text: a 256-colour palette keeps it sharp at a
    quarter of the bytes, so the repository does not grow by tens of megabytes at each run."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)


def confirm_participant_address(site) -> None:
    """Once the confirmation page has its picture, the participant confirms the address with the mailed link, so
    their pages show the course rather than the "address not confirmed" notice a new account has."""
    page = site.contexts["participant"].new_page()
    page.goto(site.url("/bekrafta-epost"))
    page.get_by_role("button", name="Bekräfta e-postadressen").click()
    page.wait_for_load_state("load")
    page.close()


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium is not installed: `make screenshots` installs Debian's chromium package")
    started = time.monotonic()
    for old in HERE.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="coursesite-screenshots-") as folder:
        env = server_environment(Path(folder), "screenshots-" + secrets.token_urlsafe(32), "development")
        course = load_course(Path(env["COURSESITE_LESSONS_DIR"]))
        rows = []
        with serving(env) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            site = seed_site(browser, base, env, course)
            for role, paths in tour(EXPECTED).items():
                page = site.contexts[role].new_page()
                for path in sorted(paths):
                    stem = file_stem(role, path)
                    for width, height in WIDTHS.items():
                        page.set_viewport_size({"width": width, "height": height})
                        page.goto(site.url(path))
                        page.wait_for_load_state("load")
                        save_small(page.screenshot(full_page=True), HERE / f"{stem}-{width}.png")
                    rows.append((role, path, stem))
                page.close()
                if role == "anonymous":
                    confirm_participant_address(site)
            site.close()
            browser.close()
    write_index(rows)
    print(f"{len(rows) * len(WIDTHS)} screenshots in {HERE.relative_to(REPO)} in {time.monotonic() - started:.0f} s")


def write_index(rows: list[tuple[str, str, str]]) -> None:
    lines = [
        "# Screenshots of every page type",
        "",
        "Made by `make screenshots` (docs/screenshots/take.py): a fresh server with demo data, each page as the role it",
        "is for sees it, at 1280 px and 390 px wide. The pages are every GET page of tests/route_access.py; these are",
        "not pages and have no screenshot: " + ", ".join(f"`{path}` ({why})" for path, why in NOT_PAGES.items()) + ".",
        "",
        "| Role | Page | 1280 px | 390 px |",
        "| --- | --- | --- | --- |",
    ]
    for role, path, stem in rows:
        lines.append(
            f"| {ROLE_NAMES[role]} | `{path}` | [{stem}-1280.png]({stem}-1280.png) | [{stem}-390.png]({stem}-390.png) |"
        )
    (HERE / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
