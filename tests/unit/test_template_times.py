"""Issue 9: every time a page shows goes through a filter that writes it in the school's
zone, the French way (`webui/formats.py`, or the backups' and health pages' own, which call
it). A template printing a stored `…_at` value as it is would show UTC ISO text."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "webui" / "templates"
# The filters that turn a stored moment into words or a machine-readable local time
# (`iso_local`, for <time datetime=…>).
TIME_FILTERS = {
    "datetime_fr", "date_fr", "time_fr", "iso_local", "backup_time", "health_time", "due_words",
}  # fmt: skip
EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
# A record's field named like a stored moment (`run.applied_at`, `w.status.due_at`).
MOMENT = re.compile(r"(?<![\w'\".])((?:\w+\.)+\w+_at)\b(\s*\|\s*(\w+))?")
# What is not printed as it is: a parenthesised choice given to a time filter as a whole
# (`(a.x_at or a.y_at)|datetime_fr`) and a value only tested (`… if a.ended_at else …`).
FILTERED_GROUP = re.compile(r"\([^()]*\)\s*\|\s*(" + "|".join(TIME_FILTERS) + r")\b")
TESTED = re.compile(r"\bif\s+(?:not\s+)?(?:\w+\.)+\w+_at\b")


def test_every_stored_moment_a_template_prints_goes_through_a_time_filter():
    bare, seen = [], 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        for expression in EXPRESSION.findall(path.read_text(encoding="utf-8")):
            printed = TESTED.sub(" ", FILTERED_GROUP.sub(" ", expression))
            seen += len(MOMENT.findall(expression)) - len(MOMENT.findall(printed))
            for found in MOMENT.finditer(printed):
                name, _, filtered = found.groups()
                if name.startswith("form."):  # a form field, not a value
                    continue
                seen += 1
                if filtered not in TIME_FILTERS:
                    bare.append(f"{path.relative_to(TEMPLATES)}: {{{{{expression.strip()}}}}}")
    assert seen > 30  # the walk does find the pages' times
    assert not bare, "\n".join(bare)
