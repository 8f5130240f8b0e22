"""libical's strict iTIP check of one calendar file: `/usr/bin/python3 tests/itip_check.py FILE`.

Runs with the system Python, which has libical through GObject introspection (Debian's
python3-gi and gir1.2-ical-3.0, installed by scripts/ensure-libical); the tests call it in a
subprocess. libical parses the file, then `restriction_check` applies RFC 5546's table of
what each METHOD (REQUEST, CANCEL, REPLY, ...) requires and forbids; every problem, of the
parse or of the check, becomes an X-LIC-ERROR property in the component. Exit 0: none; exit 1:
each printed on a line; exit 2: libical is not there (the message says what to install).
"""

from __future__ import annotations

import sys


def main(path: str) -> int:
    try:
        import gi

        gi.require_version("ICalGLib", "3.0")
        from gi.repository import ICalGLib
    except (ImportError, ValueError) as e:
        print(
            f"libical for Python is missing ({e}): install python3-gi and gir1.2-ical-3.0 "
            "(Debian: scripts/ensure-libical as root)",
            file=sys.stderr,
        )
        return 2
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    component = ICalGLib.Component.new_from_string(text)
    if component is None:
        print(f"{path}: libical could not parse it at all")
        return 1
    passed = ICalGLib.restriction_check(component)
    # the errors are properties (X-LIC-ERROR) of whichever component they concern; unfolded
    lines = component.as_ical_string().replace("\r\n ", "").replace("\n ", "").splitlines()
    errors = [line for line in lines if line.startswith("X-LIC-ERROR")]
    for error in errors:
        print(error)
    if not passed and not errors:
        print("restriction_check failed without saying why")
    return 0 if passed and not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
