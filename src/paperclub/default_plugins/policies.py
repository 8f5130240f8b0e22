"""The built-in balance policies (spread, proportional, themed: `paperclub.policies`),
registered as a plugin's would be."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from paperclub.hookspecs import hookimpl
from paperclub.policies import BUILT_IN

if TYPE_CHECKING:
    from paperclub.policies import Policy


@hookimpl(trylast=True)
def paperclub_register_policies(register: Callable[[Policy], None]) -> None:
    for policy in BUILT_IN.values():
        register(policy)
