"""paperclub's public API: what a plugin imports. (A stub with the names the plugin template
uses; the full module, with the read-only catalog, load_plan and render, comes with the API.)"""

from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.models import Assignment, Group, Member, Paper, Plan, Session

__all__ = ["Assignment", "Group", "Member", "Paper", "PaperclubError", "Plan", "Session",
           "hookimpl"]
