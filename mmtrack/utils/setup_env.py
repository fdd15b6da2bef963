"""Registration and environment set-up."""

from __future__ import annotations

import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmtrack module that registers something.

    Args:
        init_default_scope: set mmengine's default scope to ``'mmtrack'`` so
            that ``dict(type='X')`` in configs is looked up in mmtrack's
            registries first. Defaults to True.
    """
    from .checkpoint import install_safe_loading

    install_safe_loading()
    import mmtrack.datasets  # noqa: F401
    import mmtrack.engine  # noqa: F401
    import mmtrack.evaluation  # noqa: F401
    import mmtrack.models  # noqa: F401
    import mmtrack.visualization  # noqa: F401

    if init_default_scope:
        never_created = (
            DefaultScope.get_current_instance() is None
            or not DefaultScope.check_instance_created("mmtrack")
        )
        if never_created:
            DefaultScope.get_instance("mmtrack", scope_name="mmtrack")
            return
        current_scope = DefaultScope.get_current_instance()
        if current_scope.scope_name != "mmtrack":
            warnings.warn(
                "The current default scope "
                f'"{current_scope.scope_name}" is not "mmtrack", '
                "`register_all_modules` will force the current "
                'default scope to be "mmtrack".',
                stacklevel=2,
            )
            new_instance_name = f"mmtrack-{datetime.datetime.now()}"
            DefaultScope.get_instance(new_instance_name, scope_name="mmtrack")
