"""The built-in balance policies (spread, proportional, themed: `paperclub.policies`),
registered as a plugin's would be."""

from __future__ import annotations

from paperclub.hookspecs import hookimpl
from paperclub.policies import BUILT_IN


@hookimpl(trylast=True)
def paperclub_register_policies(register):
    for policy in BUILT_IN.values():
        register(policy)
