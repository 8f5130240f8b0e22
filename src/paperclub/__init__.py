"""paperclub plans a reading group's term: papers, dated sessions, topics, presenters, calendars."""

__version__ = "0.1.0"
