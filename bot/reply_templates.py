"""The desk's reply templates (定型文), as the staff surfaces use them."""

from __future__ import annotations

from bot.app import App
from flows.reply_templates import load_templates
from storage.reply_templates import ReplyTemplates


def reply_templates(app: App) -> ReplyTemplates:
    """The served orgs' templates, read afresh (a few small files): a co-op's edited file is
    used at the next pick, without a restart; start-up has already checked them."""
    folder = app.deployment.reply_templates.dir
    return ReplyTemplates(app.db, app.orgs, load_templates(app.orgs, folder), app.cases.queue_names)
