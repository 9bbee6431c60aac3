"""Renders a message from templates/mail/<name>.txt (plain text, its `subject` set at the top) and .html (the
alternative), with the app's one Jinja environment (web/templating.build_environment)."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, StrictUndefined, TemplateNotFound

from coursesite.mail.message import MAX_SUBJECT_LENGTH, Mail, MailKind, one_line


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str | None


class MailComposer:
    """Built once (create_app, the CLI). Two overlays of the app's environment share its loader, filters and globals:
    the plain text is not HTML-escaped, and a name a template uses but the context lacks is an error at queue time
    (a link that renders as nothing must never reach a person)."""

    def __init__(self, environment: Environment, *, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")
        self._text = environment.overlay(autoescape=False, undefined=StrictUndefined)
        self._html = environment.overlay(undefined=StrictUndefined)

    def compose(self, mail: Mail) -> Composed:
        context = {
            **mail.context,
            "public_url": self.public_url,
            "kind": MailKind(mail.kind).value,
            "unsubscribe_url": mail.unsubscribe_url,
        }
        text_module = self._text.get_template(f"mail/{mail.template}.txt").make_module(context)
        subject = getattr(text_module, "subject", None)
        if not isinstance(subject, str) or not subject.strip():
            raise ValueError(f"templates/mail/{mail.template}.txt must set `subject` at the top")
        try:
            html_template = self._html.get_template(f"mail/{mail.template}.html")
        except TemplateNotFound:
            html_template = None  # plain text only
        html = html_template.render(context) if html_template is not None else None
        return Composed(subject=one_line(subject, MAX_SUBJECT_LENGTH), text=str(text_module).strip() + "\n", html=html)

    def link(self, path: str) -> str:
        """An absolute link for a message: COURSESITE_PUBLIC_URL + path ("/bekrafta-epost?token=…")."""
        if not path.startswith("/"):
            raise ValueError("a link path starts with /")
        return self.public_url + path
