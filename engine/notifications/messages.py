"""The texts of notification e-mails (and of the in-app list) in Polish and English.

The engine cannot use Flask-Babel, so the few messages live here as a small catalogue keyed by kind and
language. Placeholders are filled only from a notification's ``params``, which hold the case number, a task's
name from the process definition and dates: never a beneficiary's name or any special-category content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("pl", "en")
DEFAULT_LANGUAGE = "pl"

#: kind → language → (subject, line). The line is one sentence; the e-mail adds the link.
CATALOGUE: dict[str, dict[str, tuple[str, str]]] = {
    "task_assigned": {
        "pl": ("Nowe zadanie: {task}", "Masz nowe zadanie „{task}” w sprawie {case}{due}."),
        "en": ("New task: {task}", "You have a new task “{task}” in case {case}{due}."),
    },
    "task_due_tomorrow": {
        "pl": ("Termin jutro: {task}", "Jutro mija termin zadania „{task}” w sprawie {case}."),
        "en": ("Due tomorrow: {task}", "The task “{task}” in case {case} is due tomorrow."),
    },
    "task_overdue": {
        "pl": ("Po terminie: {task}", "Minął termin zadania „{task}” w sprawie {case}{due}."),
        "en": ("Overdue: {task}", "The task “{task}” in case {case} is overdue{due}."),
    },
    "task_reminder": {
        "pl": ("Przypomnienie: {task}", "Przypominamy o zadaniu „{task}” w sprawie {case}{due}."),
        "en": ("Reminder: {task}", "A reminder of the task “{task}” in case {case}{due}."),
    },
    "plan_returned": {
        "pl": ("IPD zwrócony do poprawy", "Plan (IPD) w sprawie {case} został zwrócony do poprawy."),
        "en": ("IPD returned", "The plan (IPD) in case {case} was returned for changes."),
    },
    "approval_waiting": {
        "pl": ("Czeka na zatwierdzenie: {task}", "Zadanie „{task}” w sprawie {case} czeka na zatwierdzenie."),
        "en": ("Waiting for approval: {task}", "“{task}” in case {case} is waiting for approval."),
    },
    "team_decision": {
        "pl": (
            "Decyzja zespołu interdyscyplinarnego",
            "Zespół interdyscyplinarny zlecił zadanie w sprawie {case}{due}.",
        ),
        "en": ("Interdisciplinary team decision", "The interdisciplinary team gave you work in case {case}{due}."),
    },
}

_DUE = {"pl": " (termin: {date})", "en": " (due {date})"}
_DIGEST_SUBJECT = {"pl": "Powiadomienia: {count}", "en": "Notifications: {count}"}
_DIGEST_INTRO = {"pl": "Twoje powiadomienia z ostatniej doby:", "en": "Your notifications of the last day:"}
_FOOTER = {
    "pl": "Wiadomość wysłana automatycznie. Ustawienia powiadomień znajdziesz w profilu.",
    "en": "This message was sent automatically. Change your notification settings in your profile.",
}


def language(preferred: str | None) -> str:
    return preferred if preferred in LANGUAGES else DEFAULT_LANGUAGE


def render(kind: str, params: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """Subject and sentence of a notification in ``lang``."""
    lang = language(lang)
    subject, line = CATALOGUE.get(kind, CATALOGUE["task_assigned"])[lang]
    task = params.get(f"task_{lang}") or params.get("task_pl") or ""
    due = _DUE[lang].format(date=params["due_on"]) if params.get("due_on") else ""
    values = {"task": task, "case": params.get("case_number") or "-", "due": due}
    return subject.format(**values), line.format(**values)


def link_path(params: Mapping[str, Any], task_id: int | None, case_id: int | None) -> str:
    if task_id is not None:
        return f"/tasks/{task_id}"
    if case_id is not None:
        return f"/cases/{case_id}"
    return "/notifications"


def single_email(kind: str, params: Mapping[str, Any], lang: str, link: str) -> tuple[str, str]:
    subject, line = render(kind, params, lang)
    return subject, f"{line}\n\n{link}\n\n-- \n{_FOOTER[language(lang)]}\n"


def digest_email(items: list[tuple[str, str]], lang: str) -> tuple[str, str]:
    """One e-mail for many notifications; ``items`` are (sentence, link) pairs."""
    lang = language(lang)
    lines = [_DIGEST_INTRO[lang], ""]
    for sentence, link in items:
        lines.append(f"- {sentence}\n  {link}")
    lines += ["", "-- ", _FOOTER[lang], ""]
    return _DIGEST_SUBJECT[lang].format(count=len(items)), "\n".join(lines)
