"""The group reads no surveys: papers whose title says survey, review or overview stay out
of the plan. `paperclub why CONFIG PAPER` shows the reason."""

import re

SURVEY = re.compile(r"\b(survey|review|overview)s?\b", re.IGNORECASE)
REASON = "a survey (plugins/no_surveys.py)"


def paperclub_exclude_paper(paper, group, history):
    if SURVEY.search(paper.title):
        return REASON
    return None
