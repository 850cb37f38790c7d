"""Operations for migrations that move a model to another app without moving its data.

A model that changes app keeps its table (``db_table`` is pinned), so the move is a state
change only. What does live in the database under the app label is the model's content type,
and through it the permissions the role groups hold and any admin log rows; renaming the
content type keeps all of them.
"""

from __future__ import annotations

from django.db import migrations


def move_content_types(*moves: tuple[str, str, str]) -> migrations.RunPython:
    """A ``RunPython`` that relabels content types; each move is ``(model, old_app, new_app)``.

    If the new content type already exists (created by a permission sync that ran while both
    states existed), it is removed first: nothing outside the migration run can point at it yet,
    and the old one carries the rows that matter.
    """

    def forwards(apps, schema_editor):
        _relabel(apps, moves)

    def backwards(apps, schema_editor):
        _relabel(apps, [(model, new, old) for model, old, new in moves])

    return migrations.RunPython(forwards, backwards)


def _relabel(apps, moves) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, old_app, new_app in moves:
        old = ContentType.objects.filter(app_label=old_app, model=model).first()
        if old is None:
            continue
        ContentType.objects.filter(app_label=new_app, model=model).delete()
        old.app_label = new_app
        old.save(update_fields=["app_label"])
